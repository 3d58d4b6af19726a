"""Readers, one module per source, and the loader that picks between them.

:func:`read_sources` takes any mix of files, folders and zips, detects each
file's kind by its content (not by its extension alone), reads it with the
right reader and returns one :class:`~analysis.io.base.ReadResult` in which
every run appears once and every file and row given is accounted for in the
import log.
"""

from __future__ import annotations

import gzip
import importlib
import os
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row
from analysis.merge import merge_duplicates

HEAD_BYTES = 64 * 1024
PROGRESS_MIN_ITEMS = 20

#: kind -> (module, sniff function, read function), in the order they are tried.
#: Specific formats first; the generic canonical CSV last.
KINDS: dict[str, tuple[str, str, str]] = {
    "fit": ("analysis.io.fit", "sniff", "read_fit"),
    "tcx": ("analysis.io.tcx", "sniff", "read_tcx"),
    "gpx": ("analysis.io.gpx", "sniff", "read_gpx"),
    "garmin_json": ("analysis.io.garmin", "sniff_json", "read_garmin_json"),
    "strava": ("analysis.io.strava", "sniff", "read_strava"),
    "garmin_csv": ("analysis.io.garmin", "sniff_csv", "read_garmin_csv"),
    "csv": ("analysis.io.generic_csv", "sniff", "read_generic_csv"),
}

#: what a file that is not an activity export may be; logged, not failed
_NOT_ACTIVITY_SUFFIXES = {".md", ".txt", ".png", ".jpg", ".jpeg", ".pdf", ".html", ".ipynb", ".py", ".parquet"}


@dataclass(frozen=True)
class Item:
    """One thing to read: a path on disk, or a member of a zip (bytes)."""

    label: str
    path: Path | None = None
    data: bytes | None = None
    top: bool = False
    kind: str | None = None


def _load(kind: str) -> tuple[Callable, Callable]:
    mod_name, sniff_name, read_name = KINDS[kind]
    mod = importlib.import_module(mod_name)
    return getattr(mod, sniff_name), getattr(mod, read_name)


def _head(item: Item) -> tuple[bytes, str]:
    """First bytes of the content (gunzipped if needed) and the name without .gz."""
    if item.data is not None:
        raw = item.data[:HEAD_BYTES]
    else:
        with open(item.path, "rb") as fh:
            raw = fh.read(HEAD_BYTES)
    name = item.label
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, HEAD_BYTES)
        except zlib.error:
            raw = b""
        if name.lower().endswith(".gz"):
            name = name[:-3]
    return raw, name


def detect_kind(item: Item) -> str | None:
    """The reader kind that recognises this content, or None."""
    head, name = _head(item)
    if not head:
        return None
    for kind in KINDS:
        try:
            sniff, _ = _load(kind)
        except ImportError:
            continue
        if sniff(head, name):
            return kind
    return None


def _aux_kind(item: Item) -> str | None:
    """Names a known non-activity file (diary, catalog, ...) found in a folder."""
    head, name = _head(item)
    low = name.lower()
    suffix = Path(low).suffix
    if suffix in _NOT_ACTIVITY_SUFFIXES:
        return f"not an activity file ({suffix[1:]})"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    cols = {c.strip().strip('"').lstrip("\ufeff") for c in first.replace(";", ",").split(",")}
    if {"date", "region", "pain"} <= cols or any(c.endswith(("_morning", "_after", "_during")) for c in cols):
        return "a pain diary, not an activity file (give it with --pain)"
    if {"date", "drill"} <= cols:
        return "a drills log, not an activity file (give it with --drills)"
    if "name" in cols and cols & {"minimalist_index", "weight_g", "shoe_class", "stack_mm", "drop_mm"}:
        return "a shoes catalog, not an activity file (give it with --shoes)"
    if {"shoe name", "shoe brand"} <= cols or cols == {"name", "brand", "model"}:
        return "a Strava shoes list, not an activity file (give it with --shoes)"
    if low.endswith(".json") and b"summarizedActivitiesExport" not in head:
        return "JSON that is not a Garmin activities export"
    if suffix == ".csv" and not first.strip():
        return None
    return None


def _strava_container(path: Path) -> bool:
    """A folder (holding activities.csv itself) or zip that is a Strava bulk export."""
    from analysis.io import strava

    if path.is_dir():
        return (path / "activities.csv").is_file() and strava.is_export_folder(path)
    return path.suffix.lower() == ".zip" and strava.is_export_zip(path)


def _walk(root: Path) -> Iterator[Path]:
    """Files below a folder, sorted, never following links out of the tree."""
    base = root.resolve()
    for p in sorted(root.rglob("*")):
        if p.name.startswith("."):
            continue
        if p.is_symlink():
            try:
                target = p.resolve()
            except OSError:
                continue
            if base not in target.parents and target != base:
                continue
        if p.is_file():
            yield p


def expand_sources(paths: Iterable[str | Path]) -> list[Item]:
    """Turn the given files, folders and zips into a flat list of items to read."""
    items: list[Item] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise RunlogError("no such file or folder", path=path)
        if _strava_container(path):
            items.append(Item(str(path), path=path, top=True, kind="strava"))
            continue
        if path.is_dir():
            walked = _collapse_strava_folders([Item(str(p), path=p) for p in _walk(path)])
            for it in walked:
                items.extend(_file_items(it.path, top=False) if it.kind is None else [it])
            continue
        items.extend(_file_items(path, top=True))
    return items


def _file_items(path: Path, *, top: bool) -> list[Item]:
    """A single file: a zip is opened (a Strava export read whole), anything else kept."""
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        if _strava_container(path):
            return [Item(str(path), path=path, top=top, kind="strava")]
        return _zip_items(path)
    return [Item(str(path), path=path, top=top)]


def _collapse_strava_folders(items: list[Item]) -> list[Item]:
    """Replace the files of a Strava export folder met while walking by the folder itself."""
    out: list[Item] = []
    seen: set[Path] = set()
    known: dict[Path, bool] = {}
    for it in items:
        folder = None
        if it.path is not None:
            for cand in (it.path.parent, it.path.parent.parent):
                if cand not in known:
                    known[cand] = _strava_container(cand)
                if known[cand]:
                    folder = cand
                    break
        if folder is None:
            out.append(it)
        elif folder not in seen:
            seen.add(folder)
            out.append(Item(str(folder), path=folder, kind="strava"))
    return out


def _zip_items(path: Path) -> list[Item]:
    items = []
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                items.append(Item(f"{path}!{info.filename}", data=zf.read(info)))
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise RunlogError(f"cannot open zip: {exc}", path=path) from exc
    return items


def _read_item(item: Item, *, tz, positions: bool) -> ReadResult:
    kind = item.kind or detect_kind(item)
    if kind is None:
        aux = _aux_kind(item)
        if aux is not None:
            return ReadResult.build(log_rows=[log_row(item.label, "not_a_run", aux)])
        reason = _closest_format_hint(item)
        if item.top:
            raise RunlogError(reason, path=item.label)
        return ReadResult.build(log_rows=[log_row(item.label, "failed", reason)])
    _, read = _load(kind)
    source = item.data if item.data is not None else item.path
    kwargs = {"tz": tz, "name": item.label}
    if kind in ("fit", "tcx", "gpx", "strava"):
        kwargs["positions"] = positions
    try:
        return read(source, **kwargs)
    except RunlogError as exc:
        return ReadResult.build(log_rows=[log_row(item.label, "failed", exc.reason, row=exc.row, source=kind)])
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        return ReadResult.build(log_rows=[log_row(item.label, "failed", f"cannot read file: {exc}", source=kind)])


def _closest_format_hint(item: Item) -> str:
    head, name = _head(item)
    if not head:
        return "empty file"
    text = head[:400].decode("utf-8", "replace")
    first = text.splitlines()[0] if text.splitlines() else ""
    if "," in first or ";" in first or "\t" in first:
        return (
            "CSV of unknown kind: expected a Strava activities.csv (Activity ID, Activity Date, ...), "
            "a Garmin Connect Activities.csv (Activity Type, Date, Distance, ...) or a generic CSV "
            f"with start_time (or date) and distance_m; header was: {first[:120]}"
        )
    if text.lstrip().startswith("<"):
        return "XML that is neither TCX (TrainingCenterDatabase) nor GPX (<gpx>)"
    return "not a known activity format (FIT, TCX, GPX, Strava or Garmin export, or CSV)"


def _read_one(args) -> ReadResult:
    """Process-pool entry point (must be a top-level function to pickle)."""
    item, tz, positions = args
    return _read_item(item, tz=tz, positions=positions)


def read_sources(
    paths: Iterable[str | Path],
    *,
    tz=None,
    positions: bool = False,
    progress: bool | None = None,
    cache=None,
    workers: int | None = None,
    samples: bool = True,
) -> ReadResult:
    """Read every given source into one set of canonical frames.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, folders (walked) and zips: FIT (.fit, .fit.gz), TCX, GPX, a
        Strava bulk export (.zip, its folder, or its activities.csv), Garmin
        Connect CSV or GDPR JSON, or a generic CSV with canonical columns.
    tz : str, optional
        IANA time zone for sources that carry no UTC offset (default UTC).
    positions : bool
        Keep latitude/longitude in the samples (off by default: privacy).
    progress : bool, optional
        Show a progress bar on stderr; by default only for many files.
    cache : analysis.store.Cache, optional
        Re-use decoded inputs that did not change; new ones are written to it.
    workers : int, optional
        Processes decoding in parallel (default: the machine's cores, at most
        2 per the brief's machine; 1 for few files).
    samples : bool
        Return the per-second samples (False keeps memory flat for commands
        that need only the runs).

    Returns
    -------
    ReadResult
        Runs (each once), samples and the import log.

    Raises
    ------
    RunlogError
        A path that does not exist, or a file named directly that is of no
        known kind. Inside folders such files are logged ``failed`` instead.
    """
    paths = [Path(p) for p in paths]
    items = expand_sources(paths)
    show = progress if progress is not None else len(items) >= PROGRESS_MIN_ITEMS
    options = f"tz={tz};positions={positions}"
    results: list[ReadResult | None] = [None] * len(items)

    entries: dict[int, tuple] = {}
    if cache is not None:
        from analysis.store import Cache

        for i, it in enumerate(items):
            if it.path is not None and it.data is None:
                entries[i] = (Cache.entry(it.path, it.label, options), it.path)
        hits, _ = cache.lookup(entries.values())
        folders = [str(p) for p in paths if p.is_dir()]
        if folders:  # files deleted from a walked folder drop out of the cache
            cache.forget_missing([e.key for e, _ in entries.values()], scope_labels=folders)
        for i, (entry, _path) in entries.items():
            if entry.key in hits:
                results[i] = hits[entry.key]

    todo = [i for i, r in enumerate(results) if r is None]
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(items), initial=len(items) - len(todo), unit="file", desc="importing",
                   file=sys.stderr, leave=False)
    fresh: list[tuple] = []
    try:
        n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        if n_workers > 1 and len(todo) >= 8:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                args = [(items[i], tz, positions) for i in todo]
                for i, res in zip(todo, pool.map(_read_one, args, chunksize=4), strict=True):
                    results[i] = _keep(res, samples)
                    if i in entries:
                        fresh.append((*entries[i], res))
                    if bar is not None:
                        bar.update(1)
                    if cache is not None and len(fresh) >= 256:
                        cache.store(fresh)
                        fresh = []
        else:
            for i in todo:
                res = _read_item(items[i], tz=tz, positions=positions)
                results[i] = _keep(res, samples)
                if i in entries:
                    fresh.append((*entries[i], res))
                if bar is not None:
                    bar.update(1)
                if cache is not None and len(fresh) >= 256:
                    cache.store(fresh)
                    fresh = []
    finally:
        if bar is not None:
            bar.close()
    if cache is not None:
        cache.store(fresh)
    if not samples:
        results = [_keep(r, samples) for r in results]
    return merge_duplicates(ReadResult.concat(results))


def _keep(res: ReadResult, samples: bool) -> ReadResult:
    """Drop the samples when the caller does not want them (memory)."""
    if samples or res is None or res.samples.empty:
        return res
    from analysis import schema

    return ReadResult(res.runs, schema.empty_samples(), res.log)
