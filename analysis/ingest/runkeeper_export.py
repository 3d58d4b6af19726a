"""A Runkeeper data export read whole: its cardioActivities.csv joined with the GPX files it names.

Runkeeper's export is a ``.zip`` (read in place, never unpacked) or its
unpacked folder: ``cardioActivities.csv`` with one GPX file per GPS-tracked
activity beside it, named in the row's ``GPX File`` cell. :mod:`analysis.io.runkeeper`
reads the table as a format; this module fetches each row's GPX file, reads it
with the GPX reader and joins row and file with the Strava export's machinery
(:func:`analysis.ingest.strava_export.join_rows`, by the rule of
:func:`~analysis.ingest.strava_export.join_file_run`): the run keeps Runkeeper's
id, name, notes, distance and climb and its local date (Runkeeper writes wall
time); the GPX file gives the UTC start, the times and heart rate, and the
samples. The GPX file of a non-run row (a ride, a walk) is ``not_a_run``
without being read, whereas alone it would pass for a run: Runkeeper's GPX files
carry no activity type. Activity files no row names (GPX, TCX or FIT, anywhere in
the export: a folder holding the table may hold a watch's files too) are read as
activities of their own.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from analysis.errors import RunlogError
from analysis.ingest.strava_export import Export, join_rows, within
from analysis.io import archive
from analysis.io.base import ReadResult
from analysis.io.runkeeper import SOURCE, parse_cardio_activities, sniff

__all__ = ["TABLE", "is_export_folder", "is_export_zip", "read_runkeeper_export", "sniff"]

#: the export's activity table
TABLE = "cardioActivities.csv"


def _zip_table(names: list[str]) -> str | None:
    found = [n for n in names if PurePosixPath(n).name.lower() == TABLE.lower() and n.count("/") <= 1]
    return min(found, key=lambda n: (n.count("/"), n)) if found else None


def _sniff_head(data: bytes) -> bool:
    return sniff(data[:65536], TABLE)


def is_export_folder(path: str | Path) -> bool:
    """Whether a folder holds a Runkeeper cardioActivities.csv itself."""
    table = Path(path) / TABLE
    if not table.is_file():
        return False
    with open(table, "rb") as fh:
        return _sniff_head(fh.read(65536))


def is_export_zip(path: str | Path) -> bool:
    """Whether a file is a Runkeeper export zip (a cardioActivities.csv at its top or one folder down)."""
    p = Path(path)
    if not p.is_file() or not zipfile.is_zipfile(p):
        return False
    try:
        with zipfile.ZipFile(p) as zf:
            member = _zip_table(zf.namelist())
            return member is not None and _sniff_head(
                archive.read_member(zf, zf.getinfo(member), label=p, limit=65536))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RunlogError):  # damaged: not read as an export
        return False


#: what is read as an activity file: the GPX files rows name, and any other a folder or zip holding the table has
_ACTIVITY_FILE = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


def is_activity_file(name: str) -> bool:
    """Whether a file name is one the export reads as an activity (``.fit``/``.gpx``/``.tcx``, or gzipped)."""
    return bool(_ACTIVITY_FILE.search(name))


def _open_zip(zf: zipfile.ZipFile, label: str) -> Export:
    member = _zip_table(zf.namelist())
    if member is None:
        raise RunlogError(f"no {TABLE} in this zip (is it a Runkeeper export?)", path=label)
    prefix = member[: -len(PurePosixPath(member).name)]
    names = set(zf.namelist())
    budget = archive.ZipBudget()
    inner = archive.member_label(prefix)
    root = label if inner == archive.UNNAMED_MEMBER else f"{label}/{inner}"

    def fetch(rel: str) -> bytes | None:
        target = prefix + rel.lstrip("/")
        if target not in names:
            return None
        info = zf.getinfo(target)
        refused = budget.take(info)
        if refused:
            raise archive.ArchiveLimitError(refused, path=f"{root}/{rel}")
        return archive.read_member(zf, info, label=f"{root}/{rel}")  # bounded, in memory; never extracted

    files = sorted(n[len(prefix):] for n in names
                   if n.startswith(prefix) and not n.endswith("/") and is_activity_file(n))
    table_label = f"{label}/{archive.member_label(member)}"
    data = archive.read_member(zf, zf.getinfo(member), label=table_label)
    return Export(data, table_label, root, fetch, files, source=SOURCE, table_name=TABLE)


def _open_folder(folder: Path, table: Path) -> Export:
    base = folder.resolve()

    def fetch(rel: str) -> bytes | None:
        path = folder / rel  # a GPX File such as ../x.gpx or a link out of the export is never read
        return path.read_bytes() if within(path, base) and path.is_file() else None

    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and is_activity_file(p.name) and within(p, base))
    return Export(table.read_bytes(), str(table), str(folder), fetch, files, source=SOURCE, table_name=TABLE)


def read_runkeeper_export(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
    read_files: bool = True,
) -> ReadResult:
    """Read a Runkeeper export: its cardioActivities.csv and the GPX files it names.

    Parameters
    ----------
    source : str, Path or bytes
        The export ``.zip`` (read in place), its unpacked folder, or its
        ``cardioActivities.csv`` (a path: the activity files beside it are read; bytes: the table alone).
    tz : str, optional
        The runner's time zone (IANA name): ``Date`` is local wall time. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.
    positions : bool, default False
        Keep latitude/longitude in the samples (privacy: off by default).
    read_files : bool, default True
        Read each row's GPX file. False reads the table only.

    Returns
    -------
    ReadResult
        ``runs`` as :func:`analysis.io.runkeeper.read_runkeeper` reads them, joined with their
        GPX file where the row names one (:func:`~analysis.ingest.strava_export.join_file_run`);
        ``samples`` from the GPX files under the Runkeeper id; ``log``: the table's rows, and one
        row per GPX file (``duplicate`` when it joined its row's run, ``not_a_run`` when its row
        is not a run, ``failed`` when unreadable: the run is kept from its row).

    Raises
    ------
    RunlogError
        When the export or its table cannot be read at all.
    """
    export, zf = _open_source(source, name)
    try:
        table = parse_cardio_activities(export.csv_bytes, export.csv_label, tz=tz)
        return join_rows(export, table.rows, table.summary, tz, positions, read_files)
    finally:
        if zf is not None:
            zf.close()


def _open_source(source: str | Path | bytes, name: str | None) -> tuple[Export, zipfile.ZipFile | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] == b"PK\x03\x04":
            label = name or "runkeeper_export.zip"
            zf = archive.zip_of_bytes(data, label)
            return _open_zip(zf, label), zf
        label = name or TABLE
        return Export(data, label, str(PurePosixPath(label).parent), source=SOURCE, table_name=TABLE), None
    path = Path(source)
    if path.is_dir():
        if not (path / TABLE).is_file():
            raise RunlogError(f"no {TABLE} in this folder (is it a Runkeeper export?)", path=path)
        return _open_folder(path, path / TABLE), None
    if not path.is_file():
        raise RunlogError("file not found", path=path)
    if zipfile.is_zipfile(path):
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise RunlogError(f"cannot open the zip: {exc}", path=path) from exc
        return _open_zip(zf, name or str(path)), zf
    return _open_folder(path.parent, path), None
