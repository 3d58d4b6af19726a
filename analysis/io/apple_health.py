"""Apple Health export: ``export.zip``, its ``apple_health_export/`` folder, or a bare ``export.xml``.

The Health app's export ("Profile > Export All Health Data") is a zip holding
``apple_health_export/export.xml`` (everything: often 0.5-3 GB, almost all of it
``<Record>`` rows), ``export_cda.xml`` and ``workout-routes/route_*.gpx``. runlog
needs only the ``<Workout>`` elements and the route files they reference
(FORMATS.md, "Apple Health").

Streaming (why this is written by hand)
---------------------------------------
``xml.etree.ElementTree.iterparse`` (what the common Apple Health parsers use)
builds every one of the millions of ``<Record>`` elements before it can be
thrown away: tens of MB/s at best. Here the file is read in chunks of
:data:`CHUNK_BYTES` into one reused buffer and searched with
:meth:`bytearray.find` for ``workoutActivityType``, the attribute every workout
has (``#REQUIRED`` in the DTD Apple writes at the top of every export); the
tag holding it starts at the nearest ``<`` before it, and only each
``<Workout ...>...</Workout>`` element is handed to lxml, alone. This is sound
because ``<`` cannot occur unescaped inside an XML attribute value or in
character data (XML 1.0, section 2.4 and production [10] AttValue), so the
nearest ``<`` is the start of the tag, and Workout elements do not nest. Memory
stays at one chunk plus one element, whatever the file's size (an element over
:data:`MAX_ELEMENT_BYTES` is logged and skipped). Nothing before, between or after the workouts is parsed: the
internal DTD at the top of every export is never read, so an entity declared
there is never expanded (each element is parsed by lxml with
``resolve_entities=False``, ``no_network=True``; an entity used inside a
workout fails that workout with a one-line reason).

What is read from a ``<Workout>``
---------------------------------
* ``workoutActivityType``: ``HKWorkoutActivityTypeRunning`` is a run;
  treadmill when ``<MetadataEntry key="HKIndoorWorkout" value="1"/>``. Every
  other type is logged ``not a run`` with its type.
* Dates ``YYYY-MM-DD HH:MM:SS +HHMM``: the instant is right, but the offset is
  the phone's at export time, not the run's: the local ``date`` comes from the
  ``HKTimeZone`` metadata (watch workouts) where present, else from ``tz``.
* ``duration`` + ``durationUnit`` (min) excludes pauses: ``moving_time_s``;
  ``endDate - startDate``: ``elapsed_time_s``.
* Totals, in either layout: attributes ``totalDistance`` +
  ``totalDistanceUnit`` (up to iOS 15), or direct ``<WorkoutStatistics>``
  children (iOS 16+): ``DistanceWalkingRunning`` (sum), ``HeartRate``
  (average), ``StepCount`` (sum), and the running dynamics ``RunningStrideLength``
  (m), ``RunningGroundContactTime`` (ms), ``RunningVerticalOscillation`` (cm),
  ``RunningPower`` (W), each in its own ``unit``. The statistics of watchOS 9+
  ``<WorkoutActivity>`` children are never added to the workout's own.
* ``HKElevationAscended`` (``"6575 cm"``): ``elevation_gain_m``.
* Routes: inline ``<WorkoutRoute><Location .../>`` (old) or
  ``<WorkoutRoute><FileReference path="/workout-routes/route_....gpx"/>``
  (iOS 13+; several files per workout happen), read from the same zip or
  folder.

The same run written by several apps (the watch, and Strava, Nike Run Club or
Garmin Connect copying it into Health) is kept once: running workouts whose
times overlap by at least :data:`SAME_RUN_OVERLAP` of the shorter one are one
run, and the watch's copy is kept (else the copy with the most data). The
import log says which copy was kept and why.

No Apple Health workout names a shoe: runs from Apple Health get their shoe from
a gear log, a keyword or the default shoe.

References
----------
FORMATS.md, "Apple Health"; data/README-sources.md, "apple_health/" (real
excerpts and their reference values); Apple HealthKit documentation
(``HKWorkout``, ``HKQuantityTypeIdentifierRunningStrideLength`` and the other
running metrics); W3C XML 1.0 (Fifth Edition), production [10] AttValue.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
from lxml import etree

from analysis import schema
from analysis.errors import RunlogError
from analysis.io import archive
from analysis.io.base import ReadResult, log_row
from analysis.units import METRES_PER_FOOT, METRES_PER_MILE, get_zone

SOURCE = "apple_health"

#: Apple's names -> canonical runs columns (pvlib iotools style); units in read_apple_health's Notes.
VARIABLE_MAP: dict[str, str] = {
    "startDate": "start_time",
    "duration": "moving_time_s",
    "totalDistance": "distance_m",
    "HKQuantityTypeIdentifierDistanceWalkingRunning": "distance_m",
    "HKQuantityTypeIdentifierHeartRate": "avg_heart_rate_bpm",
    "HKQuantityTypeIdentifierStepCount": "avg_cadence_spm",
    "HKElevationAscended": "elevation_gain_m",
    "HKQuantityTypeIdentifierRunningStrideLength": "avg_step_length_mm",
    "HKQuantityTypeIdentifierRunningGroundContactTime": "avg_stance_time_ms",
    "HKQuantityTypeIdentifierRunningVerticalOscillation": "avg_vertical_oscillation_mm",
    "HKQuantityTypeIdentifierRunningPower": "avg_power_w",
}

RUNNING = "HKWorkoutActivityTypeRunning"
#: bytes read per step while scanning export.xml
CHUNK_BYTES = 8 << 20
#: a single <Workout> element larger than this (bytes) is logged and skipped
MAX_ELEMENT_BYTES = 64 << 20
#: largest export.xml read from a zip (declared size); real ones are 0.5-3 GB
MAX_EXPORT_BYTES = 16 << 30
#: two running workouts overlapping by this share of the shorter one are the same run
SAME_RUN_OVERLAP = 0.5
#: route points this far (s) outside the workout's start and end are not its samples
ROUTE_MARGIN_S = 60.0
EARTH_RADIUS_M = 6_371_008.8

_LENGTH_M = {"m": 1.0, "km": 1000.0, "mi": METRES_PER_MILE, "ft": METRES_PER_FOOT, "yd": 0.9144,
             "cm": 0.01, "mm": 0.001, "in": 0.0254}
_DURATION_S = {"min": 60.0, "s": 1.0, "sec": 1.0, "h": 3600.0, "hr": 3600.0, "ms": 0.001}
_TIME_MS = {"ms": 1.0, "s": 1000.0}
_OPEN = b"<Workout"
_CLOSE = b"</Workout"
#: what the scan searches for: the attribute every <Workout> has (#REQUIRED in Apple's DTD), whatever the
#: attributes' order; a needle of 19 bytes lets the search skip ahead ~2.5 times further than "<Workout"
_ATTR = b"workoutActivityType"
#: bytes kept from the end of a chunk: a <Workout start tag begun before the needle (far more than any)
_KEEP_BYTES = 64 * 1024
_SPACE = b" \t\r\n"
_HEAD_BYTES = 64 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)
_WATCH = re.compile(r"watch", re.IGNORECASE)


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are an Apple Health ``export.xml`` (root element ``<HealthData>``).

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file (the internal DTD comes first).
    name : str, optional
        Not needed: the content decides.
    """
    return re.search(rb"<HealthData[\s>]", head[:_HEAD_BYTES]) is not None


# --------------------------------------------------------------------------- where the export is


@dataclass
class _Export:
    """An export.xml to stream, a way to fetch the route files it references, and the export's other files.

    ``container`` is the zip or folder given (None for a bare export.xml); ``others`` the names of
    its files besides export.xml, and ``fetched`` those read as routes: the rest are logged once
    as no workouts, so that every file given is accounted for.
    """

    label: str
    open_xml: Callable[[], io.RawIOBase | io.BufferedIOBase]
    fetch: Callable[[str], bytes | None] | None = None
    where: str = ""
    container: str | None = None
    others: list[str] = field(default_factory=list)
    fetched: set[str] = field(default_factory=set)


def _zip_export_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The export.xml member (``apple_health_export/export.xml`` or one at most two folders deep)."""
    found = [i for i in zf.infolist()
             if not i.is_dir() and PurePosixPath(i.filename).name.lower() == "export.xml"
             and i.filename.count("/") <= 2]
    return min(found, key=lambda i: (i.filename.count("/"), i.filename)) if found else None


def _folder_export(folder: Path) -> Path | None:
    for cand in (folder / "export.xml", folder / "apple_health_export" / "export.xml"):
        if cand.is_file():
            return cand
    return None


def _head_of(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(_HEAD_BYTES)


#: the files and folders of an unzipped export, beside export.xml
EXPORT_FILES = ("export.xml", "export_cda.xml")
EXPORT_FOLDERS = ("workout-routes", "electrocardiograms", "clinical-records")


def is_export_folder(path: str | Path) -> bool:
    """Whether a folder is an unzipped Apple Health export: it holds an export.xml with ``<HealthData>`` itself."""
    xml = Path(path) / "export.xml"
    try:
        return xml.is_file() and sniff(_head_of(xml))
    except OSError:
        return False


def export_folder_of(path: str | Path) -> Path | None:
    """The folder of the Apple Health export a file would belong to (its export.xml, export_cda.xml, a
    route...), by its place alone; None for any other file. Whether that folder is an export is
    :func:`is_export_folder`'s to say."""
    p = Path(path)
    if p.name in EXPORT_FILES:
        return p.parent
    if p.parent.name in EXPORT_FOLDERS:
        return p.parent.parent
    return None


def is_export_zip(path: str | Path) -> bool:
    """Whether a file is an Apple Health ``export.zip`` (holds an export.xml with ``<HealthData>``)."""
    p = Path(path)
    try:
        if not p.is_file() or not zipfile.is_zipfile(p):
            return False
        zf = archive.open_zip(p)
        info = _zip_export_member(zf)
        return info is not None and sniff(archive.read_member(zf, info, label=p, limit=_HEAD_BYTES,
                                                              max_bytes=MAX_EXPORT_BYTES))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RunlogError):
        return False


def _from_zip(zf: zipfile.ZipFile, label: str) -> _Export:
    info = _zip_export_member(zf)
    if info is None:
        raise RunlogError("no export.xml in this zip (is it an Apple Health export?)", path=label)
    where = f"{label}/{archive.member_label(info.filename)}"
    why = archive.member_refusal(info, max_bytes=MAX_EXPORT_BYTES)
    if why:
        raise archive.ArchiveLimitError(why, path=where)
    prefix = info.filename[: -len(PurePosixPath(info.filename).name)]
    names = {i.filename: i for i in zf.infolist() if not i.is_dir()}
    budget = archive.ZipBudget()

    def open_xml():
        try:
            return zf.open(info)  # zipfile stops at the declared size, which member_refusal bounded
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError,
                EOFError, OSError, zlib.error) as exc:
            raise RunlogError(f"cannot read this zip member: {' '.join(str(exc).split()) or type(exc).__name__}",
                              path=where) from exc

    def fetch(rel: str) -> bytes | None:
        member = names.get(prefix + rel.lstrip("/"))
        if member is None:
            return None
        export.fetched.add(member.filename)
        refused = budget.take(member)
        if refused:
            raise archive.ArchiveLimitError(refused, path=f"{label}/{member.filename}")
        return archive.read_member(zf, member, label=f"{label}/{archive.member_label(member.filename)}")

    others = [i.filename for i in zf.infolist() if not i.is_dir() and i is not info]
    export = _Export(where, open_xml, fetch, where, container=label, others=others)
    return export


def _from_file(xml: Path, label: str, root: Path | None, container: str | None = None) -> _Export:
    """export.xml on disk; routes from ``root`` (its folder); ``container``: the folder given, if any."""

    def fetch(rel: str) -> bytes | None:
        if root is None:
            return None
        base = root.resolve()
        path = root / rel.lstrip("/")
        try:
            inside = base in path.resolve().parents
        except (OSError, RuntimeError):
            return None
        if not (inside and path.is_file()):
            return None
        export.fetched.add(path.relative_to(root).as_posix())
        return path.read_bytes()

    others = []
    if container is not None and root is not None:
        others = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                        if p.is_file() and not p.name.startswith(".") and p != xml)
    export = _Export(label, lambda: xml.open("rb", buffering=0), fetch, label, container=container, others=others)
    return export


def _open_source(source: str | Path | bytes, name: str | None) -> _Export:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "export.xml"
        if data[:4] == b"PK\x03\x04":
            return _from_zip(archive.zip_of_bytes(data, label), label)
        return _Export(label, lambda: io.BytesIO(data), None, label)
    path = Path(source)
    label = name or str(path)
    if path.is_dir():
        xml = _folder_export(path)
        if xml is None:
            raise RunlogError("no export.xml in this folder (is it an Apple Health export?)", path=label)
        return _from_file(xml, f"{label}/{xml.relative_to(path).as_posix()}", xml.parent, container=label)
    if not path.is_file():
        raise RunlogError("no such file", path=label)
    if zipfile.is_zipfile(path):
        return _from_zip(archive.open_zip(path), label)
    return _from_file(path, label, path.parent)


# --------------------------------------------------------------------------- the scan


@dataclass
class ScanStats:
    """What the scan of one export.xml saw besides the workouts."""

    bytes_read: int = 0
    head: bytes = b""
    tail: bytes = b""
    workouts: int = 0

    @property
    def closed(self) -> bool:
        """Whether the file ends with the root's closing tag (else it was cut short)."""
        return b"</HealthData" in self.tail

    @property
    def declares_entities(self) -> bool:
        return b"<!ENTITY" in self.head


def _element_end(buf: bytearray, i: int, n: int) -> int:
    """End (exclusive) of the ``<Workout`` element at ``i`` of ``buf[:n]``; -1 if incomplete, -2 if another tag."""
    j = i + len(_OPEN)
    if j >= n:
        return -1
    if buf[j] not in b" \t\r\n>/":
        return -2  # <WorkoutSomething: not a Workout
    lt = buf.find(b"<", j, n)  # '<' cannot be inside an attribute: the start tag ends before it
    if lt < 0:
        return -1
    k = lt - 1
    while k > i and buf[k] in _SPACE:
        k -= 1
    if buf[k] == ord(">") and buf[k - 1] == ord("/"):
        return k + 1  # <Workout .../>
    m = buf.find(_CLOSE, lt, n)
    while m >= 0:
        after = m + len(_CLOSE)
        if after >= n:
            return -1
        if buf[after] in b">" + _SPACE:
            gt = buf.find(b">", after, n)
            return gt + 1 if gt >= 0 else -1
        m = buf.find(_CLOSE, after, n)
    return -1


class _Buffer:
    """A reusable byte buffer filled from a binary stream with ``readinto`` (no new object per chunk).

    ``data[:n]`` holds the bytes not yet consumed, from stream offset ``offset``. Allocating a new
    8 MiB ``bytes`` per chunk would cost page faults on every chunk, more than the search itself.
    """

    def __init__(self, fh, chunk_bytes: int, stats: ScanStats):
        self.fh, self.chunk, self.stats = fh, chunk_bytes, stats
        self.data = bytearray(chunk_bytes + _KEEP_BYTES)
        self.n = 0
        self.eof = False

    def keep_from(self, start: int) -> None:
        """Drop ``data[:start]``: what follows moves to the front."""
        rest = self.n - start
        if start and rest:
            self.data[:rest] = self.data[start:self.n]
        self.n = rest

    def fill(self) -> bool:
        """Read one more chunk after the kept bytes; False at the end of the stream."""
        if len(self.data) < self.n + self.chunk:
            self.data.extend(bytes(self.n + self.chunk - len(self.data)))
        view = memoryview(self.data)[self.n:self.n + self.chunk]
        readinto = getattr(self.fh, "readinto", None)
        if readinto is not None:
            got = readinto(view) or 0
        else:
            piece = self.fh.read(self.chunk)
            got = len(piece)
            view[:got] = piece
        view.release()
        if not got:
            self.eof = True
            return False
        new = self.data[self.n:self.n + got] if len(self.stats.head) < _HEAD_BYTES else b""
        self.stats.head += bytes(new[: _HEAD_BYTES - len(self.stats.head)])
        self.n += got
        self.stats.tail = bytes(self.data[max(0, self.n - 256):self.n])
        self.stats.bytes_read += got
        return True


def scan_workouts(
    fh,
    stats: ScanStats | None = None,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    max_element_bytes: int = MAX_ELEMENT_BYTES,
) -> Iterator[tuple[int, bytes | None, str]]:
    """The ``<Workout>`` elements of an export.xml stream, without parsing anything else.

    Parameters
    ----------
    fh : binary file object
        The export.xml stream (a file opened ``rb``, a zip member, ``io.BytesIO``);
        read with ``readinto`` where it has one.
    stats : ScanStats, optional
        Filled while scanning: bytes read, the first 64 KiB, the last bytes.
    chunk_bytes : int
        Bytes read per step.
    max_element_bytes : int
        A workout element larger than this is not returned (its reason says why).

    Yields
    ------
    (int, bytes or None, str)
        The workout's number in the file (1-based), its bytes (``<Workout ...>
        ... </Workout>``), and a reason when the bytes are None (too large, or
        the file ends inside it).
    """
    stats = stats if stats is not None else ScanStats()
    buf = _Buffer(fh, chunk_bytes, stats)
    pos = 0
    skipping = False  # inside a workout too large to hold: looking for its end
    while True:
        data, n = buf.data, buf.n
        if skipping:
            m = data.find(_CLOSE, pos, n)
            if m < 0:
                buf.keep_from(max(pos, n - len(_CLOSE)))
                pos = 0
                if not buf.fill():
                    return
                continue
            skipping, pos = False, m + len(_CLOSE)
            continue
        h = data.find(_ATTR, pos, n)
        if h < 0:
            buf.keep_from(max(pos, n - _KEEP_BYTES))
            pos = 0
            if not buf.fill():
                return
            continue
        i = data.rfind(b"<", pos, h)  # the tag holding the attribute: no '<' can come between
        end = _element_end(data, i, n) if i >= 0 and data.startswith(_OPEN, i) else -2
        if end == -2:  # the DTD's <!ATTLIST Workout workoutActivityType ...>, or the word in a value
            pos = h + len(_ATTR)
            continue
        if end == -1:
            if n - i > max_element_bytes:
                stats.workouts += 1
                yield stats.workouts, None, (f"workout element over {max_element_bytes / 2**20:g} MiB "
                                             "(a route of millions of points?): not read")
                skipping, pos = True, i + len(_OPEN)
                continue
            buf.keep_from(i)
            pos = 0
            if not buf.fill():
                stats.workouts += 1
                yield stats.workouts, None, "the file ends inside this workout (cut short?): not read"
                return
            continue
        stats.workouts += 1
        yield stats.workouts, bytes(data[i:end]), ""
        pos = end


# --------------------------------------------------------------------------- one workout


class _WorkoutError(ValueError):
    """A workout that cannot be read (not well-formed, no start date)."""


def parse_date(text: str | None) -> pd.Timestamp:
    """An Apple Health date (``2016-11-14 07:25:41 -0700``) as a UTC timestamp.

    Raises
    ------
    ValueError
        When it is not in that layout.
    """
    if not text:
        raise ValueError("no date")
    dt = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z")
    return pd.Timestamp(dt).tz_convert("UTC")


def _float(text) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _quantity(text: str | None) -> tuple[float, str]:
    """A metadata quantity ``"6575 cm"`` as (value, unit)."""
    m = re.match(r"^\s*([-+0-9.eE]+)\s*([A-Za-z%/]*)\s*$", text or "")
    return (_float(m.group(1)), m.group(2)) if m else (math.nan, "")


def _length_m(value: float, unit: str | None) -> float:
    factor = _LENGTH_M.get((unit or "").strip())
    return value * factor if factor is not None else math.nan


@dataclass
class _Workout:
    """The fields of one ``<Workout>`` runlog uses."""

    number: int
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp | None
    source_name: str
    watch: bool
    values: dict
    zone: str | None
    indoor: bool
    route_files: list[str] = field(default_factory=list)
    inline_route: dict | None = None

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds() if self.end is not None else math.nan

    @property
    def short_kind(self) -> str:
        return self.kind.removeprefix("HKWorkoutActivityType") or "?"


def _statistics(el: etree._Element) -> dict[str, etree._Element]:
    return {s.get("type", ""): s for s in el if s.tag == "WorkoutStatistics"}


def parse_workout(number: int, data: bytes) -> _Workout:
    """One ``<Workout>`` element's bytes as the fields runlog uses (see the module notes).

    Raises
    ------
    _WorkoutError
        Not well-formed XML (an undefined entity included), or no start date.
    """
    try:
        el = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _WorkoutError(f"not well-formed XML ({' '.join(str(exc).split())[:160]})") from exc
    kind = el.get("workoutActivityType") or "?"
    try:
        start = parse_date(el.get("startDate"))
    except (ValueError, OverflowError) as exc:
        raise _WorkoutError(f"start date {str(el.get('startDate'))[:40]!r} not readable ({exc})") from exc
    try:
        end = parse_date(el.get("endDate"))
    except (ValueError, OverflowError):
        end = None
    meta = {m.get("key"): m.get("value") for m in el if m.tag == "MetadataEntry"}
    source_name = (el.get("sourceName") or "").strip()
    device = el.get("device") or ""
    watch = bool(_WATCH.search(source_name)) or "model:Watch" in device
    zone = meta.get("HKTimeZone")
    indoor = str(meta.get("HKIndoorWorkout", "")).strip() in ("1", "true", "YES")
    w = _Workout(number, kind, start, end, source_name, watch, {}, zone, indoor)
    if kind != RUNNING:
        return w
    w.values = _values(el, meta, w)
    for route in (r for r in el if r.tag == "WorkoutRoute"):
        for ref in route:
            if ref.tag == "FileReference" and ref.get("path"):
                w.route_files.append(ref.get("path"))
        locations = [loc for loc in route if loc.tag == "Location"]
        if locations:
            w.inline_route = _inline_route(locations, w.inline_route)
    return w


def _values(el: etree._Element, meta: dict, w: _Workout) -> dict:
    """Runs-row values from attributes (old layout) or direct WorkoutStatistics children (new)."""
    stats = _statistics(el)

    def stat(name: str, attr: str) -> tuple[float, str]:
        s = stats.get(f"HKQuantityTypeIdentifier{name}")
        return (_float(s.get(attr)), s.get("unit") or "") if s is not None else (math.nan, "")

    duration = _float(el.get("duration")) * _DURATION_S.get((el.get("durationUnit") or "min").strip(), math.nan)
    distance = _length_m(_float(el.get("totalDistance")), el.get("totalDistanceUnit"))
    if math.isnan(distance):
        distance = _length_m(*stat("DistanceWalkingRunning", "sum"))
    hr, hr_unit = stat("HeartRate", "average")
    if hr_unit not in ("count/min", ""):
        hr = math.nan
    steps, _ = stat("StepCount", "sum")
    stride, stride_unit = stat("RunningStrideLength", "average")
    contact, contact_unit = stat("RunningGroundContactTime", "average")
    osc, osc_unit = stat("RunningVerticalOscillation", "average")
    power, power_unit = stat("RunningPower", "average")
    ascent, ascent_unit = _quantity(meta.get("HKElevationAscended"))
    elapsed = w.duration_s
    moving = duration if duration > 0 else elapsed
    values = {  # by Apple's name, in canonical units
        "totalDistance": distance if distance >= 0 else math.nan,
        "duration": moving if moving > 0 else math.nan,
        "HKQuantityTypeIdentifierHeartRate": hr if hr > 0 else math.nan,
        "HKQuantityTypeIdentifierStepCount": steps / (moving / 60) if steps > 0 and moving > 0 else math.nan,
        "HKElevationAscended": _length_m(ascent, ascent_unit),
        "HKQuantityTypeIdentifierRunningStrideLength":
            _length_m(stride, stride_unit) * 1000 if stride > 0 else math.nan,
        "HKQuantityTypeIdentifierRunningGroundContactTime":
            contact * _TIME_MS.get(contact_unit, math.nan) if contact > 0 else math.nan,
        "HKQuantityTypeIdentifierRunningVerticalOscillation":
            _length_m(osc, osc_unit) * 1000 if osc > 0 else math.nan,
        "HKQuantityTypeIdentifierRunningPower": power if power > 0 and power_unit in ("W", "") else math.nan,
    }
    out = {VARIABLE_MAP[name]: value for name, value in values.items()}
    out["elapsed_time_s"] = elapsed if elapsed > 0 else math.nan  # the workout's start to end
    return out


# --------------------------------------------------------------------------- routes


_POINT_COLUMNS = ("latitude_deg", "longitude_deg", "altitude_m", "speed_mps")


def _points(times_ns: np.ndarray, lat, lon, alt, speed) -> dict[str, np.ndarray]:
    """Route points as numpy columns: ``time_ns`` (UTC, int64; NaT as the minimum) and the float columns."""
    cols = [np.asarray(c, dtype="float64") for c in (lat, lon, alt, speed)]
    return {"time_ns": np.asarray(times_ns, dtype="int64"), **dict(zip(_POINT_COLUMNS, cols, strict=True))}


def _ns(times) -> np.ndarray:
    """Parsed UTC times (Series or DatetimeIndex, any unit) as int64 nanoseconds; NaT as the int64 minimum."""
    return pd.DatetimeIndex(times).tz_convert("UTC").tz_localize(None).as_unit("ns").asi8


def _inline_route(locations: list, before: dict | None) -> dict:
    """Points of inline ``<Location>`` elements (old layout), added to ``before``."""
    times = pd.to_datetime([loc.get("date") for loc in locations], format="%Y-%m-%d %H:%M:%S %z", utc=True,
                           errors="coerce")
    pts = _points(_ns(times),
                  *([_float(loc.get(k)) for loc in locations] for k in ("latitude", "longitude", "altitude", "speed")))
    if before is None:
        return pts
    return {k: np.concatenate([before[k], pts[k]]) for k in pts}


def _texts(points: list, root: etree._Element, path: str, ns: dict) -> list | None:
    """``text()`` of ``path`` below every point, when every point has exactly one (else None)."""
    found = root.xpath(f"//g:trkpt/{path}/text()" if ns else f"//trkpt/{path.replace('g:', '')}/text()",
                       namespaces=ns or None)
    return found if len(found) == len(points) else None


#: the point layout the Health app writes, in either attribute order (the fast path of route_points)
_APPLE_POINT = re.compile(
    rb'<trkpt\s+(?:lon="([^"<]*)"\s+lat="([^"<]*)"|lat="([^"<]*)"\s+lon="([^"<]*)")\s*>\s*'
    rb"<ele>([^<]*)</ele>\s*<time>([^<]*)</time>\s*<extensions>\s*<speed>([^<]*)</speed>"
)


def route_points(data: bytes) -> dict[str, np.ndarray]:
    """The points of one of the export's route files (GPX 1.1, ``creator="Apple Health Export"``).

    The Health app writes every point in one layout (``<trkpt lon lat><ele>
    <time><extensions><speed>...``). When every ``<trkpt`` of the file is in
    that layout, the columns are taken with one regular expression over the
    bytes (written by hand: parsing a 3,600-point file into an element tree
    and querying it costs about ten times as long, and an export holds one or
    more such files per run). Any other file is parsed with lxml (safe
    parser) and queried with XPath; a column some point lacks is read point
    by point.

    Returns
    -------
    dict of ndarray
        ``time_ns`` (UTC nanoseconds, int64), ``latitude_deg``,
        ``longitude_deg``, ``altitude_m``, ``speed_mps`` (m/s).

    Raises
    ------
    lxml.etree.XMLSyntaxError
        When the file is not well-formed XML.
    """
    fast = _APPLE_POINT.findall(data)
    if fast and len(fast) == data.count(b"<trkpt"):
        lon1, lat1, lat2, lon2, ele, when, speed = zip(*fast, strict=True)
        times = pd.to_datetime(pd.Series([t.decode("ascii", "replace") for t in when], dtype="object"),
                               utc=True, errors="coerce", format="ISO8601")
        lat = [a or b for a, b in zip(lat1, lat2, strict=True)]
        lon = [a or b for a, b in zip(lon1, lon2, strict=True)]
        return _points(_ns(times), _floats(lat), _floats(lon), _floats(ele), _floats(speed))
    root = etree.fromstring(data, _PARSER)
    default = root.nsmap.get(None) if hasattr(root, "nsmap") else None
    ns = {"g": default} if default else {}
    points = root.xpath("//g:trkpt", namespaces=ns) if ns else root.xpath("//trkpt")
    cols = {}
    for key, path in (("time", "g:time"), ("ele", "g:ele"), ("speed", "g:extensions/g:speed")):
        found = _texts(points, root, path, ns)
        if found is None:  # some point lacks it: one by one
            name = path.rpartition(":")[2]
            found = [next((c.text for c in p.iter() if isinstance(c.tag, str) and c.tag.endswith(name)), None)
                     for p in points]
        cols[key] = found
    times = pd.to_datetime(pd.Series(cols["time"], dtype="object"), utc=True, errors="coerce", format="ISO8601")
    lat = root.xpath("//g:trkpt/@lat", namespaces=ns) if ns else root.xpath("//trkpt/@lat")
    lon = root.xpath("//g:trkpt/@lon", namespaces=ns) if ns else root.xpath("//trkpt/@lon")
    if len(lat) != len(points) or len(lon) != len(points):
        lat, lon = [p.get("lat") for p in points], [p.get("lon") for p in points]
    return _points(_ns(times), _floats(lat), _floats(lon), _floats(cols["ele"]), _floats(cols["speed"]))


def _floats(values: list) -> np.ndarray:
    """Numbers written as text, in C where every one reads; else one by one (NaN for what does not)."""
    try:
        out = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        out = np.array([_float(v) for v in values], dtype="float64")
    out[~np.isfinite(out)] = np.nan
    return out


def _route_samples(w: _Workout, fetch, positions: bool) -> tuple[dict | None, list[str]]:
    """A run's samples from its route (inline or files), as numpy columns, and notes for the log."""
    parts, notes = [], []
    if w.inline_route is not None:
        parts.append(w.inline_route)
    for ref in w.route_files:
        name = PurePosixPath(ref).name
        try:
            data = fetch(ref) if fetch is not None else None
        except RunlogError as exc:
            notes.append(f"route {name}: {exc.reason}")
            continue
        if data is None:
            notes.append(f"route file {name} not found beside export.xml: no route samples from it")
            continue
        try:
            points = route_points(data)
        except (etree.XMLSyntaxError, ValueError) as exc:
            notes.append(f"route {name} not readable ({' '.join(str(exc).split())[:100]})")
            continue
        notes.append(f"route {name}: {len(points['time_ns'])} points")
        parts.append(points)
    if not parts:
        return None, notes
    route = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    t = route["time_ns"]
    lo = w.start.value - int(ROUTE_MARGIN_S * 1e9)
    hi = (w.end if w.end is not None else w.start).value + int(ROUTE_MARGIN_S * 1e9)
    keep = np.flatnonzero((t >= lo) & (t <= hi))  # NaT (int64 minimum) falls outside
    if not len(keep):
        notes.append("no route point falls within the workout's times: route not used as samples")
        return None, notes
    keep = keep[np.argsort(t[keep], kind="stable")]
    keep = keep[np.r_[True, np.diff(t[keep]) != 0]]  # one point per instant: the first
    lat, lon = np.radians(route["latitude_deg"][keep]), np.radians(route["longitude_deg"][keep])
    a = (np.sin(np.diff(lat) / 2) ** 2
         + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2)
    step = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    speed = route["speed_mps"][keep]
    out = {
        "time_ns": t[keep],
        "elapsed_s": (t[keep] - w.start.value) / 1e9,
        "distance_m": np.r_[0.0, np.nancumsum(step)],
        "speed_mps": np.where(speed >= 0, speed, np.nan),
        "altitude_m": route["altitude_m"][keep],
    }
    if positions:
        out["latitude_deg"] = route["latitude_deg"][keep]
        out["longitude_deg"] = route["longitude_deg"][keep]
    return out, notes


def _samples_frame(parts: list[tuple[str, dict]]) -> pd.DataFrame | None:
    """One samples frame from every run's numpy columns (built once: a frame per run costs more)."""
    if not parts:
        return None
    cols = {k: np.concatenate([p[k] for _, p in parts]) for k in parts[0][1]}
    ids = np.repeat(np.array([aid for aid, _ in parts], dtype=object), [len(p["time_ns"]) for _, p in parts])
    frame = pd.DataFrame({"activity_id": ids, "time": pd.to_datetime(cols.pop("time_ns"), utc=True), **cols})
    return frame


# --------------------------------------------------------------------------- the same run, several apps


def _overlap(a: _Workout, b: _Workout) -> float:
    """Share of the shorter workout's time covered by both (0-1); by start alone when a duration is missing."""
    da, db = a.duration_s, b.duration_s
    if not (da > 0 and db > 0):
        return 1.0 if abs((a.start - b.start).total_seconds()) <= 60 else 0.0
    both = (min(a.end, b.end) - max(a.start, b.start)).total_seconds()
    return max(both, 0.0) / min(da, db)


def _data_score(w: _Workout) -> int:
    v = w.values
    return sum(not math.isnan(v.get(k, math.nan)) for k in ("distance_m", "avg_heart_rate_bpm")) + bool(
        w.route_files or w.inline_route is not None)


def _copies(runs: list[_Workout]) -> list[list[_Workout]]:
    """Groups of running workouts that are one run (times overlapping by SAME_RUN_OVERLAP), best first."""
    groups: list[list[_Workout]] = []
    for w in sorted(runs, key=lambda r: r.start):
        for g in groups[-8:]:
            if any(_overlap(w, o) >= SAME_RUN_OVERLAP for o in g):
                g.append(w)
                break
        else:
            groups.append([w])
    return [sorted(g, key=lambda r: (not r.watch, -_data_score(r), r.number)) for g in groups]


def _why_kept(kept: _Workout, other: _Workout) -> str:
    if kept.watch and not other.watch:
        return "the watch recorded it, the app copied it"
    if _data_score(kept) > _data_score(other):
        return "it has more data (distance, heart rate, route)"
    return "it comes first in the export"


def _who(w: _Workout) -> str:
    return w.source_name or "an unnamed app"


# --------------------------------------------------------------------------- the reader


def read_apple_health(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read an Apple Health export into canonical runs, samples and import log.

    Parameters
    ----------
    source : str, Path or bytes
        ``export.zip`` (path or content), the unzipped ``apple_health_export/``
        folder (or the folder holding it), or ``export.xml`` (path or content).
    tz : str, optional
        IANA zone for the local ``date`` of workouts without ``HKTimeZone``
        (default UTC).
    name : str, optional
        Label for the import log when ``source`` is bytes.
    positions : bool, default False
        Add ``latitude_deg`` and ``longitude_deg`` to the route samples.

    Returns
    -------
    ReadResult
        One run per running workout (the same run written by several apps
        once; ``activity_id`` ``apple_health:<12 hex>`` from the type, the
        start and end instants and the app, so it is the same in every later
        export); samples from the routes; one import-log row per workout
        (``row`` = the workout's number in export.xml), imported, duplicate
        (another app's copy, with the copy kept and why) or ``not_a_run``
        with its type.

    Raises
    ------
    RunlogError
        No export.xml in the folder or zip, or an export.xml over the limits.

    Notes
    -----
    Units: ``duration`` is in ``durationUnit`` (min); distances in ``mi``,
    ``km``, ``m``, ``ft`` or ``yd`` as written; heart rate count/min;
    ``avg_cadence_spm`` = ``StepCount`` sum / moving minutes;
    ``avg_step_length_mm`` from ``RunningStrideLength`` (Apple's stride
    length is one step's length), ``avg_stance_time_ms`` from
    ``RunningGroundContactTime`` (ms), ``avg_vertical_oscillation_mm`` from
    ``RunningVerticalOscillation`` (cm), ``avg_power_w`` from
    ``RunningPower`` (W). Route samples: ``distance_m`` is the cumulative
    great-circle length of the route (haversine), ``speed_mps`` the
    location's own speed.
    """
    export = _open_source(source, name)
    stats = ScanStats()
    label = export.where
    log: list[dict] = []
    runs: list[_Workout] = []
    try:
        with export.open_xml() as fh:
            for number, data, why in scan_workouts(fh, stats):
                if data is None:
                    log.append(log_row(label, "failed", f"workout {number}: {why}", row=number, source=SOURCE))
                    continue
                try:
                    w = parse_workout(number, data)
                except _WorkoutError as exc:
                    log.append(log_row(label, "failed", f"workout {number}: {exc}", row=number, source=SOURCE))
                    continue
                if w.kind != RUNNING:
                    log.append(log_row(label, "not_a_run", f"{w.short_kind} workout is not a run "
                                       f"({w.start:%Y-%m-%d %H:%M} UTC, {_who(w)})", row=number, source=SOURCE))
                    continue
                runs.append(w)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, ValueError, RuntimeError, NotImplementedError) as exc:
        log.append(log_row(label, "failed", f"export.xml not readable past {stats.bytes_read} bytes: "
                           f"{' '.join(str(exc).split())[:120]}", source=SOURCE))
    if stats.workouts == 0 and not log:
        if not sniff(stats.head):
            raise RunlogError("not an Apple Health export.xml (no <HealthData> root element)", path=label)
        log.append(log_row(label, "not_a_run", f"no workouts in this Apple Health export "
                           f"({stats.bytes_read / 1e6:.1f} MB read)", source=SOURCE))
    if stats.bytes_read and not stats.closed:
        log.append(log_row(label, "failed", "export.xml ends before </HealthData> (cut short?): workouts after "
                           "the cut are missing", source=SOURCE))
    records, samples = [], []
    for group in _copies(runs):
        kept = group[0]
        aid = _activity_id(kept)
        points, notes = _route_samples(kept, export.fetch, positions)
        record = {"activity_id": aid, "start_time": kept.start, "sport": _sport(kept), "name": pd.NA,
                  **kept.values, "source": SOURCE, "source_file": label}
        record["date"], zone_note = _date(kept, tz)
        records.append(record)
        if points is not None:
            samples.append((aid, points))
        said = [f"recorded by {_who(kept)}", zone_note, *notes]
        if len(group) > 1:
            said.insert(1, "kept this copy of " + str(len(group)) + " (also written by "
                        + ", ".join(_who(o) for o in group[1:]) + f"): {_why_kept(kept, group[1])}")
        log.append(log_row(label, "imported", "; ".join(filter(None, said)), row=kept.number, activity_id=aid,
                           source=SOURCE))
        for other in group[1:]:
            log.append(log_row(
                label, "duplicate",
                f"same run as {aid}, written by {_who(other)} (times overlap {100 * _overlap(kept, other):.0f} %); "
                f"kept the copy by {_who(kept)}: {_why_kept(kept, other)}",
                row=other.number, activity_id=_activity_id(other), source=SOURCE))
    log.sort(key=lambda r: (r["row"] is None, r["row"] or 0))
    unread = [n for n in export.others
              if n not in export.fetched and not n.rsplit("/", 1)[-1].startswith(".")]
    if unread:
        shown = ", ".join(archive.member_label(n) for n in unread[:3]) + (", ..." if len(unread) > 3 else "")
        log.append(log_row(export.container, "not_a_run", f"{len(unread)} other file(s) of the export hold no "
                           f"workouts, not read: {shown}", source=SOURCE))
    if stats.declares_entities and log:
        note = "the DOCTYPE declares entities: never expanded"
        log[0]["reason"] = f"{log[0]['reason']}; {note}" if log[0]["reason"] else note
    return ReadResult.build(
        runs=_with_dynamics(pd.DataFrame(records)) if records else None,
        samples=_samples_frame(samples),
        log_rows=log,
    )


def _with_dynamics(runs: pd.DataFrame) -> pd.DataFrame:
    """The running-dynamics columns some run has, as ``Float64``; the others dropped."""
    for col, dtype in schema.RUN_DYNAMICS_DTYPES.items():
        if col in runs:
            if runs[col].notna().any():
                runs[col] = runs[col].astype(dtype)
            else:
                runs = runs.drop(columns=[col])
    return runs


def _activity_id(w: _Workout) -> str:
    end = w.end.isoformat() if w.end is not None else ""
    key = f"{w.kind}|{w.start.isoformat()}|{end}|{w.source_name}"
    return f"{SOURCE}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def _sport(w: _Workout) -> str:
    return "treadmill_running" if w.indoor else "running"


def _date(w: _Workout, tz) -> tuple[pd.Timestamp, str]:
    """The run's local date from HKTimeZone, else in ``tz``; and a note when ``tz`` was used."""
    if w.zone:
        try:
            return _day(w.start, get_zone(w.zone)), ""
        except RunlogError:
            pass
    return _day(w.start, get_zone(tz)), f"no HKTimeZone: local date in {tz or 'UTC'}"


def _day(t: pd.Timestamp, zone) -> pd.Timestamp:
    """The local calendar date (naive midnight) of the instant ``t`` in ``zone``."""
    return pd.Timestamp(t.to_pydatetime().astimezone(zone).date())
