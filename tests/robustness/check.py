"""Reading a mutant and judging the outcome: crash, hang, or something unaccounted for.

:func:`check_mutant` writes a :class:`~tests.robustness.mutate.Mutant` to a
folder, reads it with its format's reader (bytes in) and with the loader
(:func:`analysis.ingest.read_sources`, path in), each under a time limit, and
returns the problems found:

* ``traceback``: an exception other than :class:`~analysis.errors.RunlogError`
  escaped (the loader runs with ``RUNLOG_DEBUG=1`` so that it does not turn
  reader bugs into log rows);
* ``bad_message``: a RunlogError whose message is not one line;
* ``hang``: a read took longer than the limit;
* ``unaccounted``: the file (or a zip member) is missing from the import log,
  a run has no ``imported`` log row, or a CSV's data records and the log's
  rows for that file differ.

The time limit uses ``SIGALRM`` (``signal.setitimer``), so it works in the
main thread of a POSIX process only; a read stuck inside C code is stopped
when it returns to Python.
"""

from __future__ import annotations

import importlib
import os
import signal
import traceback
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import RunlogError
from analysis.io.archive import member_label
from tests.robustness.mutate import ACTIVITY_FORMATS, CSV_FORMATS, Mutant, expected_rows

#: format -> (module, reader function, takes tz/positions)
READERS: dict[str, tuple[str, str, bool]] = {
    "fit": ("analysis.io.fit", "read_fit", True),
    "tcx": ("analysis.io.tcx", "read_tcx", True),
    "gpx": ("analysis.io.gpx", "read_gpx", True),
    "strava": ("analysis.ingest.strava_export", "read_strava_export", True),
    "strava_zip": ("analysis.ingest.strava_export", "read_strava_export", True),
    "garmin_csv": ("analysis.io.garmin", "read_garmin_csv", False),
    "garmin_json": ("analysis.io.garmin", "read_garmin_json", False),
    "csv": ("analysis.io.generic_csv", "read_generic_csv", False),
    "apple_health": ("analysis.io.apple_health", "read_apple_health", True),
    "apple_zip": ("analysis.io.apple_health", "read_apple_health", True),
    "polar": ("analysis.io.polar", "read_polar", True),
    "fitbit": ("analysis.io.fitbit", "read_fitbit", False),
    "strava_shoes": ("analysis.io.strava", "read_strava_shoes", False),
    "shoes": ("analysis.io.shoes", "read_shoes", False),
    "pain": ("analysis.io.pain_diary", "read_pain_diary", False),
    "drills": ("analysis.io.drills", "read_drills", False),
}
KINDS = ("traceback", "bad_message", "hang", "unaccounted")


class Hang(Exception):
    """A read passed its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the block after ``seconds`` (wall clock, SIGALRM)."""

    def _alarm(signum, frame):
        raise Hang(f"still reading after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def debug_mode() -> Iterator[None]:
    """Let the loader raise unexpected reader errors instead of logging them."""
    old = os.environ.get("RUNLOG_DEBUG")
    os.environ["RUNLOG_DEBUG"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("RUNLOG_DEBUG", None)
        else:
            os.environ["RUNLOG_DEBUG"] = old


@dataclass
class Outcome:
    """What reading one mutant gave."""

    mutant: Mutant
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {k for k, _ in self.problems}

    def report(self) -> str:
        lines = [self.mutant.describe()]
        lines += [f"  {kind}: {detail}" for kind, detail in self.problems]
        return "\n".join(lines)


def _reader(fmt: str):
    mod, func, full = READERS[fmt]
    return getattr(importlib.import_module(mod), func), full


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inner = [f for f in frames if "/analysis/" in f.filename] or frames
    where = f"{Path(inner[-1].filename).name}:{inner[-1].lineno} in {inner[-1].name}" if inner else "?"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]} (at {where})"


def _guarded(out: Outcome, what: str, call, timeout_s: float):
    """Run ``call`` under the time limit; record problems; return its result or None."""
    try:
        with time_limit(timeout_s):
            return call()
    except Hang as exc:
        out.problems.append(("hang", f"{what}: {exc}"))
    except RunlogError as exc:
        text = str(exc)
        if "\n" in text or "\r" in text or not text.strip():
            out.problems.append(("bad_message", f"{what}: {text!r}"))
    except Exception as exc:  # noqa: BLE001 - anything else is the bug being looked for
        out.problems.append(("traceback", f"{what}: {_short_traceback(exc)}"))
    return None


def _labels(path: Path, mutant: Mutant) -> list[str]:
    """The import-log labels the mutant's content may carry (a zip member: either loader form)."""
    if mutant.member is None:
        return [str(path)]
    inner = member_label(mutant.member)
    return [f"{path}!{inner}", f"{path}/{inner}"]


def _check_log(out: Outcome, result, path: Path, mutant: Mutant) -> None:
    log = result.log
    files = set(log["source_file"].astype(str))
    if mutant.member is not None:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
        for info in members:
            label = member_label(info.filename)
            if not ({f"{path}!{label}", f"{path}/{label}"} & files) and str(path) not in files:
                out.problems.append(("unaccounted", f"zip member {info.filename!r} not in the import log"))
    elif not any(f == str(path) or f.startswith(f"{path}/") or f.startswith(f"{path}!") for f in files):
        out.problems.append(("unaccounted", f"{path.name} not in the import log (files: {sorted(files)[:3]})"))
    if mutant.fmt == "strava_zip" and not any(f.startswith(f"{path}!") for f in files):
        _check_export_files(out, path, files)
    imported = set(log.loc[log["status"] == "imported", "activity_id"].dropna().astype(str))
    missing = [a for a in result.runs.index.astype(str) if a not in imported]
    if missing:
        out.problems.append(("unaccounted", f"runs without an imported log row: {missing[:3]}"))
    if mutant.fmt in CSV_FORMATS and mutant.exact:
        _check_rows(out, log, _labels(path, mutant), mutant.inner)
    if mutant.csv_member is not None and mutant.csv_bytes is not None:
        _check_rows(out, log, [f"{path}/{member_label(mutant.csv_member)}"], mutant.csv_bytes)


def _check_export_files(out: Outcome, path: Path, files: set[str]) -> None:
    """Every activity file of a Strava export zip read as one is in the log (joined, failed or alone)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.startswith("activities/") and not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return
    missing = [n for n in names if f"{path}/{n}" not in files]
    if missing:
        out.problems.append(("unaccounted", f"{len(missing)} export files not in the log: {missing[:3]}"))


def _check_rows(out: Outcome, log, labels: list[str], content: bytes) -> None:
    """Every CSV data record (counted with :mod:`csv`) has its log row, and no other row is logged."""
    expected = expected_rows(content)
    if expected is None:
        return
    mine = log[log["source_file"].astype(str).isin(labels)]
    if mine.empty:
        return  # the file-level check above reports it
    rows = {int(r) for r in mine["row"].dropna()}
    if rows == expected:
        return
    whole = mine[mine["row"].isna()]
    if not rows and whole["status"].isin(["failed", "not_a_run"]).any():
        return  # the file as a whole was refused or is no activity file: accounted for, with a reason
    lost = sorted(expected - rows)
    extra = sorted(rows - expected)
    out.problems.append((
        "unaccounted",
        f"{len(expected)} CSV records, {len(rows)} logged rows; not logged: {lost[:8]}, unexpected: {extra[:8]}",
    ))


def check_mutant(mutant: Mutant, folder: Path, *, timeout_s: float = 10.0, tz: str = "Europe/Berlin") -> Outcome:
    """Read a mutant directly and through the loader; return the problems found.

    Parameters
    ----------
    mutant : Mutant
        What to read.
    folder : Path
        An empty folder to write it to.
    timeout_s : float
        Time limit of each read, s.
    tz : str
        Zone passed to the readers.
    """
    from analysis.ingest.loader import read_sources

    out = Outcome(mutant)
    path = Path(folder) / mutant.name
    path.write_bytes(mutant.data)
    read, full = _reader(mutant.fmt)
    wrapped_gz = mutant.name.endswith(".gz") and mutant.fmt in ("fit", "tcx", "gpx")
    content = mutant.data if wrapped_gz else mutant.inner
    kwargs = {"name": mutant.name}
    if full:
        kwargs.update(tz=tz, positions=True)
    elif mutant.fmt in ("garmin_csv", "garmin_json", "csv", "fitbit"):
        kwargs["tz"] = tz
    if mutant.fmt == "strava_shoes":
        kwargs = {}
    _guarded(out, f"{READERS[mutant.fmt][1]}(bytes)", lambda: read(content, **kwargs), timeout_s)
    if mutant.fmt in ACTIVITY_FORMATS:
        with debug_mode():
            result = _guarded(out, "read_sources([path])",
                              lambda: read_sources([path], tz=tz, progress=False, workers=1), timeout_s)
        if result is not None:
            _check_log(out, result, path, mutant)
    return out
