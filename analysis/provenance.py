"""Provenance of every output: schema and runlog versions, input hashes, parameters, dates.

The findings JSON opens with ``schema_version`` (semantic versioning of the
JSON's contract, :data:`SCHEMA_VERSION`; the contract itself is the JSON Schema
``analysis/data/findings.schema.json``, see CHANGELOG.md), ``runlog_version``,
``inputs`` (:func:`input_records`: role, path as given, bytes, SHA-256 of each
file given, the embedded sample named as such) and ``parameters`` (every
default and flag that shaped the answer). DESIGN.md "Findings JSON".

Reproducible outputs: nothing here reads a clock unless asked. The PDF's dates
come from ``SOURCE_DATE_EPOCH`` (:func:`source_date`, the reproducible-builds
convention, https://reproducible-builds.org/specs/source-date-epoch/) and the
JSON carries the time of the run only with ``--timestamp``.

Hashing costs no second read on a warm run: a file's SHA-256 is kept in a small
side table of the import cache folder (``sha256-v1.json``), keyed by the
resolved path, size and modification time, as the import cache keys its
entries; a new or changed file is hashed once. Written by hand because
hashlib has no such cache; the side table stays apart from the import cache's
index so that neither format depends on the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis import __version__

#: version of the findings JSON's contract (semantic versioning; bump with CHANGELOG.md)
SCHEMA_VERSION = "2.2.0"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "findings.schema.json"
#: roles of the inputs, in the order the JSON lists them
ROLES = ("activities", "pain_diary", "shoes", "drills", "gear_log", "overrides")
_STORE_NAME = "sha256-v1.json"


def findings_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the findings JSON, as shipped in the package."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class HashStore:
    """SHA-256 of files keyed by (resolved path, size, mtime): a file is hashed once until it changes.

    Parameters
    ----------
    folder : Path or None
        Where ``sha256-v1.json`` lives (the import cache's folder); None keeps
        nothing between runs (every file is hashed).
    """

    def __init__(self, folder: Path | None):
        self.path = None if folder is None else Path(folder) / _STORE_NAME
        self._known: dict[str, list] = {}
        self._dirty = False
        if self.path is not None and self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self._known = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):  # unreadable: rebuilt, never trusted
                self._known = {}

    def sha256(self, path: Path) -> tuple[int, str]:
        """(bytes, SHA-256) of a file."""
        st = os.stat(path)
        real = os.path.realpath(path)
        row = self._known.get(real)
        if row is not None and row[0] == st.st_size and row[1] == st.st_mtime_ns:
            return int(row[0]), str(row[2])
        digest = sha256_file(Path(path))
        self._known[real] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True
        return int(st.st_size), digest

    def save(self) -> None:
        """Write the table atomically (temporary file, then a rename); a failure only costs re-hashing."""
        if self.path is None or not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._known, fh)
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            pass


def _record(role: str, path: Path, shown: str, sample: bool, store: HashStore) -> dict:
    """One ``inputs`` entry; a folder is hashed over its files' relative paths and SHA-256s."""
    rec: dict[str, Any] = {"role": role, "path": shown}
    if path.is_dir():
        h = hashlib.sha256()
        total, n = 0, 0
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            size, digest = store.sha256(f)
            total, n = total + size, n + 1
            h.update(f"{f.relative_to(path).as_posix()}\0{digest}\n".encode())
        rec.update(bytes=total, sha256=h.hexdigest(), files=n)
    else:
        size, digest = store.sha256(path)
        rec.update(bytes=size, sha256=digest)
    rec["sample"] = sample
    return rec


def input_records(inputs: Any, cache_folder: Path | None = None, *, sample_dir: Path | None = None) -> list[dict]:
    """The ``inputs`` of the findings JSON: role, path as given, bytes, SHA-256 (and ``sample``).

    Parameters
    ----------
    inputs : analysis.pipeline.Inputs
        :func:`analysis.pipeline.resolve_inputs`.
    sample_dir : Path, optional
        The embedded sample's folder: its files are named as the sample's.
    cache_folder : Path, optional
        The import cache's folder: hashes of unchanged files are taken from its
        side table instead of reading the files again.

    Returns
    -------
    list of dict
        In the order of :data:`ROLES`, sources in the order given. A file of the
        embedded sample is shown by its name in the sample (``sample: true``),
        so the record is the same on every computer.
    """
    store = HashStore(cache_folder)
    sample_root = Path(os.path.realpath(sample_dir)) if sample_dir is not None else None

    def shown(p: Path) -> tuple[str, bool]:
        real = Path(os.path.realpath(p))
        if sample_root is not None and (real == sample_root or sample_root in real.parents):
            return "sample:" + real.relative_to(sample_root).as_posix(), True
        return str(p), False

    records = []
    for src in inputs.sources:
        records.append(_record("activities", Path(src), *shown(Path(src)), store=store))
    for role, attr in (("pain_diary", "pain"), ("shoes", "shoes"), ("drills", "drills"),
                       ("gear_log", "gear_log"), ("overrides", "overrides"),
                       ("questionnaires", "questionnaires")):
        p = getattr(inputs, attr)
        if p is not None:
            records.append(_record(role, Path(p), *shown(Path(p)), store=store))
    store.save()
    return records


def inputs_digest(records: list[Mapping] | Mapping) -> str:
    """First 12 hex digits of a SHA-256 over the inputs' SHA-256s (in order): the page-1 footer's digest.

    ``records`` is the ``inputs`` list or a whole findings dict.
    """
    if isinstance(records, Mapping):
        records = records.get("inputs") or []
    h = hashlib.sha256()
    for r in records:
        h.update(f"{r['role']}\0{r['sha256']}\n".encode())
    return h.hexdigest()[:12]


def parameters(
    *,
    tz: str | None = None,
    retire_km: float | None = None,
    default_shoe: str | None = None,
    grouping: Mapping[str, str] | None = None,
    flare_params: Mapping[str, float] | None = None,
    estimator: str = "firth",
    seed: int = 0,
    since=None,
    until=None,
    min_days: int | None = None,
    min_logged_pct: float | None = None,
) -> dict:
    """The ``parameters`` of the findings JSON: every default and flag that shaped the answer.

    Zone (``tz``), window (the period is the diary's span; METHODS.md 2),
    flare-up rule (METHODS.md 4, defaults completed), model settings
    (METHODS.md 5: estimator, interval, events per parameter, sufficiency
    rule) and the seed of the absolute-risk draws.
    """
    from dataclasses import asdict

    from analysis import footwear
    from analysis.findings import MIN_DAYS, MIN_LOGGED_PCT
    from analysis.onsets import flare_rule
    from analysis.schema import GROUPING
    from analysis.stats.primary import MAX_CI_RATIO
    from analysis.stats.primary_design import EVENTS_PER_PARAMETER, FOOTWEAR_CONTRAST

    rule = asdict(flare_rule(dict(flare_params or {})))  # a named rule's own defaults (rule="methods")
    return {
        "tz": tz,
        "window": {"period": ("diary span (runs' span without a diary)" if since is None and until is None
                              else "--since/--until (the diary's span where one is not given)"),
                   "lag_min_days": 1, "load_windows_days": [7, 28],
                   "since": _day(since), "until": _day(until)},
        "retire_km": float(footwear.DEFAULT_RETIRE_KM if retire_km is None else retire_km),
        "default_shoe": default_shoe,
        "grouping": dict(sorted(dict(GROUPING if grouping is None else grouping).items())),
        "flare_rule": {k: (float(v) if isinstance(v, float) else v) for k, v in rule.items()},
        "model": {
            "estimator": estimator,
            "interval": "profile penalised likelihood, 95 %, widened by a 28-day block sandwich",
            "level": 0.95,
            "events_per_parameter": EVENTS_PER_PARAMETER,
            "max_ci_ratio": MAX_CI_RATIO,
            "min_days": MIN_DAYS if min_days is None else min_days,
            "min_logged_pct": MIN_LOGGED_PCT if min_logged_pct is None else min_logged_pct,
            "min_logged_days": MIN_DAYS if min_days is None else min_days,
            "footwear_contrast": FOOTWEAR_CONTRAST,
        },
        "seed": int(seed),
    }


def _day(value) -> str | None:
    """A date-like as YYYY-MM-DD (None stays None)."""
    import pandas as pd

    return None if value is None else f"{pd.Timestamp(value):%Y-%m-%d}"


def with_provenance(findings: Mapping, records: list[dict], params: Mapping,
                    timestamp: str | None = None) -> dict:
    """``findings`` with the provenance keys first (``schema_version``, ``runlog_version``, ...).

    ``timestamp`` (ISO 8601, UTC) is added only when given: without it two runs on
    the same inputs give the same bytes.
    """
    head: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "runlog_version": __version__}
    if timestamp is not None:
        head["timestamp"] = timestamp
    head["inputs"] = list(records)
    head["parameters"] = dict(params)
    rest = {k: v for k, v in findings.items()
            if k not in ("schema_version", "runlog_version", "timestamp", "inputs", "parameters")}
    return {**head, **rest}


def source_date() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC datetime, or None when unset (or not an integer)."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def now_utc() -> str:
    """The time of the run (``--timestamp``), ISO 8601 UTC to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
