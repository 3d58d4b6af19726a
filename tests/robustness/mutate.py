"""Mutation engine: damaged and hostile variants of real export files.

Runners hand over years of exports: files truncated by a failed download,
re-saved in Excel (another delimiter, encoding, decimal comma, quoting),
hand-edited (a column dropped or duplicated, the header shuffled, garbage rows),
bit-rotted, or hostile (a zip from somewhere, an XML entity bomb). This module
turns a seed file into such a mutant, deterministically from a
:class:`Chooser`: with :class:`RandomChooser` (``random.Random``) for
``benchmarks/fuzz.py``, with :class:`HypothesisChooser` (``st.data()``) in the
tests, so that Hypothesis can shrink a failing mutant.

A CSV seed is parsed into records first; structural mutations act on the
records and the result is written back with :mod:`csv`, so the engine knows
exactly which records the mutant holds. Byte mutations (truncation, flipped
bytes, junk) then act on the bytes, and a wrap (gzip, zip with a hostile
member name) may follow.

Written by hand: Hypothesis generates values, not file mutations, and the
format-aware operations (CSV columns, XML entities, FIT headers) are specific
to runlog's inputs.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

#: formats read by :func:`analysis.ingest.read_sources` (activity exports)
ACTIVITY_FORMATS = ("fit", "tcx", "gpx", "strava", "garmin_csv", "garmin_json", "csv", "strava_zip",
                    "apple_health", "apple_zip", "polar", "fitbit")
#: exports read whole from a zip: their members are mutated, the zip is not wrapped again
CONTAINER_FORMATS = ("strava_zip", "apple_zip")
#: JSON activity formats: values replaced by odd ones (bare NaN, wrong types), nesting made deep
JSON_FORMATS = ("garmin_json", "polar", "fitbit")
#: side files read by their own readers (not activity exports)
SIDE_FORMATS = ("strava_shoes", "shoes", "pain", "drills")
#: tabular activity formats: one import-log row per data record
CSV_FORMATS = ("strava", "garmin_csv", "csv")
TEXT_FORMATS = (*CSV_FORMATS, "strava_shoes", "shoes", "pain", "drills")
XML_FORMATS = ("tcx", "gpx", "apple_health")

#: a generic canonical CSV (FORMATS.md "generic CSV"), with the quirks readers meet
GENERIC_CSV_SEED = (
    "start_time,distance_m,moving_time_s,elapsed_time_s,sport,name,gear_name,avg_heart_rate_bpm,rpe\n"
    "2025-03-01T07:30:00Z,10012.5,3120,3300,running,Morning run,Ghost 15,148,4\n"
    "2025-03-02 18:05,5000,1600,,trail_running,\"Hills, with a comma\",FiveFingers,,\n"
    "2025-03-03T06:00:00+01:00,8000.0,2500,2600,Run,\"Line\nbreak\",,151,7\n"
    "2025-03-04,4000,,,,date only,,,\n"
    "2025-03-05T07:00:00Z,21097.5,6500,6600,cycling,Ride,,,\n"
    "2025-03-06T07:00:00Z,abc,1000,,running,bad distance,,,\n"
)

#: a Fitbit exercise-0.json (FORMATS.md "Fitbit": no real one may be redistributed), with the quirks of
#: real archives: both time layouts, ms, Mile/Kilometer, no distance, a 3-second "run", an hours-long one
FITBIT_SEED = json.dumps([
    {"logId": 30155383633, "activityName": "Run", "activityTypeId": 90009, "averageHeartRate": 152,
     "calories": 512, "duration": 2405000, "activeDuration": 2400000, "steps": 6800, "logType": "mobile_run",
     "startTime": "03/28/20 23:17:51", "distance": 4.2, "distanceUnit": "Mile", "hasGps": True,
     "tcxLink": "https://www.fitbit.com/activities/exercise/30155383633?export=tcx"},
    {"logId": 30155383634, "activityName": "Run", "activityTypeId": 90009, "duration": 3000,
     "activeDuration": 3000, "logType": "auto_detected", "startTime": "03/29/20 08:00:00", "distance": 0.0,
     "distanceUnit": "Mile"},
    {"logId": 30155383635, "activityName": "Walk", "activityTypeId": 90013, "duration": 1536000,
     "activeDuration": 1536000, "steps": 2197, "logType": "auto_detected", "startTime": "03/29/20 09:00:00"},
    {"logId": 30155383636, "activityName": "Run", "activityTypeId": 90009, "duration": 1800000,
     "activeDuration": 1800000, "logType": "auto_detected", "startTime": "2019-11-01 14:56:32"},
    {"logId": 30155383637, "activityName": "Run", "activityTypeId": 90009, "duration": 7380000,
     "activeDuration": 7380000, "logType": "auto_detected", "startTime": "2019-11-02 14:56:32",
     "distance": 0.4, "distanceUnit": "Mile"},
    {"logId": 30155383638, "activityName": "Treadmill", "activityTypeId": 90019, "duration": 1800000,
     "activeDuration": 1790000, "logType": "tracker", "startTime": "2019-11-03 06:00:00", "distance": 6.1,
     "distanceUnit": "Kilometer", "averageHeartRate": 141},
], indent=2)

#: member names a hostile zip may carry (zip slip, absolute, drive, control characters)
HOSTILE_MEMBER_NAMES = (
    "../../../../tmp/runlog-zip-slip-{name}",
    "/tmp/runlog-absolute-{name}",
    "C:\\Users\\runner\\..\\..\\{name}",
    "a/./b/../../../{name}",
    "ok/\x00nul\n{name}",
    "{name}",
)


class Chooser(Protocol):
    """Where the mutation engine's decisions come from."""

    def integer(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""

    def choice(self, options: Sequence):
        """One of ``options``."""

    def binary(self, max_size: int) -> bytes:
        """Arbitrary bytes, at most ``max_size``."""


class RandomChooser:
    """Decisions from :class:`random.Random` (fast; for the fuzz benchmark)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence):
        return options[self.rng.randrange(len(options))]

    def binary(self, max_size: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, max_size))


class HypothesisChooser:
    """Decisions drawn from Hypothesis' ``st.data()`` (shrinkable; for the tests)."""

    def __init__(self, data):
        from hypothesis import strategies as st

        self.data = data
        self.st = st

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def choice(self, options: Sequence):
        return self.data.draw(self.st.sampled_from(list(options)))

    def binary(self, max_size: int) -> bytes:
        return self.data.draw(self.st.binary(max_size=max_size))


@dataclass(frozen=True)
class Seed:
    """A real file (or a member of a real zip) to mutate, and its format."""

    path: Path
    fmt: str
    member: str | None = None

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def data(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


@dataclass
class Mutant:
    """A mutated file: its bytes, the name to give it, and what was done.

    ``inner`` is the content before any wrap (what the reader of ``fmt``
    sees); ``member`` the zip member name when wrapped in a zip; ``exact``
    whether the CSV row oracle applies (False when a cut gzip hides part of
    ``inner``).
    """

    fmt: str
    name: str
    data: bytes
    inner: bytes
    ops: list[str] = field(default_factory=list)
    member: str | None = None
    exact: bool = True
    csv_member: str | None = None
    csv_bytes: bytes | None = None

    def describe(self) -> str:
        return f"{self.fmt} {self.name}: " + " | ".join(self.ops)


# --------------------------------------------------------------------------- corpus


def _format_of(path: Path) -> str | None:
    """The format of a file of ../shared/data, data/sample or data/templates, by place and name."""
    low = path.name.lower()
    folder = path.parent.name.lower()
    if folder == "polar_flow" and low.endswith(".json"):
        return "polar"
    if low == "export.xml" and folder in ("apple_health", "apple_health_export"):
        return "apple_health"
    if low.endswith((".md", ".json")) and folder != "garmin_json":
        return None
    if folder in ("fit", "tcx", "gpx", "garmin_csv", "garmin_json"):
        return folder
    if low.endswith(".zip"):
        return "strava_zip" if _is_strava_zip(path) else ("apple_zip" if _is_apple_zip(path) else None)
    if low.endswith((".fit", ".fit.gz")):
        return "fit"
    if low.endswith((".tcx", ".tcx.gz")):
        return "tcx"
    if low.endswith((".gpx", ".gpx.gz")):
        return "gpx"
    if "shoes" in low:
        return "strava_shoes" if folder == "strava" else "shoes"
    if "pain" in low:
        return "pain"
    if "drill" in low:
        return "drills"
    if folder == "strava" or low == "activities.csv":
        return "strava"
    if low.endswith(".csv"):
        return "csv"
    return None


def _is_apple_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "apple_health_export/export.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def apple_zip(folder: Path, out: Path) -> Path:
    """An export.zip of an unzipped Apple Health export (``folder`` holds ``apple_health_export/``)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((folder / "apple_health_export").rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return out


def _is_strava_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "activities.csv" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def mini_export(export_zip: Path, out: Path, n_records: int = 25) -> Path:
    """A small Strava export made of the first ``n_records`` rows of a real one and their files.

    Mutating the whole export (hundreds of files) would make each read slow;
    the small one keeps every kind of member (CSV, shoes.csv, ``.fit.gz``).
    """
    with zipfile.ZipFile(export_zip) as zf:
        text = decode_like_readers(zf.read("activities.csv"))
        records = parse_records(text)[: n_records + 1]
        header = [h.strip().lower() for h in records[0]]
        col = header.index("filename") if "filename" in header else None
        wanted = {r[col] for r in records[1:] if col is not None and col < len(r) and r[col]}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as small:
            small.writestr("activities.csv", _write_records(records, delimiter=",", lineterminator="\n",
                                                            quoting=csv.QUOTE_MINIMAL))
            for name in zf.namelist():
                if name in wanted or name == "shoes.csv":
                    small.writestr(name, zf.read(name))
    return out


def corpus(*folders: Path | None, generic_seed_dir: Path | None = None, zip_members: int = 3) -> list[Seed]:
    """Every file of a known format below the given folders (missing folders skipped).

    Parameters
    ----------
    *folders : Path
        E.g. ../shared/data, data/sample, data/templates.
    generic_seed_dir : Path, optional
        Where to write :data:`GENERIC_CSV_SEED` as a seed of the generic CSV
        format (no real file of that format exists), and a small copy of any
        Strava export zip found (:func:`mini_export`).
    zip_members : int
        Activity files of a Strava export zip taken as seeds of their own.
    """
    seeds: list[Seed] = []
    for folder in folders:
        if folder is None or not Path(folder).is_dir():
            continue
        for p in sorted(Path(folder).rglob("*")):
            if not p.is_file() or p.name.startswith(".") or (fmt := _format_of(p)) is None:
                continue
            if fmt != "strava_zip":
                seeds.append(Seed(p, fmt))
                continue
            with zipfile.ZipFile(p) as zf:
                names = zf.namelist()
            seeds.append(Seed(p, "strava", member="activities.csv"))
            activity_files = [n for n in names if n.startswith("activities/")][:zip_members]
            seeds += [Seed(p, _format_of(Path(n)) or "fit", member=n) for n in activity_files]
            if generic_seed_dir is not None:
                small = mini_export(p, Path(generic_seed_dir) / f"mini_{p.stem}.zip")
                seeds.append(Seed(small, "strava_zip"))
    if generic_seed_dir is not None:
        p = Path(generic_seed_dir) / "generic_runs.csv"
        p.write_text(GENERIC_CSV_SEED, encoding="utf-8")
        seeds.append(Seed(p, "csv"))
        p = Path(generic_seed_dir) / "exercise-0.json"
        p.write_text(FITBIT_SEED, encoding="utf-8")
        seeds.append(Seed(p, "fitbit"))
        seeds += _apple_seeds(folders, Path(generic_seed_dir))
    return seeds


def _apple_seeds(folders, seed_dir: Path) -> list[Seed]:
    """The real Apple Health excerpt zipped as export.zip, and a synthetic iOS 16+ export.zip (routes as files,
    a WorkoutActivity, running dynamics, another app's copy, a walk)."""
    out = []
    for folder in folders:
        real = Path(folder) / "apple_health" / "zip_contents" if folder is not None else None
        if real is not None and (real / "apple_health_export" / "export.xml").is_file():
            out.append(Seed(apple_zip(real, seed_dir / "export.zip"), "apple_zip"))
    from tests.io import apple_export as ae

    runs = ae.three_runs_a_walk_and_a_ride()
    (seed_dir / "synthetic.zip").write_bytes(ae.zip_bytes(runs, n_records=40))
    out.append(Seed(seed_dir / "synthetic.zip", "apple_zip"))
    return out


# --------------------------------------------------------------------------- CSV records


def decode_like_readers(data: bytes) -> str:
    """Text as runlog's CSV readers decode it: UTF-16 with a BOM (bad pairs replaced), UTF-8, cp1252, Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def header_delimiter(text: str) -> str:
    """The delimiter among ``,`` ``;`` tab giving the first line the most fields (the readers' rule)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def parse_records(text: str, delimiter: str | None = None) -> list[list[str]]:
    """CSV records of a text (raises :class:`csv.Error` as the readers would meet it)."""
    text = text.lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or header_delimiter(text)))


def expected_rows(data: bytes) -> set[int] | None:
    """Spreadsheet row numbers of the data records of a CSV (header = row 1), counted with :mod:`csv`.

    Records with no value are not data records; the header is the first
    record with a value. None when :mod:`csv` cannot read the text at all (a
    NUL byte, a field over the size limit): then only a whole-file outcome
    is expected.
    """
    try:
        records = parse_records(decode_like_readers(data))
    except csv.Error:
        return None
    filled = [i for i, rec in enumerate(records) if any(c.strip() for c in rec)]
    return {i + 1 for i in filled[1:]}


def _write_records(records: list[list[str]], *, delimiter: str, lineterminator: str, quoting: int) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    writer.writerows(records)
    return buf.getvalue()


# --------------------------------------------------------------------------- operations


def _drop_column(records, ch: Chooser) -> str:
    width = max(len(r) for r in records)
    j = ch.integer(0, width - 1)
    for r in records:
        if j < len(r):
            del r[j]
    return f"drop column {j}"


def _duplicate_column(records, ch: Chooser) -> str:
    width = max(len(r) for r in records)
    j = ch.integer(0, width - 1)
    for r in records:
        if j < len(r):
            r.insert(j + 1, r[j])
    return f"duplicate column {j}"


def _shuffle_header(records, ch: Chooser) -> str:
    header = records[0]
    if len(header) < 2:
        return "shuffle header (too short)"
    i, j = ch.integer(0, len(header) - 1), ch.integer(0, len(header) - 1)
    header[i], header[j] = header[j], header[i]
    k = ch.integer(0, len(header) - 1)
    header.append(header.pop(k))
    return f"header: swap {i}<->{j}, move {k} last"


_GARBAGE_ROWS = (
    ["garbage"],
    ["", "", ""],
    ["\u00e9\u00e8\u00fc\u2603", "ÿþ", "\ufeff"],
    ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"],
    ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)"],
    ["-1e309", "nan", "inf", "-0", "1e308", "99999999999999999999999"],
    ["2025-02-30T25:61:61Z", "Run", "Run", "NaN"],
    ["Total", "", "1,234.5", "12:34:56"],
)


def _garbage_rows(records, ch: Chooser) -> str:
    n = ch.integer(1, 3)
    at = []
    for _ in range(n):
        i = ch.integer(1, len(records))
        row = list(ch.choice(_GARBAGE_ROWS))
        if ch.integer(0, 3) == 0 and len(records) > 1:  # a real row with one cell replaced by junk
            row = list(records[ch.integer(1, len(records) - 1)])
            if row:
                row[ch.integer(0, len(row) - 1)] = ch.choice(("", "--", "x", "-5", "1e400", "12:xx", "¼"))
        records.insert(i, row)
        at.append(i)
    return f"garbage rows at {at}"


def _blank_rows(records, ch: Chooser) -> str:
    i = ch.integer(1, len(records))
    records[i:i] = [[] for _ in range(ch.integer(1, 3))]
    return f"blank rows at {i}"


def _duplicate_rows(records, ch: Chooser) -> str:
    if len(records) < 2:
        return "duplicate rows (none)"
    i = ch.integer(1, len(records) - 1)
    records.insert(ch.integer(i, len(records)), list(records[i]))
    return f"duplicate row {i}"


def _decimal_comma(records, ch: Chooser) -> str:
    """An Excel re-save in a comma-decimal locale: 12.5 -> 12,5 in every cell."""
    number = re.compile(r"^-?\d+\.\d+$")
    for r in records[1:]:
        for k, c in enumerate(r):
            if number.match(c):
                r[k] = c.replace(".", ",")
    return "decimal commas"


_CSV_OPS = {
    "drop_column": _drop_column,
    "duplicate_column": _duplicate_column,
    "shuffle_header": _shuffle_header,
    "garbage_rows": _garbage_rows,
    "blank_rows": _blank_rows,
    "duplicate_rows": _duplicate_rows,
    "decimal_comma": _decimal_comma,
}


def _truncate(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    at = ch.integer(0, max(len(data) - 1, 0))
    return data[:at], f"truncate at {at}/{len(data)}"


def _flip(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    if not data:
        return data, "flip (empty)"
    buf = bytearray(data)
    where = []
    for _ in range(ch.integer(1, 8)):
        # half the flips land in the first 256 bytes: headers and definitions matter most
        hi = min(len(buf), 256) if ch.integer(0, 1) else len(buf)
        i = ch.integer(0, hi - 1)
        buf[i] ^= ch.integer(1, 255)
        where.append(i)
    return bytes(buf), f"flip bytes at {where}"


def _insert_junk(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    at = ch.integer(0, len(data))
    junk = ch.choice((b"\x00", b"\r", b"\n\n", b'"', b"\xff\xfe", b"\xef\xbb\xbf", b"<", b"]]>", b"\x1f\x8b"))
    junk = junk * ch.integer(1, 4) + ch.binary(16)
    return data[:at] + junk + data[at:], f"insert {len(junk)} junk bytes at {at}"


def _delete_range(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    if not data:
        return data, "delete (empty)"
    a = ch.integer(0, len(data) - 1)
    b = min(len(data), a + ch.integer(1, 4096))
    return data[:a] + data[b:], f"delete bytes {a}:{b}"


def _repeat_range(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    if not data:
        return data, "repeat (empty)"
    a = ch.integer(0, len(data) - 1)
    b = min(len(data), a + ch.integer(1, 4096))
    return data[:b] + data[a:b] + data[b:], f"repeat bytes {a}:{b}"


def _empty(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    return ch.choice((b"", b"\n", b"\xef\xbb\xbf", b" \r\n\t ")), "empty file"


_BYTE_OPS = {
    "truncate": _truncate,
    "flip": _flip,
    "insert_junk": _insert_junk,
    "delete_range": _delete_range,
    "repeat_range": _repeat_range,
    "empty": _empty,
}


def _fit_header(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    """Damage the FIT file header: header size, protocol, data size (bytes 4-7), or the CRC."""
    if len(data) < 14:
        return data, "fit header (short)"
    buf = bytearray(data)
    what = ch.choice(("header_size", "data_size_huge", "data_size_zero", "data_size_small", "crc", "magic"))
    if what == "header_size":
        buf[0] = ch.choice((0, 1, 12, 14, 255))
    elif what == "data_size_huge":
        buf[4:8] = (0xFFFFFFF0).to_bytes(4, "little")
    elif what == "data_size_zero":
        buf[4:8] = (0).to_bytes(4, "little")
    elif what == "data_size_small":
        buf[4:8] = ch.integer(1, 64).to_bytes(4, "little")
    elif what == "crc":
        buf[-2:] = b"\x00\x00"
    else:
        buf[8:12] = b".FIX"
    return bytes(buf), f"fit header: {what}"


_ENTITY_BOMB = "".join(
    [f'<!ENTITY e0 "{"x" * 64}">']
    + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)]
)


def _xml_hostile(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    """A DOCTYPE with an entity bomb or an external (file/network) entity, used in the root element."""
    text = data.decode("utf-8", "replace")
    what = ch.choice(("entity_bomb", "external_file", "external_network"))
    if what == "entity_bomb":
        decl, use = _ENTITY_BOMB, "&e9;"
    elif what == "external_file":
        decl, use = '<!ENTITY ext SYSTEM "file:///etc/hostname">', "&ext;"
    else:
        decl, use = '<!ENTITY ext SYSTEM "http://127.0.0.1:9/runlog-xxe">', "&ext;"
    match = re.search(r"<([A-Za-z_][\w:.-]*)[^>]*>", text)
    if match is None:
        return data, f"xml {what} (no element)"
    doctype = f"<!DOCTYPE {match.group(1)} [{decl}]>"
    patched = text[: match.start()] + doctype + match.group(0) + use + text[match.end() :]
    return patched.encode("utf-8"), f"xml {what}"


def _xml_drop_closing(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace")
    closes = [i for i in range(len(text)) if text.startswith("</", i)][:2000]
    if not closes:
        return data, "xml drop closing (none)"
    i = ch.choice(closes)
    j = text.find(">", i)
    return (text[:i] + text[j + 1 :]).encode("utf-8"), f"xml drop closing tag at {i}"


_JSON_ODD_VALUES = (1e400, -1e400, float("nan"), 1e30, -5, 0, 2**70, "x", "", "NaN", None, True, [], {}, [1, 2],
                    "1e3")


def _json_value(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    """Replace one value of a JSON document by an odd one (infinite, huge, wrong type)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return data, "json value (not JSON)"
    paths: list[tuple] = []

    def walk(node, path):
        if len(paths) > 5000:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((*path, k))
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node[:200]):
                paths.append((*path, i))
                walk(v, (*path, i))

    walk(doc, ())
    if not paths:
        return data, "json value (no values)"
    path = ch.choice(paths)
    new = ch.choice(_JSON_ODD_VALUES)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return json.dumps(doc).encode(), f"json {'/'.join(map(str, path[-3:]))} = {new!r}"


def _json_deep(data: bytes, ch: Chooser) -> tuple[bytes, str]:
    """Nest the document thousands of levels deep (past Python's recursion limit)."""
    depth = ch.choice((50, 5_000, 100_000))
    opener, closer = ch.choice(((b"[", b"]"), (b'{"a":', b"}")))
    return opener * depth + data + closer * depth, f"json nested {depth} deep"


# --------------------------------------------------------------------------- wraps


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _info(name: str) -> zipfile.ZipInfo:
    """A member entry with a fixed time: ``writestr`` with a bare name stamps the clock, and two mutants of
    the same seed written across a two-second boundary would differ (the mutations must be deterministic)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _zip(data: bytes, member: str, ch: Chooser) -> tuple[bytes, list[str]]:
    """A zip holding the mutant (and sometimes a directory entry, a link entry, a second copy)."""
    buf = io.BytesIO()
    extras = []
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("folder/"), b"")
        zf.writestr(_info(member), data)
        if ch.integer(0, 2) == 0:
            link = zipfile.ZipInfo("link-to-etc-passwd.fit")
            link.external_attr = (0o120777 << 16)
            zf.writestr(link, b"/etc/passwd")
            extras.append("link member")
        if ch.integer(0, 3) == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
                zf.writestr(_info(member), data)  # the same name twice
            extras.append("duplicate member name")
    return buf.getvalue(), extras


# --------------------------------------------------------------------------- the engine


def _rename(name: str, fmt: str, ch: Chooser) -> tuple[str, str | None]:
    """Sometimes give the file a misleading extension (detection must go by content)."""
    if ch.integer(0, 5):
        return name, None
    stem = name.split(".")[0]
    new = stem + ch.choice((".csv", ".fit", ".gpx", ".tcx", ".json", ".txt", ".dat", ""))
    return new, f"renamed to {new}"


def mutate(seed: Seed, ch: Chooser, *, max_ops: int = 3, seed_bytes: bytes | None = None,
           wrap: bool = True) -> Mutant:
    """A mutant of ``seed``: structural (CSV, XML, FIT) and byte mutations, then maybe a wrap.

    Parameters
    ----------
    seed : Seed
        The file to start from.
    ch : Chooser
        Where every decision comes from (deterministic for a given chooser).
    max_ops : int
        At most this many structural and this many byte mutations.
    seed_bytes : bytes, optional
        The seed's content, when already read.
    wrap : bool
        Whether a gzip or zip wrap may follow.

    Returns
    -------
    Mutant
        With at least one mutation applied.
    """
    data = original = seed.data if seed_bytes is None else seed_bytes
    fmt = seed.fmt
    ops: list[str] = []

    csv_member = csv_bytes = None
    if fmt in CONTAINER_FORMATS:
        if ch.integer(0, 4):
            data, what, csv_member, csv_bytes = _mutate_zip_member(data, ch, max_ops)
            ops.append(what)
            if ch.integer(0, 2):  # mostly keep the zip itself whole: its members are the point
                return Mutant(fmt=fmt, name=seed.name, data=data, inner=data, ops=ops, csv_member=csv_member,
                              csv_bytes=csv_bytes)
            csv_member = csv_bytes = None  # the zip's own bytes are damaged below
    else:
        data, structural = _mutate_structure(data, fmt, ch, max_ops)
        ops += structural

    # after a structural mutation, half the mutants keep their structure readable (no byte damage)
    n_byte_ops = 0 if ops and data != original and ch.integer(0, 1) else ch.integer(1, max_ops)
    for _ in range(n_byte_ops):
        name = ch.choice(tuple(_BYTE_OPS))
        data, what = _BYTE_OPS[name](data, ch)
        ops.append(what)

    name, renamed = _rename(seed.name, fmt, ch) if wrap and fmt not in CONTAINER_FORMATS else (seed.name, None)
    if renamed:
        ops.append(renamed)
    inner = data
    mutant = Mutant(fmt=fmt, name=name, data=data, inner=inner, ops=ops, csv_member=csv_member,
                    csv_bytes=csv_bytes)
    if wrap:
        _wrap(mutant, ch)
    return mutant


def _mutate_structure(data: bytes, fmt: str, ch: Chooser, max_ops: int) -> tuple[bytes, list[str]]:
    """A structural mutation of a file that is not a container: CSV text, XML, JSON or a FIT header."""
    ops: list[str] = []
    if fmt in TEXT_FORMATS:
        data, ops = _mutate_csv(data, ch, max_ops)
    elif fmt in XML_FORMATS and ch.integer(0, 3) == 0:
        op = ch.choice((_xml_hostile, _xml_drop_closing))
        data, what = op(data, ch)
        ops.append(what)
    elif fmt in JSON_FORMATS and ch.integer(0, 1) == 0:
        if fmt == "garmin_json" and ch.integer(0, 1):  # the real export holds no run: make its activities runs
            data = re.sub(rb'"activityType":\s*"[^"]*"', b'"activityType":"running"', data)
            ops.append("activity types set to running")
        for _ in range(ch.integer(1, max_ops)):
            data, what = (_json_deep if ch.integer(0, 7) == 0 else _json_value)(data, ch)
            ops.append(what)
    elif fmt == "fit" and ch.integer(0, 3) == 0:
        data, what = _fit_header(data, ch)
        ops.append(what)
    return data, ops


def _wrap(mutant: Mutant, ch: Chooser) -> None:
    """Maybe wrap the mutant (in place): gzip, gzip cut short, or a zip under a hostile member name."""
    data, name, ops = mutant.data, mutant.name, mutant.ops
    how = ch.integer(0, 9)
    if how == 0:
        mutant.data = _gzip(data)
        mutant.name = name + ".gz"
        ops.append("gzip")
    elif how == 1:
        packed = _gzip(data)
        at = ch.integer(10, max(10, len(packed) - 1))
        mutant.data = packed[:at]
        mutant.name = name + ".gz"
        mutant.exact = False
        ops.append(f"gzip, cut at {at}/{len(packed)}")
    elif how == 2 and mutant.fmt not in CONTAINER_FORMATS:
        member = ch.choice(HOSTILE_MEMBER_NAMES).format(name=name)
        mutant.data, extras = _zip(data, member, ch)
        mutant.name = Path(name).stem + ".zip"
        mutant.member = member
        ops.append(f"zip as {member!r}" + "".join(f", {e}" for e in extras))


#: inflated size of a bomb member: past the 16 MiB below which archive.py checks no ratio
BOMB_BYTES = 24 << 20


def _mutate_zip_member(data: bytes, ch: Chooser, max_ops: int) -> tuple[bytes, str, str | None, bytes | None]:
    """Mutate one member of an export zip (or drop it, or make it a zip bomb) and zip it again.

    Returns the new zip, what was done, and the activities.csv member name and
    bytes when that is the member changed (for the row oracle).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    k = ch.integer(0, len(members) - 1)
    name, content = members[k]
    fmt = "strava" if name.endswith("activities.csv") else (_format_of(Path(name)) or "fit")
    roll = ch.integer(0, 7)
    if roll == 0:
        del members[k]
        what = f"member {name} dropped"
        csv_member = csv_bytes = None
    elif roll == 1:  # a decompression bomb: ~1000-fold, far past the ratio limit
        members[k] = (name, content[:4096] + b" " * BOMB_BYTES)
        what = f"member {name} made a zip bomb ({BOMB_BYTES >> 20} MiB of spaces)"
        csv_member = csv_bytes = None
    else:
        inner = mutate(Seed(Path(name), fmt), ch, max_ops=max_ops, seed_bytes=content, wrap=False)
        members[k] = (name, inner.data)
        what = f"member {name}: " + ", ".join(inner.ops)
        csv_member, csv_bytes = (name, inner.data) if fmt == "strava" and inner.exact else (None, None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, c in members:
            zf.writestr(_info(n), c)
    return buf.getvalue(), what, csv_member, csv_bytes


def _mutate_csv(data: bytes, ch: Chooser, max_ops: int) -> tuple[bytes, list[str]]:
    """Structural CSV mutations on the records, then written back (delimiter, encoding, line ends)."""
    try:
        records = parse_records(decode_like_readers(data))
    except csv.Error:
        return data, []
    ops: list[str] = []
    if not records:
        return data, ops
    for _ in range(ch.integer(0, max_ops)):
        name = ch.choice(tuple(_CSV_OPS))
        ops.append(_CSV_OPS[name](records, ch))
    delimiter = ch.choice((",", ",", ";", "\t"))
    lineterminator = ch.choice(("\n", "\r\n", "\r\n", "\r"))
    quoting = ch.choice((csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC))
    encoding = ch.choice(("utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"))
    if quoting == csv.QUOTE_NONNUMERIC:
        quoting = csv.QUOTE_MINIMAL  # the records are strings: NONNUMERIC would quote all
    text = _write_records(records, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    out = text.encode(encoding, errors="replace")
    changed = (delimiter, lineterminator, quoting, encoding) != (",", "\n", csv.QUOTE_MINIMAL, "utf-8")
    if changed:
        ops.append(f"written with delimiter {delimiter!r}, line end {lineterminator!r}, "
                   f"{'quote all' if quoting == csv.QUOTE_ALL else 'minimal quotes'}, {encoding}")
    return out, ops
