"""The loader: finds the files given, tells their kind and reads each with its reader.

:func:`read_sources` takes any mix of files, folders and zips, detects each
file's kind by its content (not by its extension alone), reads it with the
right reader and returns one :class:`~analysis.io.base.ReadResult` in which
every run appears once and every file and row given is accounted for in the
import log.

Hostile or damaged input never stops an import: zip members are read one at a
time in memory (never extracted) within the limits of
:mod:`analysis.io.archive`, gzip content is inflated within the same limits,
folders are walked without following links out of the given tree, and a file
whose reader fails in an unforeseen way is logged ``failed`` (set
``RUNLOG_DEBUG=1`` to see the traceback instead).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import os
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import RunlogError
from analysis.ingest.allocation import import_allocation
from analysis.ingest.merge import merge_duplicates
from analysis.io import archive, foreign, table
from analysis.io.base import ReadResult, log_row
from analysis.progress import bar as progress_bar
from analysis.progress import wanted

if TYPE_CHECKING:
    from analysis.ingest.cache import Stack

HEAD_BYTES = 64 * 1024
PROGRESS_MIN_ITEMS = 20

#: kind -> (module, sniff function, read function), in the order they are tried.
#: Specific formats first; the generic canonical CSV last.
KINDS: dict[str, tuple[str, str, str]] = {
    "fit": ("analysis.io.fit", "sniff", "read_fit"),
    "apple_health": ("analysis.io.apple_health", "sniff", "read_apple_health"),
    "tcx": ("analysis.io.tcx", "sniff", "read_tcx"),
    "gpx": ("analysis.io.gpx", "sniff", "read_gpx"),
    "garmin_json": ("analysis.io.garmin", "sniff_json", "read_garmin_json"),
    "polar": ("analysis.io.polar", "sniff", "read_polar"),
    "polar_csv": ("analysis.io.polar_csv", "sniff", "read_polar_csv"),
    "fitbit": ("analysis.io.fitbit", "sniff", "read_fitbit"),
    "runkeeper": ("analysis.ingest.runkeeper_export", "sniff", "read_runkeeper_export"),
    "samsung": ("analysis.io.samsung", "sniff", "read_samsung"),
    "strava": ("analysis.ingest.strava_export", "sniff", "read_strava_export"),
    "garmin_csv": ("analysis.io.garmin", "sniff_csv", "read_garmin_csv"),
    "csv": ("analysis.io.generic_csv", "sniff", "read_generic_csv"),
}

#: part of every input's cache key: a file read (or logged "not an activity file") while fewer kinds of
#: export were known is read again once a reader for its kind is added
KINDS_SIGNATURE = hashlib.sha1(repr(sorted(KINDS.items())).encode()).hexdigest()[:8]

#: kinds whose reader takes a whole export (a folder or zip) as one input
CONTAINER_KINDS = ("strava", "apple_health", "runkeeper")
#: kinds whose reader keeps positions on request
_POSITION_KINDS = ("fit", "tcx", "gpx", "strava", "apple_health", "polar", "runkeeper")

#: what a file that is not an activity export may be; logged, not failed
_NOT_ACTIVITY_SUFFIXES = {".md", ".txt", ".png", ".jpg", ".jpeg", ".pdf", ".html", ".ipynb", ".py", ".parquet"}


#: set this environment variable to let unexpected reader errors raise (tests, debugging)
_DEBUG_ENV = "RUNLOG_DEBUG"
_NOT_REGULAR = "not a regular file (a pipe, socket, device or broken link): not read"
_LINK_OUT = "link to a place outside the folder given: not followed"
_LINK_LOOP = "link that leads back to itself (a loop): not followed"


@dataclass(frozen=True)
class Item:
    """One thing to read: a path on disk, bytes, or a member of the zip at ``path``.

    ``member`` is the member's index in ``zipfile.ZipFile.infolist()`` (read
    lazily, so a big archive is never held in memory at once); ``refused``
    says why the item is not read at all (an archive limit, a link out of the
    folder, a pipe or device, a zip whose directory is damaged): it is logged
    ``failed`` with that reason.
    """

    label: str
    path: Path | None = None
    data: bytes | None = None
    top: bool = False
    kind: str | None = None
    member: int | None = None
    refused: str | None = None


def _load(kind: str) -> tuple[Callable, Callable]:
    mod_name, sniff_name, read_name = KINDS[kind]
    mod = importlib.import_module(mod_name)
    return getattr(mod, sniff_name), getattr(mod, read_name)


def _member(item: Item) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    zf = archive.open_zip(item.path)
    infos = zf.infolist()
    if item.member is None or not 0 <= item.member < len(infos):
        raise RunlogError("zip member not found (was the zip changed while reading?)", path=item.label)
    return zf, infos[item.member]


def _raw(item: Item, limit: int | None = None) -> bytes:
    """The item's bytes as stored (the first ``limit`` only, if given); zip members within limits."""
    if item.data is not None:
        return item.data[:limit] if limit is not None else item.data
    if item.member is not None:
        zf, info = _member(item)
        return archive.read_member(zf, info, label=item.label, limit=limit)
    with open(item.path, "rb") as fh:
        return fh.read(limit) if limit is not None else fh.read()


def _head(item: Item) -> tuple[bytes, str]:
    """First bytes of the content (gunzipped if needed) and the name without .gz.

    Raises
    ------
    RunlogError
        When the content cannot be read (a damaged zip member, a file that
        cannot be opened).
    """
    try:
        raw = _raw(item, HEAD_BYTES)
    except OSError as exc:
        raise RunlogError(f"cannot read the file ({exc.strerror or exc})", path=item.label) from exc
    name = item.label
    if raw[:2] == archive.GZIP_MAGIC:
        raw = archive.gunzip_head(raw, HEAD_BYTES)
        if name.lower().endswith(".gz"):
            name = name[:-3]
    return raw, name


def detect_kind(item: Item) -> str | None:
    """The reader kind that recognises this content, or None."""
    head, name = _head(item)
    if not head:
        return None
    for kind in KINDS:
        sniff, _ = _load(kind)
        if sniff(head, name):
            return kind
    return None


def _aux_kind(item: Item) -> str | None:
    """Why a file of no activity kind is a known side file (diary, catalog, ...), or None.

    The header is read by :func:`analysis.io.table.header_cells`, as the side
    files' own readers read it: any of their encodings (UTF-16 too), a ``,``
    ``;`` or tab delimiter, quoted cells, blank lines before it.
    """
    head, name = _head(item)
    if _is_garmin_gear(head, name):
        return "Garmin gear list, not an activity file: its shoes are linked to the runs of the export"
    samsung = _samsung_side_file(head, name)
    if samsung is not None:
        return samsung
    low = name.lower()
    suffix = Path(low).suffix
    if suffix in _NOT_ACTIVITY_SUFFIXES:
        return f"not an activity file ({suffix[1:]})"
    cols = {c.lower() for c in table.header_cells(head)}
    if {"date", "region", "pain"} <= cols or any(c.endswith(("_morning", "_after", "_during")) for c in cols):
        return "a pain diary, not an activity file (give it with --pain)"
    from analysis.io import pain_diary

    if pain_diary.sniff(head, name):  # the per-region layout (Date;Region;Side;Morning;...), any language
        return "a pain diary, not an activity file (give it with --pain)"
    if {"date", "drill"} <= cols:
        return "a drills log, not an activity file (give it with --drills)"
    if "name" in cols and cols & {"minimalist_index", "weight_g", "shoe_class", "stack_mm", "drop_mm"}:
        return "a shoes catalog, not an activity file (give it with --shoes)"
    if {"shoe name", "shoe brand"} <= cols or cols == {"name", "brand", "model"}:
        return "a Strava shoes list, not an activity file (give it with --shoes)"
    if {"from", "to", "shoe"} <= cols:
        return "a gear log, not an activity file (give it with --gear-log)"
    if "shoe" in cols and cols & {"activity_id", "date"} and len(cols) <= 4:
        return "footwear overrides, not an activity file (give them with --overrides)"
    if low.endswith(".json") and b"summarizedActivitiesExport" not in head and foreign.describe(head, name) is None:
        return ("JSON that is not an activity export runlog reads (a Garmin summarizedActivities, a Polar "
                "training session or a Fitbit exercise file)")
    return None


def _strava_container(path: Path) -> bool:
    """A folder (holding activities.csv itself) or zip that is a Strava bulk export."""
    folder = path.is_dir()
    if not ((path / "activities.csv").is_file() if folder else path.suffix.lower() == ".zip"):
        return False  # the common case, decided without importing the Strava reader
    from analysis.ingest import strava_export

    return strava_export.is_export_folder(path) if folder else strava_export.is_export_zip(path)


def _runkeeper_container(path: Path) -> bool:
    """A folder (holding cardioActivities.csv itself) or zip that is a Runkeeper export."""
    folder = path.is_dir()
    if not ((path / "cardioActivities.csv").is_file() if folder else path.suffix.lower() == ".zip"):
        return False
    from analysis.ingest import runkeeper_export

    return runkeeper_export.is_export_folder(path) if folder else runkeeper_export.is_export_zip(path)


def _platform_container(path: Path) -> str | None:
    """The kind of a platform export read whole with the activity files it names (Strava, Runkeeper), or None."""
    if _strava_container(path):
        return "strava"
    return "runkeeper" if _runkeeper_container(path) else None


def _apple_container(path: Path) -> bool:
    """A folder (holding export.xml itself) or zip that is an Apple Health export."""
    folder = path.is_dir()
    if not ((path / "export.xml").is_file() if folder else path.suffix.lower() == ".zip"):
        return False
    from analysis.io import apple_health

    return apple_health.is_export_folder(path) if folder else apple_health.is_export_zip(path)


def _zip_container(path: Path) -> str | None:
    """The kind of an export zip read whole (a Strava, Runkeeper or Apple Health export), or None."""
    platform = _platform_container(path)
    if platform is not None:
        return platform
    return "apple_health" if _apple_container(path) else None


def _link_refusal(link: Path, base: Path) -> str | None:
    """Why a symbolic link found in the folder ``base`` (resolved) is not followed, or None."""
    try:
        target = link.resolve(strict=False)
    except (OSError, RuntimeError):  # RuntimeError: a loop (Python < 3.13)
        return _LINK_LOOP
    if target == base or base in target.parents:
        return None
    return _LINK_OUT


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Files below a folder, sorted, each with why it is not read (or None).

    Links out of the tree are not followed (``rglob`` does not descend into
    linked folders; a linked file pointing outside is refused). Anything that
    is not a folder is yielded, pipes and devices included, so that it is
    logged, and never opened: reading a pipe would wait forever.
    """
    base = root.resolve()
    for p in sorted(root.rglob("*")):
        if p.name.startswith("."):
            continue
        why = _link_refusal(p, base) if p.is_symlink() else None
        if why:
            yield p, why
        elif not p.is_dir():
            yield p, None if p.is_file() else _NOT_REGULAR


def expand_sources(paths: Iterable[str | Path]) -> list[Item]:
    """Turn the given files, folders and zips into a flat list of items to read."""
    items: list[Item] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise RunlogError("no such file or folder", path=path)
        if not path.is_dir() and not path.is_file():
            raise RunlogError(_NOT_REGULAR, path=path)
        platform = _platform_container(path)
        if platform is not None:
            items.append(Item(str(path), path=path, top=True, kind=platform))
            continue
        if path.is_dir():
            walked = [Item(str(p), path=p, refused=why) for p, why in _walk(path)]
            walked = _collapse_apple_folders(walked, root=path)
            for it in _collapse_platform_folders(walked, root=path):
                items.extend(_file_items(it.path, top=False) if it.kind is None and not it.refused else [it])
            continue
        items.extend(_file_items(path, top=True))
    return _once_in_platform_exports(items)


def _once_in_platform_exports(items: list[Item]) -> list[Item]:
    """Drop the activity files that a Strava or Runkeeper export given beside them reads itself.

    A Runkeeper export reads every GPX, TCX and FIT file under the folder of its
    cardioActivities.csv, a Strava export every file under its ``activities/`` folder, each joined
    with the row that names it (:mod:`analysis.ingest.runkeeper_export`,
    :mod:`analysis.ingest.strava_export`). Given again on their own (``runlog runs export/*``, or
    the table and some of its files), they were read twice: two log rows for one file, and a
    Runkeeper ride's GPX (no type, slower than 7 m/s) read alone became a run. Each is now read
    once, by the export, and logged there.
    """
    reads: list[tuple[Path, Callable[[str], bool]]] = []  # (folder the export reads under, which files)
    for it in items:
        if it.path is None or it.member is not None or it.refused:
            continue
        if (it.kind == "runkeeper" and it.path.is_dir()) or (
                it.kind is None and it.path.name == "cardioActivities.csv" and _runkeeper_container(it.path.parent)):
            from analysis.ingest.runkeeper_export import is_activity_file

            reads.append((it.path if it.path.is_dir() else it.path.parent, is_activity_file))
        elif it.kind == "strava" and it.path.is_dir():
            from analysis.ingest.strava_export import export_root

            root = export_root(it.path)
            if root is not None:
                reads.append((root / "activities", lambda name: True))
        elif it.kind is None and it.path.name == "activities.csv" and _strava_container(it.path.parent):
            reads.append((it.path.parent / "activities", lambda name: True))
    if not reads:
        return items
    reads = [(folder.resolve(), which) for folder, which in reads]

    def read_by_export(it: Item) -> bool:
        if it.path is None or it.member is not None or it.kind is not None:
            return False
        parents = it.path.resolve().parents
        return any(folder in parents and which(it.path.name) for folder, which in reads)

    return [it for it in items if not read_by_export(it)]


def _file_items(path: Path, *, top: bool) -> list[Item]:
    """A single file: a zip is opened (a Strava export read whole), anything else kept."""
    if not path.is_file():
        return [Item(str(path), path=path, top=top, refused=_NOT_REGULAR)]
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        container = _zip_container(path)
        if container is not None:
            return [Item(str(path), path=path, top=top, kind=container)]
        try:
            return _zip_items(path)
        except RunlogError as exc:  # a damaged directory: refused alone, unless named directly
            if top:
                raise
            return [Item(str(path), path=path, refused=exc.reason)]
    return [Item(str(path), path=path, top=top)]


def _collapse_platform_folders(items: list[Item], root: Path) -> list[Item]:
    """Replace the files of a Strava or Runkeeper export folder met while walking by the folder itself.

    Only folders inside ``root`` (the folder walked) are candidates: an export
    *beside* the walked folder is never read.
    """
    known: dict[Path, str | None] = {}
    export_of: dict[Path, Path | None] = {}  # a file's folder -> the export it is in (decided once per folder)

    def export_holding(parent: Path) -> Path | None:
        for cand in (parent, parent.parent):
            if cand != root and root not in cand.parents:
                return None
            if cand not in known:
                known[cand] = _platform_container(cand)
            if known[cand]:
                return cand
        return None

    def folder_of(it: Item) -> Path | None:
        if it.path is None or it.refused:
            return None
        parent = it.path.parent
        if parent not in export_of:
            export_of[parent] = export_holding(parent)
        return export_of[parent]

    return _fold_into_exports(items, folder_of, lambda folder: known[folder])


def _collapse_apple_folders(items: list[Item], root: Path) -> list[Item]:
    """Replace the files of an Apple Health export folder met while walking by the folder itself.

    Only the export's own files (export.xml, export_cda.xml, the route and ECG
    folders: :func:`analysis.io.apple_health.export_folder_of`) are taken: its
    route GPX files are then never read as activities of their own, and any
    other file beside export.xml is still read alone. Only folders inside
    ``root`` (or ``root`` itself) are candidates.
    """
    from analysis.io.apple_health import export_folder_of

    known: dict[Path, bool] = {}

    def folder_of(it: Item) -> Path | None:
        if it.path is None or it.refused or it.kind is not None:
            return None
        cand = export_folder_of(it.path)
        if cand is None or not (cand == root or root in cand.parents):
            return None
        if cand not in known:
            known[cand] = _apple_container(cand)
        return cand if known[cand] else None

    return _fold_into_exports(items, folder_of, "apple_health")


def _fold_into_exports(items: list[Item], folder_of: Callable[[Item], Path | None],
                       kind: str | Callable[[Path], str]) -> list[Item]:
    """Replace every file that ``folder_of`` places in an export folder by one item for that folder.

    The folder's item stands where its first file stood; files in no export keep their place.
    ``kind`` is the export's kind, or gives it for a folder.
    """
    out: list[Item] = []
    seen: set[Path] = set()
    for it in items:
        folder = folder_of(it)
        if folder is None:
            out.append(it)
        elif folder not in seen:
            seen.add(folder)
            out.append(Item(str(folder), path=folder, kind=kind if isinstance(kind, str) else kind(folder)))
    return out


def _zip_items(path: Path) -> list[Item]:
    """One item per file member of a zip, read later one at a time (never extracted).

    Labels are ``<zip>!<member>`` with the member name made safe
    (:func:`analysis.io.archive.member_label`). Members over the archive limits
    are items that are logged ``failed`` without being read.
    """
    zf = archive.open_zip(path)
    budget = archive.ZipBudget()
    items = []
    for index, info in enumerate(zf.infolist()):
        if info.is_dir():
            continue
        refused = archive.member_refusal(info) or budget.take(info)
        items.append(Item(f"{path}!{archive.member_label(info.filename)}", path=path, member=index,
                          refused=refused))
    return items


def _read_item(item: Item, *, tz, positions: bool) -> ReadResult:
    """Read one item; never raises but for a file named directly that is of no known kind."""
    if item.refused:
        return ReadResult.build(log_rows=[log_row(item.label, "failed", item.refused)])
    try:
        result = _read_item_unguarded(item, tz=tz, positions=positions)
    except RunlogError as exc:
        if item.top and exc.path == item.label:
            raise
        result = ReadResult.build(log_rows=[log_row(item.label, "failed", exc.reason, row=exc.row)])
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop an import of thousands
        if os.environ.get(_DEBUG_ENV):
            raise
        detail = " ".join(str(exc).split())[:200]
        reason = f"unexpected error reading this file ({type(exc).__name__}: {detail}); please report it"
        result = ReadResult.build(log_rows=[log_row(item.label, "failed", reason)])
    return _account_for(item, result)


def _account_for(item: Item, result: ReadResult) -> ReadResult:
    """Make sure the item itself appears in the import log (a reader that logged nothing)."""
    labels = result.log["source_file"]
    if len(labels) and isinstance(labels.iloc[0], str) and labels.iloc[0] == item.label:
        return result  # a reader's log names its file on its first row (a large CSV's: 2 million times)
    labels = labels.astype(str)
    if (labels == item.label).any() or labels.str.startswith(f"{item.label}/").any():
        return result
    row = log_row(item.label, "not_a_run", "no activity in the file")
    return ReadResult(result.runs, result.samples, ReadResult.concat([result, ReadResult.build(log_rows=[row])]).log)


def _content(item: Item, kind: str) -> tuple[str | Path | bytes, str | None]:
    """What to hand the reader (path or bytes), and a note when gzip content was damaged.

    Gzip content is inflated here, within :mod:`analysis.io.archive`'s
    limits, whatever the reader; a Strava export folder or zip goes as a path.
    """
    if item.path is not None and item.member is None and (
        item.path.is_dir() or (kind in CONTAINER_KINDS and zipfile.is_zipfile(item.path))
    ):
        return item.path, None
    if _raw(item, 2) != archive.GZIP_MAGIC:
        if item.member is not None:
            return _raw(item), None
        return (item.data if item.data is not None else item.path), None
    data, note = archive.gunzip_if_gzip(_raw(item), label=item.label)  # raises when nothing inflates
    if not data:
        raise RunlogError("empty gzip data", path=item.label)
    return data, note


def _read_item_unguarded(item: Item, *, tz, positions: bool) -> ReadResult:
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
    kwargs = {"tz": tz, "name": item.label}
    if kind in _POSITION_KINDS:
        kwargs["positions"] = positions
    gzip_note = None
    try:
        source, gzip_note = _content(item, kind)
        result = read(source, **kwargs)
    except RunlogError as exc:
        reason = f"{exc.reason}; {gzip_note}" if gzip_note else exc.reason  # a cut may be why it fails
        return ReadResult.build(log_rows=[log_row(item.label, "failed", reason, row=exc.row, source=kind)])
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as exc:
        return ReadResult.build(log_rows=[log_row(item.label, "failed", f"cannot read file: {exc}", source=kind)])
    if gzip_note and len(result.log):
        log = result.log.copy()
        log["reason"] = log["reason"].fillna("").map(lambda r: f"{r}; {gzip_note}" if r else gzip_note)
        result = ReadResult(result.runs, result.samples, log)
    return result


#: First-line prefixes (lower case) of exports runlog knows but does not read -> what to say.
UNREAD_EXPORTS: tuple[tuple[str, str], ...] = (
    # the Wahoo Fitness iPhone app's CSV: Device,<name>,model,...; then Year,...,Month,... and
    # sections of workout totals, intervals and samples
    ("device,", "a Wahoo Fitness app CSV"),
)


def _unread_export(text: str) -> str | None:
    """A sentence naming a known export that runlog does not read, from the file's first lines; else None."""
    lines = text.lstrip("\ufeff").splitlines()
    first = lines[0].strip().lower() if lines else ""
    for prefix, what in UNREAD_EXPORTS:
        if not first.startswith(prefix):
            continue
        if prefix == "device," and "wahoo" not in text.lower():
            continue
        return f"{what}: runlog does not read it; give the workout's FIT file (the app exports one too)"
    return None


#: Samsung Health "Download personal data": a table's first line names it (com.samsung.shealth.sleep,
#: 7006011,11); the exercise table (com.samsung.shealth.exercise) is read (analysis.io.samsung), and
#: every other table, its siblings com.samsung.shealth.exercise.weather and the like included, holds no
#: workouts. Its jsons/ folder holds per-record payloads named com.samsung.<type>...json.
_SAMSUNG_PREFIX = "com.samsung."


def _samsung_side_file(head: bytes, name: str) -> str | None:
    """Why a file of a Samsung Health export is not an activity file (a table with no workouts), or None."""
    base = Path(name).name.lower()  # the file's own name: a folder named com.samsung.* says nothing of it
    if _SAMSUNG_PREFIX in base and base.endswith(".json"):
        return "a Samsung Health data file (a record's payload, not a workout table): not an activity file"
    first = table.first_line(table.decode_text(head[:4096], truncated=True)).strip().lower()
    if not first.startswith(_SAMSUNG_PREFIX):
        return None
    return f"a Samsung Health table that holds no workouts ({first.split(',')[0][:80]}): not an activity file"


def _closest_format_hint(item: Item) -> str:
    head, name = _head(item)
    if not head:
        return "empty file"
    text = head[:400].decode("utf-8", "replace")
    first = text.splitlines()[0] if text.splitlines() else ""
    unread = _unread_export(head[:4096].decode("utf-8", "replace"))
    if unread is not None:
        return unread
    known = foreign.describe(head, name)  # a format runlog does not read (SportTracks, Suunto, Polar HRM...)
    if known is not None:
        return known
    if "," in first or ";" in first or "\t" in first:
        return (
            "CSV of unknown kind: expected a Strava activities.csv (Activity ID, Activity Date, ...), "
            "a Garmin Connect Activities.csv (Activity Type, Date, Distance, ...) or a generic CSV "
            f"with start_time (or date) and distance_m; header was: {first[:120]}"
        )
    if text.lstrip().startswith("<"):
        return "XML that is neither TCX (TrainingCenterDatabase), GPX (<gpx>) nor an Apple Health export.xml"
    return ("not a known activity format (FIT, TCX, GPX, a Strava, Garmin, Apple Health, Polar Flow, Fitbit, "
            "Runkeeper or Samsung Health export, or CSV)")


def _read_one(args) -> ReadResult:
    """Process-pool entry point (must be a top-level function to pickle)."""
    item, tz, positions = args
    return _read_item(item, tz=tz, positions=positions)


def _read_hashed(item: Item, *, tz, positions: bool) -> tuple[ReadResult, str | None]:
    """Read a file to be cached from its bytes, read once; the result and the hash of those bytes.

    The cache stores the hash of the very bytes decoded, so that a file
    written while it is imported never pairs new content with old frames
    (:mod:`analysis.ingest.cache`). A folder, a Strava or Apple Health export (read by
    path with the files inside it) or a file that cannot be read goes by path, with
    no hash.
    """
    from analysis.ingest.cache import bytes_digest

    by_path = item.path is None or item.data is not None or item.member is not None or item.refused
    if by_path or item.kind in CONTAINER_KINDS:  # an export read by path with the files inside it
        return _read_item(item, tz=tz, positions=positions), None
    try:
        if not item.path.is_file():
            return _read_item(item, tz=tz, positions=positions), None
        data = item.path.read_bytes()
        in_memory = replace(item, data=data)
        kind = detect_kind(in_memory)
    except Exception:  # noqa: BLE001 - a sniffer's error: read by path, where _read_item logs it as failed
        return _read_item(item, tz=tz, positions=positions), None
    if kind is None or kind in CONTAINER_KINDS:
        return _read_item(item, tz=tz, positions=positions), None
    return _read_item(replace(in_memory, kind=kind), tz=tz, positions=positions), bytes_digest(data)


def _read_one_hashed(args) -> tuple[ReadResult, str | None]:
    """Process-pool entry point of :func:`_read_hashed`."""
    item, tz, positions = args
    return _read_hashed(item, tz=tz, positions=positions)


def _cache_unusable(cache, exc: OSError) -> None:
    """Say once, in one line, that the cache cannot be used; the import goes on without it."""
    why = exc.strerror or type(exc).__name__
    print(f"runlog: the import cache at {cache.base} cannot be used ({why}); importing without it",
          file=sys.stderr)
    return None


def _store(cache, fresh: list[tuple]):
    """Store freshly read inputs; the cache (or None once it proved unusable)."""
    try:
        cache.store(fresh)
    except OSError as exc:
        return _cache_unusable(cache, exc)
    return cache


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
        Connect CSV or GDPR JSON, an Apple Health export (export.zip, its
        folder, or export.xml), Polar Flow training sessions, Fitbit
        exercise files, or a generic CSV with canonical columns.
    tz : str, optional
        IANA time zone for sources that carry no UTC offset (default UTC).
    positions : bool
        Keep latitude/longitude in the samples (off by default: privacy).
    progress : bool, optional
        Show a progress bar on stderr; by default only for many files and when
        stderr is a terminal (:mod:`analysis.progress`).
    cache : analysis.ingest.cache.Cache, optional
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

    Notes
    -----
    Memory for the import comes from pyarrow's system pool and numpy arrays
    without huge pages on Linux (:mod:`analysis.ingest.allocation`: a third less
    CPU for a 2-million-row CSV); the libraries' settings are put back after.
    """
    with import_allocation():
        return _read_sources(paths, tz=tz, positions=positions, progress=progress, cache=cache,
                             workers=workers, samples=samples)


def _read_sources(paths, *, tz, positions: bool, progress: bool | None, cache, workers: int | None,
                  samples: bool) -> ReadResult:
    """:func:`read_sources`, under the import's allocation settings."""
    paths = [Path(p) for p in paths]
    items = expand_sources(paths)
    show = progress if progress is not None else len(items) >= PROGRESS_MIN_ITEMS and wanted()
    options = f"tz={tz};positions={positions};kinds={KINDS_SIGNATURE}"
    results: list[ReadResult | None] = [None] * len(items)

    entries: dict[int, tuple] = {}
    hits: Stack | None = None
    if cache is not None:
        from analysis.ingest.cache import Cache

        on_disk = [i for i, it in enumerate(items)
                   if it.path is not None and it.data is None and it.member is None and not it.refused]
        try:
            found = Cache.entries([(items[i].path, items[i].label) for i in on_disk], options)
            entries = {i: (entry, items[i].path) for i, entry in zip(on_disk, found, strict=True)}
            hits, _ = cache.lookup(entries.values(), samples=samples)
            hits = _relabelled(hits, {entry.key: entry.label for entry, _ in entries.values()})
            folders = [str(p) for p in paths if p.is_dir()]
            if folders:  # files deleted from a walked folder drop out of the cache
                cache.forget_missing([e.key for e, _ in entries.values()], scope_labels=folders)
        except OSError as exc:
            cache, entries, hits = _cache_unusable(cache, exc), {}, None
        if hits is not None:
            _place_cached(results, entries, hits)

    todo = [i for i, r in enumerate(results) if r is None]
    bar = None
    if show:
        bar = progress_bar(total=len(items), initial=len(items) - len(todo), unit="file", desc="importing",
                           progress=True)
    fresh: list[tuple] = []
    folded = [0]
    try:
        with ExitStack() as stack:
            n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
            hashing = cache is not None  # inputs to cache are read from their bytes, hashed
            if n_workers > 1 and len(todo) >= 8:
                pool = stack.enter_context(ProcessPoolExecutor(max_workers=n_workers))
                decoded = pool.map(_read_one_hashed if hashing else _read_one,
                                   [(items[i], tz, positions) for i in todo], chunksize=4)
            elif hashing:
                decoded = (_read_hashed(items[i], tz=tz, positions=positions) for i in todo)
            else:
                decoded = (_read_item(items[i], tz=tz, positions=positions) for i in todo)
            for i, out in zip(todo, decoded, strict=True):
                res, digest = out if hashing else (out, None)
                results[i] = _keep(res, samples)
                if i in entries:
                    fresh.append((*entries[i], res, digest))
                if bar is not None:
                    bar.update(1)
                if cache is not None and len(fresh) >= 256:
                    cache = _store(cache, fresh)
                    fresh = []
                _fold(results, folded)
    finally:
        if bar is not None:
            bar.close()
    if not samples:
        results = [_keep(r, samples) for r in results]
    if cache is None or not fresh:
        return _link_garmin_gear(merge_duplicates(_stack(results, hits), tz=tz), items)
    # the last inputs are stored while the runs are merged: pyarrow encodes and writes without the GIL, and
    # neither reads what the other builds; the import returns only once the cache is written (or given up)
    with ThreadPoolExecutor(max_workers=1) as storing:
        stored = storing.submit(_store, cache, fresh)
        merged = _link_garmin_gear(merge_duplicates(_stack(results, hits), tz=tz), items)
        stored.result()
    return merged


def legacy_csv_ids(runs) -> dict[str, str]:
    """The ids that generic-CSV runs had before the hashed ids changed: legacy id -> id now.

    Reads again the generic CSV files the runs came from (their
    ``source_file``: a file, a zip member ``<zip>!<member>``, gzip content
    inflated) and maps each record's old id to its id now
    (:func:`analysis.io.generic_csv.legacy_ids`). A file that is gone or no
    longer readable adds nothing. Called only when an overrides file names
    an id that matches no run (:func:`analysis.footwear.assign_footwear`).

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame with ``source`` and ``source_file``.

    Returns
    -------
    dict
        ``{"csv:<sha1-12>": "csv:<xxh3-12>"}`` over the CSV runs' files, and the same
        keyed by the bare ``<sha1-12>`` (an id written without its ``csv:`` prefix).
    """
    from analysis.io.generic_csv import legacy_ids

    if runs.empty or "source_file" not in runs.columns:
        return {}
    labels = runs.loc[(runs["source"] == "csv").fillna(False).to_numpy(dtype=bool), "source_file"].dropna()
    out: dict[str, str] = {}
    for label in dict.fromkeys(str(x) for x in labels):
        item = _item_of_label(label)
        if item is None:
            continue
        try:
            content, _ = _content(item, "csv")
            out.update(legacy_ids(content, name=label))
        except (RunlogError, OSError, EOFError, zlib.error, zipfile.BadZipFile, ValueError):
            continue  # gone or changed: its old ids cannot be told, and the override is reported unmatched
    out.update({old.split(":", 1)[1]: new for old, new in list(out.items()) if ":" in old})
    return out


def _item_of_label(label: str) -> Item | None:
    """The item an import-log label names: a file on disk or a member ``<zip>!<member>``; None if gone."""
    path = Path(label)
    if path.is_file():
        return Item(label, path=path)
    at = label.find("!")
    while at != -1:
        zip_path = Path(label[:at])
        if zip_path.is_file() and zipfile.is_zipfile(zip_path):
            try:
                members = _zip_items(zip_path)
            except RunlogError:
                return None
            return next((it for it in members if it.label == label and not it.refused), None)
        at = label.find("!", at + 1)
    return None


def _is_garmin_gear(head: bytes, name: str) -> bool:
    from analysis.io.garmin import sniff_gear

    return name.lower().endswith(".json") and sniff_gear(head, name)


def _link_garmin_gear(result: ReadResult, items: list[Item]) -> ReadResult:
    """Fill the runs' gear from any Garmin GDPR gear JSON among the inputs (FORMATS.md)."""
    runs = result.runs
    for item in items:
        if item.refused or item.kind is not None or not item.label.lower().endswith((".json", ".json.gz")):
            continue
        # imported only with a JSON among the inputs (the Garmin reader takes ~15 ms to import)
        from analysis.io.garmin import apply_garmin_gear, read_garmin_gear

        try:
            head, name = _head(item)
            if not _is_garmin_gear(head, name):
                continue
            source, _ = _content(item, "garmin_json")
            links = read_garmin_gear(source, name=item.label)
        except (RunlogError, OSError):
            continue  # the file's own log row already says what it is
        runs = apply_garmin_gear(runs, links)
    return ReadResult(runs, result.samples, result.log)


def _relabelled(hits: Stack, label_now: dict[str, str]) -> Stack:
    """The cached frames with ``source_file`` naming each input as it was given now.

    An input is cached under its resolved path, so the same file reached by
    another path (a relative path typed from another folder, a moved
    folder) is a hit, but its rows still carry the label of the run that
    stored them: the import log and ``runlog runs`` would name a path that
    is not what the user gave, and whatever reads the file again by that name
    (:func:`legacy_csv_ids`) would miss it. Rows whose ``source_file`` is the
    stored label, or a member of it (``<label>!<member>``), take today's label.
    """
    import numpy as np
    import pandas as pd

    if not hits.labels:
        return hits
    changed = [n for n, (key, old) in enumerate(zip(hits.keys, hits.labels, strict=True))
               if old and label_now.get(key, old) != old]
    if not changed:
        return hits
    frames = {}
    for name in ("runs", "samples", "log"):
        frame = getattr(hits.result, name)
        if "source_file" not in frame.columns or frame.empty:
            frames[name] = frame
            continue
        values = frame["source_file"].to_numpy(dtype=object, na_value=None).copy()
        bounds = hits.bounds[name]
        for n in changed:
            old, new = hits.labels[n], label_now[hits.keys[n]]
            segment = values[int(bounds[n]):int(bounds[n + 1])]  # a view: edited in place
            same = segment == old
            segment[same] = new
            for j in np.flatnonzero(~same):
                value = segment[j]
                if isinstance(value, str) and value.startswith(old + "!"):
                    segment[j] = new + value[len(old):]
        frame = frame.copy(deep=False)
        frame["source_file"] = pd.array(values, dtype=frame["source_file"].dtype)
        frames[name] = frame
    labels = tuple(label_now.get(key, old) for key, old in zip(hits.keys, hits.labels, strict=True))
    return replace(hits, result=ReadResult(frames["runs"], frames["samples"], frames["log"]), labels=labels)


def _place_cached(results: list, entries: dict[int, tuple], hits: Stack) -> None:
    """Put the cached inputs' frames in their items' places, one slice of the stack per stretch.

    ``hits`` (an :class:`analysis.ingest.cache.Stack`) holds the frames of the cached
    inputs in item order; each stretch of consecutive items found in it takes
    one slice of it (a view), put at the stretch's first item, and the other
    items of the stretch are marked read with an empty result. Frames are
    never cut per input: a warm import of thousands of files stays one frame.
    Item order is kept, so duplicates are resolved as in a cold import.
    """
    where = {key: n for n, key in enumerate(hits.keys)}
    stretches: list[list[int]] = []  # [first item, first position in the stack, stop position]
    last = -2
    for i, (entry, _path) in entries.items():
        n = where.get(entry.key)
        if n is None:
            continue
        if stretches and last == i - 1 and stretches[-1][2] == n:
            stretches[-1][2] = n + 1
        else:
            stretches.append([i, n, n + 1])
        results[i] = _read_already()
        last = i
    for i, first, stop in stretches:
        results[i] = hits.part(first, stop)


def _stack(results: list, hits: Stack | None) -> ReadResult:
    """All results as one; a warm import whose every input was cached is the cache's stack as is.

    The stack's frames are canonical (:mod:`analysis.ingest.cache` checks or coerces
    them as it reads), so coercing them again in ``ReadResult.concat`` would
    only copy them (0.2 s for a million samples).
    """
    filled = [r for r in results if r is not None and r is not _ALREADY]
    if hits is not None and len(filled) == 1 and filled[0] is hits.result:
        return filled[0]
    if len(filled) == 1 and _canonical(filled[0]):  # one input's frames, as its reader built them
        return filled[0]
    return ReadResult.concat(filled)


def _canonical(result: ReadResult) -> bool:
    """Whether ``ReadResult.concat([result])`` would give the same frames (then it need not copy them)."""
    from analysis import schema
    from analysis.ingest.merge import is_canonical

    # an empty frame becomes the bare canonical one (no extra columns)
    return (is_canonical(result.runs, schema.RUNS_DTYPES, extra=len(result.runs) > 0)
            and is_canonical(result.samples, schema.SAMPLES_DTYPES, extra=len(result.samples) > 0, range_index=True)
            and is_canonical(result.log, schema.IMPORT_LOG_DTYPES, extra=False, range_index=True))


def _read_already() -> ReadResult:
    """The empty result marking an item whose frames are in an earlier item's slice (made once)."""
    global _ALREADY
    if _ALREADY is None:
        _ALREADY = ReadResult()
    return _ALREADY


_ALREADY = None


def _fold(results: list, state: list) -> None:
    """Stack every 512 finished results into one (a frame per file costs ~50 KiB of pandas overhead)."""
    j = k = state[0]
    while k < len(results) and results[k] is not None:
        k += 1
    if k - j >= 512:
        results[j] = ReadResult.concat(results[j:k])
        for m in range(j + 1, k):
            results[m] = None
        state[0] = k


def _keep(res: ReadResult, samples: bool) -> ReadResult:
    """Drop the samples when the caller does not want them (memory)."""
    if samples or res is None or res.samples.empty:
        return res
    from analysis import schema

    global _EMPTY_SAMPLES
    if _EMPTY_SAMPLES is None:
        _EMPTY_SAMPLES = schema.empty_samples()
    return ReadResult(res.runs, _EMPTY_SAMPLES.copy(), res.log)


_EMPTY_SAMPLES = None
