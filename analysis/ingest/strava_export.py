"""A Strava bulk export read whole: its activities.csv joined with the activity files it names.

Strava's "Download your data" archive comes as a ``.zip`` (read in place with
:mod:`zipfile`, never unpacked to disk), its unpacked folder, or the
``activities.csv`` alone. :mod:`analysis.io.strava` reads activities.csv (and
shoes.csv) as a format; this module finds the export's files, reads each
row's ``Filename`` (``activities/*.fit.gz``, ``.gpx``, ``.tcx.gz`` ...) with the
FIT/GPX/TCX reader and joins row and file by the rule
:mod:`analysis.ingest.merge` applies across sources (:func:`join_file_run`):
the run keeps Strava's id, and the export's name, description, gear and RPE;
the device file's measured values (start, distance, moving and elapsed time,
heart rate, cadence, elevation gain) win; either side fills what the other
lacks; a FIT file's own UTC offset gives the local ``date``. Files no row
takes are read as activities of their own.

The join itself (:class:`Export`, :func:`join_rows`, :func:`join_file_run`) knows
no Strava column: another platform's export whose table names a file per row
(Runkeeper's cardioActivities.csv and its GPX files,
:mod:`analysis.ingest.runkeeper_export`) is joined by it alike.

References
----------
FORMATS.md, "Strava bulk export"; data/README-exports.md (real exports).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from analysis import schema
from analysis.collector import gc_paused
from analysis.errors import RunlogError
from analysis.io import archive
from analysis.io.base import ExportRow, ReadResult, log_row
from analysis.io.strava import (
    SOURCE,
    TimeZone,
    parse_activities_csv,
    parse_strava_shoes,
    runs_frame,
    sniff,
)
from analysis.schema import DATE_PRIORITY, DEVICE_FIELDS, PLATFORM_FIELDS, priority

__all__ = ["FILE_NOT_IN_EXPORT", "Export", "export_shoes_csv", "is_export_folder", "is_export_zip", "join_file_run",
           "join_rows", "read_export_shoes", "read_strava_export", "sniff", "within"]

_ACTIVITY_FILE = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


# --------------------------------------------------------------------------- export access


@dataclass
class Export:
    """A platform export's activity table and a way to fetch the files it names.

    Strava's activities.csv and ``activities/`` folder by default; another platform's export
    (Runkeeper's cardioActivities.csv and the GPX files beside it) names its ``source`` and
    ``table_name``, and is joined with its files by :func:`join_rows` alike.
    """

    csv_bytes: bytes
    csv_label: str
    root_label: str
    fetch: Callable[[str], bytes | None] | None = None
    activity_files: list[str] = field(default_factory=list)
    source: str = SOURCE
    table_name: str = "activities.csv"


def _zip_csv_member(names: Iterable[str], wanted: str = "activities.csv") -> str | None:
    found = [n for n in names if PurePosixPath(n).name.lower() == wanted and n.count("/") <= 2]
    return min(found, key=lambda n: (n.count("/"), n)) if found else None


def _open_zip(zf: zipfile.ZipFile, label: str) -> Export:
    member = _zip_csv_member(zf.namelist())
    if member is None:
        raise RunlogError("no activities.csv in this zip (is it a Strava export?)", path=label)
    prefix = member[: -len(PurePosixPath(member).name)]
    names = set(zf.namelist())
    lower = {n.lower(): n for n in names}
    budget = archive.ZipBudget()
    inner = archive.member_label(prefix)
    root = label if inner == archive.UNNAMED_MEMBER else f"{label}/{inner}"

    def fetch(rel: str) -> bytes | None:
        target = prefix + rel.lstrip("/")
        real = target if target in names else lower.get(target.lower())
        if not real:
            return None
        info = zf.getinfo(real)
        where = f"{root}/{rel}"
        refused = budget.take(info)
        if refused:
            raise archive.ArchiveLimitError(refused, path=where)
        return archive.read_member(zf, info, label=where)  # bounded, in memory; never extracted

    files = sorted(
        n[len(prefix) :] for n in names if n.startswith(prefix + "activities/") and not n.endswith("/")
    )
    csv_label = f"{label}/{archive.member_label(member)}"
    return Export(archive.read_member(zf, zf.getinfo(member), label=csv_label), csv_label, root, fetch, files)


def export_root(folder: Path) -> Path | None:
    """The folder holding activities.csv: the folder itself or one subfolder."""
    if (folder / "activities.csv").is_file():
        return folder
    subs = [p for p in sorted(folder.iterdir()) if p.is_dir() and (p / "activities.csv").is_file()]
    return subs[0] if len(subs) == 1 else None


def within(path: Path, base: Path) -> bool:
    """Whether ``path``, links resolved, lies inside the resolved folder ``base``."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return False
    return base in target.parents


def _open_folder(root: Path, csv_path: Path) -> Export:
    base = root.resolve()

    def fetch(rel: str) -> bytes | None:
        # a Filename such as ../../x.fit, an absolute path or a link out of the export is never read
        path = root / rel
        return path.read_bytes() if within(path, base) and path.is_file() else None

    act = root / "activities"
    files = (
        sorted(p.relative_to(root).as_posix() for p in act.rglob("*") if p.is_file() and within(p, base))
        if act.is_dir() else []
    )
    has_files = act.is_dir()
    return Export(csv_path.read_bytes(), str(csv_path), str(root), fetch if has_files else None, files)


def is_export_folder(path: str | Path) -> bool:
    """Whether a folder is an unpacked Strava export (holds a Strava activities.csv)."""
    p = Path(path)
    if not p.is_dir():
        return False
    root = export_root(p)
    return root is not None and _sniff_file(root / "activities.csv")


def is_export_zip(path: str | Path) -> bool:
    """Whether a file is a Strava export zip (holds a Strava activities.csv)."""
    p = Path(path)
    if not p.is_file() or not zipfile.is_zipfile(p):
        return False
    try:
        with zipfile.ZipFile(p) as zf:
            member = _zip_csv_member(zf.namelist())
            if member is None:
                return False
            return sniff(archive.read_member(zf, zf.getinfo(member), label=p, limit=65536), member)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RunlogError):  # damaged: not read as an export
        return False


def _sniff_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        return sniff(fh.read(65536), path.name)


def _open_source(source: str | Path | bytes, name: str | None) -> tuple[Export, zipfile.ZipFile | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "activities.csv"
        if data[:4] == b"PK\x03\x04":
            zf = archive.zip_of_bytes(data, name or "strava_export.zip")
            return _open_zip(zf, name or "strava_export.zip"), zf
        return Export(data, label, str(PurePosixPath(label).parent)), None
    path = Path(source)
    if path.is_dir():
        root = export_root(path)
        if root is None:
            raise RunlogError("no activities.csv in this folder (is it a Strava export?)", path=path)
        return _open_folder(root, root / "activities.csv"), None
    if not path.is_file():
        raise RunlogError("file not found", path=path)
    if zipfile.is_zipfile(path):
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise RunlogError(f"cannot open the zip: {exc}", path=path) from exc
        return _open_zip(zf, name or str(path)), zf
    return _open_folder(path.parent, path), None


# --------------------------------------------------------------------------- activity files


def _file_reader(rel: str) -> Callable[..., ReadResult] | None:
    low = rel.lower().removesuffix(".gz")
    if low.endswith(".fit"):
        from analysis.io.fit import read_fit

        return read_fit
    if low.endswith(".gpx"):
        from analysis.io.gpx import read_gpx

        return read_gpx
    if low.endswith(".tcx"):
        from analysis.io.tcx import read_tcx

        return read_tcx
    return None


def _read_activity_file(data: bytes, rel: str, label: str, tz: TimeZone, positions: bool) -> ReadResult:
    """Read one file of the export's activities/ folder with the reader its extension names."""
    reader = _file_reader(rel)
    if reader is None:
        raise RunlogError("not an activity file (expected .fit, .gpx or .tcx, optionally .gz)", path=label)
    # Inflated here rather than by the reader, so that the TCX/GPX text can be
    # stripped below. Bounded: a .gz may be a bomb; gzip is told by its magic
    # bytes, as the readers do; a damaged stream gives what precedes the damage.
    data, gzip_note = archive.gunzip_if_gzip(data, label=label)
    if not rel.lower().removesuffix(".gz").endswith(".fit"):
        data = data.lstrip()  # Strava's TCX files start with spaces before <?xml
    try:
        result = reader(data, tz=tz, name=label, positions=positions)
    except RunlogError as exc:
        if gzip_note:  # the cut may be why the file does not read
            raise RunlogError(f"{exc.reason}; {gzip_note}", path=exc.path, row=exc.row) from exc
        raise
    return _add_note(result, gzip_note)


def _add_note(result: ReadResult, note: str | None) -> ReadResult:
    """``result`` with ``note`` appended to the reason of each of its log rows (in place)."""
    if note and len(result.log):
        result.log["reason"] = result.log["reason"].fillna("").map(lambda r: f"{r}; {note}" if r else note)
    return result


def _file_status(result: ReadResult) -> tuple[str, str]:
    """Status and reason a file reader gave its file (its first log row)."""
    if len(result.log) == 0:
        return ("imported" if len(result.runs) else "not_a_run"), ""
    first = result.log.iloc[0]
    return str(first["status"]), "" if pd.isna(first["reason"]) else str(first["reason"])


# --------------------------------------------------------------------------- reader


def read_strava_export(
    source: str | Path | bytes,
    *,
    tz: TimeZone = None,
    name: str | None = None,
    positions: bool = False,
    read_files: bool = True,
) -> ReadResult:
    """Read a Strava bulk export: its activities.csv and the activity files it names.

    Parameters
    ----------
    source : str, Path or bytes
        The export ``.zip`` (read in place), its unpacked folder, or its
        ``activities.csv`` (a path, or bytes of the CSV or of the zip).
    tz : str or tzinfo, optional
        The runner's time zone (IANA name), for the local ``date`` of runs
        without a FIT file giving its own UTC offset. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.
    positions : bool, default False
        Keep latitude/longitude in the samples (privacy: off by default).
    read_files : bool, default True
        Read each row's activity file (``activities/*.fit.gz`` ...) for samples
        and running dynamics. False reads the CSV only.

    Returns
    -------
    ReadResult
        ``runs`` as :func:`analysis.io.strava.read_strava` reads them from
        activities.csv; where the row's activity file was read, the measured
        values are the file's (:func:`join_file_run`). ``samples`` from the
        files, under the Strava id. ``log``: as ``read_strava``'s, plus one
        row per activity file.

    Raises
    ------
    RunlogError
        When the export or its activities.csv cannot be read at all (no
        activities.csv, no ``Activity ID``/``Activity Date``/``Activity Type``
        column).

    Notes
    -----
    A file merged into its row's run is logged ``duplicate`` (it joined
    ``strava:<id>``; the CSV row is the import; the reason names the measured
    values the file changed). A missing or unreadable
    activity file is logged ``failed`` and the run is still imported from the
    CSV. The file of a non-run row is logged ``not_a_run`` without being read.
    Files nobody references (and files of rows that failed) are read as
    standalone activities with their own reader's ids.
    """
    export, zf = _open_source(source, name)
    try:
        return _read_export(export, tz, positions, read_files)
    finally:
        if zf is not None:
            zf.close()


def _read_export(export: Export, tz: TimeZone, positions: bool, read_files: bool) -> ReadResult:
    """The export's runs (each row joined with its file), samples and log, then the files no row took.

    An activities.csv read alone (no activity file to read) is read with
    Python's cyclic garbage collector paused throughout, as its parsing is
    (:func:`analysis.collector.gc_paused`).
    """
    if read_files and export.fetch is not None:
        return _join_export(export, tz, positions, read_files)
    with gc_paused():
        return _join_export(export, tz, positions, read_files)


def _join_export(export: Export, tz: TimeZone, positions: bool, read_files: bool) -> ReadResult:
    """:func:`_read_export`'s work."""
    table = parse_activities_csv(export.csv_bytes, export.csv_label)
    return join_rows(export, table.rows, table.summary(), tz, positions, read_files)


def join_rows(export: Export, rows: list[ExportRow], summary: str, tz: TimeZone, positions: bool,
              read_files: bool = True) -> ReadResult:
    """An export's runs, each imported row joined with the activity file it names; then the files left.

    Parameters
    ----------
    export : Export
        The export: its table's label, and how to fetch its files.
    rows : list of ExportRow
        The table's records as its reader read them (in file order).
    summary : str
        The table's own import-log reason.
    tz, positions, read_files
        As :func:`read_strava_export`'s.

    Returns
    -------
    ReadResult
        As :func:`read_strava_export` describes, for any platform's export.
    """
    if read_files and export.fetch is None:
        summary += "; activity files not available (CSV only)"
    join = _Join(export, tz, positions, can_fetch=read_files and export.fetch is not None)
    log = [log_row(export.csv_label, "imported", summary, source=export.source)]
    for row in rows:
        log += join.entries(row)
    extra = [_read_standalone(export, rel, why, tz, positions) for rel, why in join.files_alone()]
    runs = runs_frame([r.run for r in rows if r.run is not None], tz)
    result = ReadResult.build(runs=runs, samples=_concat(join.samples), log_rows=log)
    return ReadResult.concat([result, *extra])


@dataclass
class _Join:
    """Joins each table row with its activity file; keeps the samples and the files left."""

    export: Export
    tz: TimeZone
    positions: bool
    can_fetch: bool
    samples: list[pd.DataFrame] = field(default_factory=list)
    standalone: list[tuple[str, str]] = field(default_factory=list)  # (rel path, why it is read alone)
    handled: set[str] = field(default_factory=set)

    def entries(self, row: ExportRow) -> list[dict]:
        """The row's log entries (and its file's); an imported row's run takes its file's values."""
        label = self.export.csv_label
        rel = row.filename if self.can_fetch else ""
        if row.status == "imported" and rel:
            self.handled.add(rel)
            file_samples, reason, file_entry = _merge_file(self.export, rel, row.run, row.row, self.tz,
                                                           self.positions)
            if file_samples is not None:
                self.samples.append(file_samples)
            return [row.log_entry(label, reason)] + ([file_entry] if file_entry is not None else [])
        if row.status == "not_a_run" and rel:
            self.handled.add(rel)
            table = self.export.table_name
            return [row.log_entry(label), log_row(f"{self.export.root_label}/{rel}", "not_a_run",
                                                  f"{row.activity_type}: file of {table} row {row.row}, not read",
                                                  source=self.export.source)]
        if row.file_alone and rel:
            self.standalone.append((rel, f"{self.export.table_name} row {row.row} failed"))
        return [row.log_entry(label)]

    def files_alone(self) -> list[tuple[str, str]]:
        """Files to read as activities of their own: those of failed rows, then those no row names."""
        if self.can_fetch:
            referenced = {rel for rel, _ in self.standalone}
            self.standalone += [(rel, f"not named in {self.export.table_name}") for rel in self.export.activity_files
                                if rel not in self.handled and rel not in referenced]
        return self.standalone


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


#: the note on an imported activities.csv row whose activity file the export does not hold
FILE_NOT_IN_EXPORT = "not in the export"


def _merge_file(
    export: Export, rel: str, rec: dict, row: int, tz: TimeZone, positions: bool
) -> tuple[pd.DataFrame | None, str, dict | None]:
    """Read a run's activity file and fill ``rec`` from it.

    Returns the file's samples (under the Strava id), a note for the CSV row's
    log entry and the file's own log entry (None when the export does not hold
    the file: the row's note says so, and nothing failed).
    """
    file_label = f"{export.root_label}/{rel}"
    aid = rec["activity_id"]

    table = export.table_name

    def entry(status: str, reason: str, activity_id: str | None = None) -> dict:
        return log_row(file_label, status, reason, activity_id=activity_id, source=export.source)

    try:
        data = export.fetch(rel) if export.fetch else None
    except (RunlogError, OSError) as exc:  # a damaged or refused zip member, an unreadable file
        reason = exc.reason if isinstance(exc, RunlogError) else str(exc)
        return None, f"activity file {rel} unreadable", entry(
            "failed", f"unreadable ({reason}); run kept from {table} row {row}")
    if data is None:
        # the run is imported from its row; a file the export does not hold was never given, so it is
        # no failed input: the row's own entry says the run has summary values only
        return None, f"activity file {rel} {FILE_NOT_IN_EXPORT}: summary values from {table} only", None
    try:
        result = _read_activity_file(data, rel, file_label, tz, positions)
    except Exception as exc:  # noqa: BLE001 - a bad activity file must never stop the export
        reason = exc.reason if isinstance(exc, RunlogError) else f"{type(exc).__name__}: {exc}"
        return None, f"activity file {rel} unreadable", entry(
            "failed", f"unreadable ({reason}); run kept from {table} row {row}")
    status, file_reason = _file_status(result)
    if len(result.runs) == 0:
        return None, f"activity file {rel} holds no run", entry(
            status if status != "imported" else "not_a_run",
            f"{file_reason or 'no run in the file'}; run kept from {table} row {row}")
    file_run = result.runs.iloc[0]
    joined, replaced = join_file_run(rec, file_run, _file_kind(rel), export.source)
    rec.update(joined)
    smp = result.samples
    smp = smp[smp["activity_id"] == file_run.name].copy()
    smp["activity_id"] = aid
    note = f"merged into {aid} ({table} row {row}): {len(smp)} samples"
    if replaced:
        note += f"; measured values from the file where the CSV differs: {', '.join(replaced)}"
    if file_reason:
        note += f"; {file_reason}"
    # the file and the CSV row are one activity: the row is the import, the file joins it
    return smp, f"{len(smp)} samples from {rel}", entry("duplicate", note, aid)


def _file_kind(rel: str) -> str:
    """Source kind of an activity file by its name: ``fit``, ``tcx`` or ``gpx`` (the reader it gets)."""
    return rel.lower().removesuffix(".gz").rsplit(".", 1)[-1]


def _ranks_before(kind: str, platform: str, order: tuple[str, ...]) -> bool:
    """Whether a source kind comes before the platform's export in one of merge.py's priority orders."""
    return (order.index(kind) if kind in order else len(order)) < order.index(platform)


def _differs(ours: object, theirs: object) -> bool:
    """Whether two non-missing values differ (numbers beyond float rounding)."""
    if isinstance(ours, float | int) and isinstance(theirs, float | int):
        return not np.isclose(float(ours), float(theirs), rtol=1e-9, atol=0.0)
    return bool(ours != theirs)


def join_file_run(rec: dict, file_run: pd.Series, kind: str, platform: str = SOURCE) -> tuple[dict, list[str]]:
    """Combine an activities.csv run (or another platform table's run) with the run of its own activity file.

    The rule is :func:`analysis.ingest.merge.merge_duplicates`' rule for one run seen
    by two sources, read from the same tables: for each field of
    :data:`~analysis.ingest.merge.DEVICE_FIELDS` (start time, distance, moving and
    elapsed time, heart rate, cadence, elevation gain) the device file's value
    wins (FIT, TCX and GPX rank before Strava in :func:`~analysis.ingest.merge.priority`,
    except a GPX track's summed distance, which ranks after it); for each
    field of :data:`~analysis.ingest.merge.PLATFORM_FIELDS` (name, description, gear,
    RPE, sport) the export's value wins (``PLATFORM_PRIORITY``). Either way a
    blank value is taken from the other side. The local ``date`` is the file's
    (``DATE_PRIORITY``: a FIT file knows its own UTC offset).

    One step goes beyond merge.py: a plain Strava ``Run`` takes the file's more
    specific run sport (a FIT treadmill sub-sport gives ``treadmill_running``),
    as Strava's type cannot say it.

    Parameters
    ----------
    rec : dict
        The run read from the CSV row (canonical runs columns).
    file_run : Series
        The first run of the row's activity file, as its reader returned it.
    kind : {"fit", "tcx", "gpx"}
        The file's source kind.
    platform : str, default "strava"
        The source kind of the table the run was read from (``runkeeper``...).

    Returns
    -------
    joined : dict
        ``rec`` with the file's values where the rule takes them.
    replaced : list of str
        The fields where the file's value replaced a different CSV value.
    """
    out = dict(rec)
    replaced: list[str] = []
    for col in PLATFORM_FIELDS + DEVICE_FIELDS:
        theirs = file_run.get(col)
        if pd.isna(theirs):
            continue
        ours = out.get(col)
        if pd.isna(ours):
            out[col] = theirs
        elif _ranks_before(kind, platform, priority(col)):
            if _differs(ours, theirs):
                replaced.append(col)
            out[col] = theirs
    if _ranks_before(kind, platform, DATE_PRIORITY) and pd.notna(file_run.get("date")):
        out["date"] = file_run["date"]
    file_sport = file_run.get("sport")
    if out["sport"] == "running" and isinstance(file_sport, str) and file_sport in schema.RUN_SPORTS:
        out["sport"] = file_sport  # e.g. a FIT treadmill sub-sport refines Strava's plain "Run"
    return out, replaced


def _read_standalone(export: Export, rel: str, why: str, tz: TimeZone, positions: bool) -> ReadResult:
    """Read a file no imported row took, as its own activity (its reader's ids and log)."""
    file_label = f"{export.root_label}/{rel}"
    try:
        data = export.fetch(rel) if export.fetch else None
    except (RunlogError, OSError) as exc:  # a damaged or refused zip member, an unreadable file
        reason = exc.reason if isinstance(exc, RunlogError) else str(exc)
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"{reason} ({why})", source=export.source)])
    if data is None:
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"missing from the export ({why})",
                                                  source=export.source)])
    if not _ACTIVITY_FILE.search(rel):
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"not an activity file ({why})",
                                                  source=export.source)])
    try:
        result = _read_activity_file(data, rel, file_label, tz, positions)
    except Exception as exc:  # noqa: BLE001 - a bad activity file must never stop the export
        reason = exc.reason if isinstance(exc, RunlogError) else f"{type(exc).__name__}: {exc}"
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"{reason} ({why})", source=export.source)])
    if len(result.log):
        _add_note(result, why)
    else:
        result.log = schema.coerce_import_log(pd.DataFrame([log_row(file_label, "imported", why, source=export.source)]))
    return result




# --------------------------------------------------------------------------- shoes


def export_shoes_csv(source: str | Path) -> tuple[bytes | None, str]:
    """The ``shoes.csv`` of a Strava export given as a source, if it has one.

    Parameters
    ----------
    source : str or Path
        A Strava export: its zip, its folder (or the folder holding it), or its
        ``activities.csv`` (the ``shoes.csv`` beside it is taken).

    Returns
    -------
    (bytes or None, str)
        The file's bytes (None when ``source`` is not a Strava export with a
        ``shoes.csv``, or cannot be opened: the loader reports that) and a
        label for messages, ``shoes.csv in <export>``.
    """
    path = Path(source)
    label = f"shoes.csv in {path.name}"
    try:
        if path.is_dir():
            root = export_root(path)
            found = root / "shoes.csv" if root is not None else None
            return (found.read_bytes() if found is not None and found.is_file() else None), label
        if path.is_file() and path.name.lower() == "activities.csv":
            found = path.with_name("shoes.csv")
            return (found.read_bytes() if found.is_file() else None), f"shoes.csv beside {path}"
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                acts = _zip_csv_member(names)
                if acts is None:
                    return None, label
                prefix = acts[: -len(PurePosixPath(acts).name)]
                member = next((n for n in names if n.lower() == (prefix + "shoes.csv").lower()), None)
                if member is None:
                    return None, label
                return archive.read_member(zf, zf.getinfo(member), label=f"{path}/{member}"), label
    except (OSError, zipfile.BadZipFile, RunlogError):
        return None, label
    return None, label


def _shoes_bytes(source: str | Path | bytes) -> tuple[bytes | None, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                member = _zip_csv_member(zf.namelist(), "shoes.csv")
                return (archive.read_member(zf, zf.getinfo(member), label="shoes.csv") if member else None), "shoes.csv"
        return data, "shoes.csv"
    path = Path(source)
    if path.is_dir():
        root = export_root(path) or path
        return ((root / "shoes.csv").read_bytes() if (root / "shoes.csv").is_file() else None), str(root)
    if not path.is_file():
        raise RunlogError("file not found", path=path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            member = _zip_csv_member(zf.namelist(), "shoes.csv")
            return (archive.read_member(zf, zf.getinfo(member), label=path) if member else None), str(path)
    return path.read_bytes(), str(path)


def read_export_shoes(source: str | Path | bytes) -> pd.DataFrame:
    """The shoes of a Strava export's ``shoes.csv`` (:func:`analysis.io.strava.read_strava_shoes`).

    Parameters
    ----------
    source : str, Path or bytes
        ``shoes.csv`` itself (path or bytes), or the export (zip or folder)
        holding it.

    Returns
    -------
    DataFrame
        As :func:`~analysis.io.strava.read_strava_shoes`; an export without
        shoes.csv gives an empty frame.
    """
    return parse_strava_shoes(*_shoes_bytes(source))
