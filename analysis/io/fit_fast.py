"""A vectorised FIT decoder for the common case, giving what fitdecode would.

:func:`decode` walks the message headers of a FIT stream in Python and decodes
the ``record`` messages with numpy, all records of one definition at once (one
structured dtype per definition, read straight from the bytes). The few
messages the reader needs besides records (``file_id``, ``session``, ``lap``,
``sport``, ``activity``, and ``developer_data_id`` / ``field_description`` for
developer fields) are decoded one by one; every other message is skipped
unread. The result is the :class:`Decoded` that :func:`analysis.io.fit._decode`
makes with fitdecode, value for value, so the reader cannot tell them apart.

Walking the headers is the only per-message Python work, and it is cheap: a
data message's size is fixed by its definition, and a run of consecutive
messages with the same header byte (most records) is measured in one C-level
step (a strided slice of the bytes, then ``lstrip``), so a file of records
costs a few Python steps per run of records, not one per record. Definitions
are parsed once per distinct layout (devices repeat them in every file).

Compressed-timestamp headers (older devices) are followed message by message
(:func:`_walk_timestamps`), and compressed speed/distance is unpacked and its
distance accumulated with numpy, as fitdecode does both. A file using a
feature this decoder leaves alone raises :class:`Unsupported`, and the caller
decodes it with fitdecode instead: field sizes that are not a multiple of
their base type, developer fields without a description, a ``record`` field
the frames need declared as a string or an array, ``hr.event_timestamp_12``
(accumulated from ``hr.event_timestamp``, and fitdecode stops on some of
them), and any damage (a message that crosses the end of the data, an
undefined local message, a file that does not end exactly after its CRC, an
unusual header). CRCs are checked with ``fastcrc`` (compiled CRC-16/ARC) and
counted as fitdecode counts them; a mismatch alone is not damage.

Written by hand because no maintained library is both fast and correct on
real files (see ``benchmarks/README.md``); the FIT profile (field names,
scales, offsets, components, enum names) and the base types' invalid values
are fitdecode's, so both decoders read the same profile.

References
----------
Garmin FIT SDK, "FIT Protocol": file header, record headers, definition and
data messages, base types, developer data, CRC; FORMATS.md, "FIT".
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from fastcrc import crc16
from fitdecode import profile as fit_profile
from fitdecode import types as fit_types

__all__ = ["Decoded", "Unsupported", "decode", "RECORD_FIELDS"]

#: record fields the reader uses (FIT profile names); everything else is skipped.
RECORD_FIELDS: frozenset[str] = frozenset(
    {
        "timestamp",
        "distance",
        "enhanced_speed",
        "speed",
        "heart_rate",
        "cadence",
        "fractional_cadence",
        "stance_time",
        "vertical_oscillation",
        "step_length",
        "vertical_ratio",
        "enhanced_altitude",
        "altitude",
        "position_lat",
        "position_long",
        "activity_type",
    }
)

MESG_FILE_ID = 0
MESG_SPORT = 12
MESG_SESSION = 18
MESG_LAP = 19
MESG_RECORD = 20
MESG_ACTIVITY = 34
MESG_HR = 132
MESG_FIELD_DESCRIPTION = 206
MESG_DEVELOPER_DATA_ID = 207
#: messages decoded one by one (few per file); records are decoded in bulk
FEW_MESSAGES: dict[int, str] = {
    MESG_FILE_ID: "file_id",
    MESG_SPORT: "sport",
    MESG_SESSION: "session",
    MESG_LAP: "lap",
    MESG_ACTIVITY: "activity",
    MESG_FIELD_DESCRIPTION: "field_description",
    MESG_DEVELOPER_DATA_ID: "developer_data_id",
}
FIELD_HR_EVENT_TIMESTAMP_12 = 10
FIELD_TIMESTAMP = 253
#: fields of the few messages the reader uses (FIT profile names; None: all fields,
#: as the first file_id with any value is the one kept)
FEW_FIELDS: dict[int, frozenset[str] | None] = {
    MESG_FILE_ID: None,
    MESG_SPORT: frozenset({"sport", "sub_sport"}),
    MESG_LAP: frozenset({"sport", "sub_sport"}),
    MESG_SESSION: frozenset(
        {
            "sport",
            "sub_sport",
            "start_time",
            "timestamp",
            "total_elapsed_time",
            "total_timer_time",
            "total_distance",
            "avg_heart_rate",
            "avg_cadence",
            "avg_running_cadence",
            "avg_fractional_cadence",
            "total_ascent",
        }
    ),
    MESG_ACTIVITY: frozenset({"timestamp", "local_timestamp"}),
    MESG_FIELD_DESCRIPTION: frozenset(
        {"developer_data_index", "field_definition_number", "fit_base_type_id", "field_name"}
    ),
    MESG_DEVELOPER_DATA_ID: frozenset({"developer_data_index"}),
}

_SKIP, _RECORD, _FEW = 0, 1, 2
_RECORD_PROFILE = fit_profile.MESSAGE_TYPES[MESG_RECORD].fields

#: base type -> (numpy dtype code, invalid raw value; None: NaN is invalid)
_NUMERIC: dict[int, tuple[str, int | None]] = {
    0x00: ("u1", 0xFF),
    0x01: ("i1", 0x7F),
    0x02: ("u1", 0xFF),
    0x83: ("i2", 0x7FFF),
    0x84: ("u2", 0xFFFF),
    0x85: ("i4", 0x7FFFFFFF),
    0x86: ("u4", 0xFFFFFFFF),
    0x88: ("f4", None),
    0x89: ("f8", None),
    0x0A: ("u1", 0),
    0x8B: ("u2", 0),
    0x8C: ("u4", 0),
    0x8E: ("i8", 0x7FFFFFFFFFFFFFFF),
    0x8F: ("u8", 0xFFFFFFFFFFFFFFFF),
    0x90: ("u8", 0),
}


class Unsupported(Exception):
    """The stream uses a feature (or has damage) that this decoder leaves to fitdecode."""


class _CompressedTimestamps(Exception):
    """Met a compressed-timestamp header: walk again, message by message."""


@dataclass
class Decoded:
    """What a decoder gives the FIT reader: plain values, records as columns.

    Times (``timestamp``, ``start_time``, ``local_timestamp``) are raw FIT
    seconds since 1989-12-31 00:00 UTC (below ``0x10000000``: relative device
    time). Numbers are scaled to the profile's units; enums are their profile
    names. Session, lap and sport messages carry ``_seq``, their position
    among the data messages (1 = first), so the reader can tell what came
    after the last session of a damaged file.
    """

    file_id: dict = field(default_factory=dict)
    sessions: list[dict] = field(default_factory=list)
    laps: list[dict] = field(default_factory=list)
    sport_messages: list[dict] = field(default_factory=list)
    activity: dict = field(default_factory=dict)
    n_fit_files: int = 0
    #: record field -> one value per record (None or NaN where absent); only
    #: fields with at least one value are present
    records: dict[str, list | np.ndarray] = field(default_factory=dict)
    #: (developer_data_index, field name) -> one numeric value per record
    dev_records: dict[tuple[int, str], list | np.ndarray] = field(default_factory=dict)
    n_records: int = 0
    #: why decoding stopped early (None when the file decoded to its end)
    error: str | None = None
    crc_mismatches: int = 0
    #: lenient-mode warnings (e.g. malformed definitions read anyway)
    warnings: list[str] = field(default_factory=list)
    #: which decoder made this: "fast" or "fitdecode"
    decoder: str = "fitdecode"
    #: why the fast decoder handed the file to fitdecode (None if it did not)
    fallback_reason: str | None = None


@dataclass
class _Definition:
    """One definition message: layout of its data messages, and what to do with them."""

    global_num: int
    endian: str
    size: int  # bytes of a data message, header byte included
    kind: int
    #: (field number, offset from the header byte, size, base type)
    fields: tuple[tuple[int, int, int, int], ...]
    #: (developer field number, offset, size, developer data index)
    dev_fields: tuple[tuple[int, int, int, int], ...]
    #: resolved developer fields: (offset, size, index, name, base type)
    dev_resolved: list[tuple[int, int, int, str | None, int]] = field(default_factory=list)
    #: timestamp fields (number 253): (offset, unpacker, base type), for compressed timestamps
    time_fields: list[tuple] = field(default_factory=list)
    #: a timestamp field compressed timestamps cannot follow (array, float, developer field 253)
    odd_time_field: bool = False
    #: a record field whose component accumulates from message to message (compressed speed/distance)
    accumulates: bool = False
    #: where the definition message starts
    position: int = 0


@dataclass
class _RecordGroup:
    """Record messages sharing one layout: where each run of them starts, and its length."""

    definition: _Definition
    starts: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    #: timestamp from each message's compressed-timestamp header (None: normal header)
    header_times: list[int | None] = field(default_factory=list)


@dataclass
class _State:
    """Per-FIT-file state (chained files start afresh) plus what was found so far."""

    out: Decoded
    groups: dict[tuple, _RecordGroup] = field(default_factory=dict)
    #: developer_data_index -> {field number: (name, base type)}
    dev_types: dict[int, dict[int, tuple[str | None, int]]] = field(default_factory=dict)
    n_messages: int = 0
    #: walk message by message, following compressed timestamps (see :func:`_walk_timestamps`)
    timestamps: bool = False


# --------------------------------------------------------------------------- entry point


def decode(data: bytes) -> Decoded:
    """Decode an uncompressed FIT stream (one or more chained FIT files).

    Parameters
    ----------
    data : bytes
        The FIT bytes.

    Returns
    -------
    Decoded
        Records as float64 columns (NaN where absent; ``activity_type`` as an
        object array of enum names or None), developer fields likewise, and
        the ``file_id``, ``session``, ``lap``, ``sport`` and ``activity``
        values read_fit uses, as fitdecode (lenient mode) gives them.

    Raises
    ------
    Unsupported
        For the features listed in the module docstring; the message says which.
    """
    data = bytes(data)
    try:
        try:
            state = _walk_stream(data, timestamps=False)
        except _CompressedTimestamps:
            state = _walk_stream(data, timestamps=True)
        _decode_records(data, state)
    except (struct.error, TypeError, ValueError, IndexError) as exc:  # odd bytes: fitdecode decides
        raise Unsupported(f"unexpected layout ({type(exc).__name__}: {exc})") from exc
    return state.out


def _walk_stream(data: bytes, timestamps: bool) -> _State:
    """Walk every FIT file of the stream; records are noted, not yet decoded."""
    state = _State(Decoded(decoder="fast"), timestamps=timestamps)
    pos, n = 0, len(data)
    while pos < n:
        pos = _fit_file(data, pos, state)
        state.dev_types = {}
    if state.out.n_fit_files == 0:
        raise Unsupported("no FIT file header")
    return state


def _fit_file(data: bytes, start: int, state: _State) -> int:
    """Walk one FIT file of the stream (header, messages, CRC); return where the next starts."""
    if len(data) - start < 12:
        raise Unsupported("fewer than 12 bytes where a FIT file header should start")
    header_size = data[start]
    if header_size not in (12, 14) or data[start + 8 : start + 12] != b".FIT":
        raise Unsupported("not a FIT file header where one should start")
    if len(data) - start < header_size:
        raise Unsupported("truncated FIT header")
    out = state.out
    out.n_fit_files += 1
    if header_size == 14:
        (header_crc,) = struct.unpack_from("<H", data, start + 12)
        if header_crc and crc16.arc(data[start : start + 12]) != header_crc:
            out.crc_mismatches += 1
    (body_size,) = struct.unpack_from("<I", data, start + 4)
    body_start = start + header_size
    end = body_start + body_size
    if end + 2 > len(data):
        raise Unsupported("file shorter than its header says (truncated)")
    (_walk_timestamps if state.timestamps else _walk)(data, body_start, end, state)
    (file_crc,) = struct.unpack_from("<H", data, end)
    if crc16.arc(data[start:end]) != file_crc:
        out.crc_mismatches += 1
    return end + 2


# --------------------------------------------------------------------------- walking


def _walk(data: bytes, pos: int, end: int, state: _State) -> None:
    """Visit every message between ``pos`` and ``end``.

    Records are not decoded here: each run of consecutive record messages of
    one layout is noted as (start, count) in its group. The few other
    messages the reader needs are decoded on the spot.
    """
    sizes = [0] * 16
    kinds = [_SKIP] * 16
    defs: list[_Definition | None] = [None] * 16
    groups: list[_RecordGroup | None] = [None] * 16
    n_messages = state.n_messages
    while pos < end:
        h = data[pos]
        if h & 0x80:
            raise _CompressedTimestamps
        local = h & 0x0F
        if h & 0x40:
            d, pos = _definition(data, pos, end, h, state)
            defs[local], sizes[local], kinds[local] = d, d.size, d.kind
            groups[local] = _group(d, state) if d.kind == _RECORD else None
            continue
        size = sizes[local]
        if not size:
            raise Unsupported(f"data message of undefined local type {local} (damaged)")
        nxt = pos + size
        if nxt > end:
            raise Unsupported("a message runs past the end of the data (truncated)")
        kind = kinds[local]
        if kind == _FEW:
            n_messages += 1
            _few(data, pos, defs[local], n_messages, state)
            pos = nxt
            continue
        count = _run_length(data, pos, size, end, h) if nxt < end and data[nxt] == h else 1
        if kind == _RECORD:
            g = groups[local]
            g.starts.append(pos)
            g.counts.append(count)
        n_messages += count
        pos += count * size
    state.n_messages = n_messages


def _walk_timestamps(data: bytes, pos: int, end: int, state: _State) -> None:
    """Visit every message one by one, giving each compressed-timestamp header its time.

    A compressed header carries the low 5 bits of the time; the time is the
    first one at or after the last known time (any message's ``timestamp``
    field, or the last compressed header) with those low bits (FIT Protocol,
    "Compressed Timestamp Header"). Files that use them are small (older
    devices), so a Python step per message is fine.
    """
    defs: list[_Definition | None] = [None] * 16
    groups: list[_RecordGroup | None] = [None] * 16
    n_messages = state.n_messages
    last_time = 0
    while pos < end:
        h = data[pos]
        if h & 0x80:
            local, time_offset = (h >> 5) & 0x03, h & 0x1F
        elif h & 0x40:
            local = h & 0x0F
            d, pos = _definition(data, pos, end, h, state)
            defs[local] = d
            groups[local] = _group(d, state) if d.kind == _RECORD else None
            continue
        else:
            local, time_offset = h & 0x0F, None
        d = defs[local]
        if d is None:
            raise Unsupported(f"data message of undefined local type {local} (damaged)")
        if pos + d.size > end:
            raise Unsupported("a message runs past the end of the data (truncated)")
        if d.odd_time_field:
            raise Unsupported("compressed timestamps with an unusual timestamp field")
        for off, unpacker, base_type in d.time_fields:
            raw = base_type.parse(unpacker.unpack_from(data, pos + off)[0])
            if raw is not None:
                last_time = raw
        header_time = None
        if time_offset is not None:
            header_time = last_time = last_time + ((time_offset - last_time) & 0x1F)
        n_messages += 1
        if d.kind == _RECORD:
            g = groups[local]
            g.starts.append(pos)
            g.counts.append(1)
            g.header_times.append(header_time)
        elif d.kind == _FEW:
            _few(data, pos, d, n_messages, state, header_time)
        pos += d.size
    state.n_messages = n_messages


def _run_length(data: bytes, pos: int, size: int, end: int, h: int) -> int:
    """How many messages of ``size`` bytes with header byte ``h`` follow each other from ``pos``.

    The header bytes at ``pos``, ``pos + size``, ... are taken as one strided
    slice, and the leading run of ``h`` measured with ``lstrip``; the window
    grows fourfold while the run fills it.
    """
    mark = bytes((h,))
    last = end - size + 1  # a message starting before this ends within the data
    count, window = 0, 64
    while True:
        lo = pos + count * size
        hi = min(lo + window * size, last)
        heads = data[lo:hi:size]
        run = len(heads) - len(heads.lstrip(mark))
        count += run
        if run < len(heads) or hi >= last:
            return count
        window *= 4


#: parsed definitions by their bytes: devices repeat the same definitions in every file
_LAYOUTS: dict[bytes, _Definition] = {}
_MAX_LAYOUTS = 4096


def _definition(data: bytes, pos: int, end: int, h: int, state: _State) -> tuple[_Definition, int]:
    """Read a definition message at ``pos``; return it and where the next message starts."""
    if pos + 6 > end:
        raise Unsupported("definition message runs past the end of the data")
    q = pos + 6 + 3 * data[pos + 5]
    if h & 0x20:
        if q + 1 > end:
            raise Unsupported("definition message runs past the end of the data")
        q += 1 + 3 * data[q]
    if q > end:
        raise Unsupported("definition message runs past the end of the data")
    key = bytes((h & 0x20,)) + data[pos + 2 : q]
    layout = _LAYOUTS.get(key)
    if layout is None:
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            _LAYOUTS.clear()
        layout = _LAYOUTS[key] = _layout(data, pos, h)
    d = dataclasses.replace(layout, position=pos, dev_resolved=[])
    for num, off, size, index in d.dev_fields:
        described = state.dev_types.get(index, {}).get(num)
        if described is None:
            raise Unsupported("developer field without a field_description")
        name, base = described
        base_size = fit_types.BASE_TYPES[base].size
        if size % base_size:
            raise Unsupported("developer field size not a multiple of its base type")
        d.dev_resolved.append((off, size, index, name, base))
    return d, q


def _layout(data: bytes, pos: int, h: int) -> _Definition:
    """Parse a definition message (bounds already checked); developer fields are resolved by the caller."""
    endian = ">" if data[pos + 2] else "<"
    (global_num,) = struct.unpack_from(endian + "H", data, pos + 3)
    n_fields = data[pos + 5]
    q = pos + 6
    fields = []
    offset = 1
    for i in range(n_fields):
        num, size, base = data[q + 3 * i], data[q + 3 * i + 1], data[q + 3 * i + 2]
        base_type = fit_types.BASE_TYPES.get(base, fit_types.BASE_TYPE_BYTE)
        if size % base_type.size:
            raise Unsupported(f"field size {size} not a multiple of its base type ({base_type.name})")
        if global_num == MESG_HR and num == FIELD_HR_EVENT_TIMESTAMP_12:
            raise Unsupported("hr.event_timestamp_12 (accumulated from hr.event_timestamp)")
        fields.append((num, offset, size, base))
        offset += size
    q += 3 * n_fields
    dev_fields = []
    if h & 0x20:
        n_dev = data[q]
        q += 1
        for i in range(n_dev):
            num, size, index = data[q + 3 * i], data[q + 3 * i + 1], data[q + 3 * i + 2]
            dev_fields.append((num, offset, size, index))
            offset += size
    if global_num == MESG_RECORD:
        kind = _RECORD
    elif global_num in FEW_MESSAGES:
        kind = _FEW
    else:
        kind = _SKIP
    d = _Definition(global_num, endian, offset, kind, tuple(fields), tuple(dev_fields))
    for num, off, size, base in fields:
        if num == FIELD_TIMESTAMP:
            base_type = fit_types.BASE_TYPES.get(base, fit_types.BASE_TYPE_BYTE)
            if base not in _NUMERIC or size != base_type.size or _NUMERIC[base][0][0] == "f":
                d.odd_time_field = True
            else:
                d.time_fields.append((off, struct.Struct(endian + base_type.fmt), base_type))
    d.odd_time_field |= any(num == FIELD_TIMESTAMP for num, *_ in dev_fields)
    if kind == _RECORD:
        d.accumulates = any(_accumulated(num) for num, *_ in fields)
    return d


def _group(d: _Definition, state: _State) -> _RecordGroup:
    """The record group for this layout (a definition repeated later joins the same group)."""
    # a component accumulating from message to message starts again at each definition
    key = (d.endian, d.size, tuple(d.fields), tuple(d.dev_resolved), d.position if d.accumulates else None)
    g = state.groups.get(key)
    if g is None:
        _check_record_layout(d)
        g = state.groups[key] = _RecordGroup(d)
    return g


# --------------------------------------------------------------------------- few messages


@lru_cache(maxsize=1024)
def _plan(global_num: int, endian: str, fields: tuple) -> list[tuple]:
    """The fields of a few-message definition to read: (number, offset, unpacker, base type, profile field).

    Only the fields in :data:`FEW_FIELDS` are read, plus the fields their
    subfields refer to; the order is the definition's.
    """
    mesg = fit_profile.MESSAGE_TYPES.get(global_num)
    wanted = FEW_FIELDS.get(global_num)
    keep: set[int] = set()
    for num, *_ in fields:
        f = mesg.fields.get(num) if mesg is not None else None
        names = {f.name, *(sub.name for sub in f.subfields or ())} if f is not None else set()
        if wanted is None or names & wanted:
            keep.add(num)
            for sub in (f.subfields or ()) if f is not None else ():
                keep.update(ref.def_num for ref in sub.ref_fields)
    plan = []
    for num, off, size, base in fields:
        if num in keep:
            base_type = fit_types.BASE_TYPES.get(base, fit_types.BASE_TYPE_BYTE)
            unpacker = struct.Struct(f"{endian}{size // base_type.size}{base_type.fmt}")
            f = mesg.fields.get(num) if mesg is not None else None
            plan.append((num, off, unpacker, base_type, f))
    return plan


def _raw_values(data: bytes, pos: int, plan: list[tuple]) -> list:
    """Raw values of the planned fields of a data message, as fitdecode parses them (None = invalid)."""
    values = []
    for _num, off, unpacker, base_type, _f in plan:
        raw = unpacker.unpack_from(data, pos + off)
        if base_type is fit_types.BASE_TYPE_BYTE:
            values.append(base_type.parse(raw))
        elif len(raw) > 1:
            values.append(tuple(base_type.parse(v) for v in raw))
        else:
            values.append(base_type.parse(raw[0]))
    return values


def _message_values(plan: list[tuple], raw_values: list) -> dict:
    """Scalar values by field name, first occurrence winning (subfields resolved, scale applied).

    Component fields are not expanded: none of the values the reader takes
    from these messages is a component of another field (FIT profile).
    """
    values: dict = {}
    for (num, _off, _unpacker, _base, f), raw in zip(plan, raw_values, strict=True):
        if raw is None or isinstance(raw, tuple):
            continue
        if f is None:
            name, value = f"unknown_{num}", raw
        else:
            f = _subfield(f, plan, raw_values)
            name, value = f.name, f.render(raw)
            if isinstance(value, (int, float)):
                if f.scale:
                    value = float(value) / f.scale
                if f.offset:
                    value = value - f.offset
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            values.setdefault(name, value)
    return values


def _subfield(f, plan: list[tuple], raw_values: list):
    """The subfield a reference field selects, else the field itself (FIT profile)."""
    for sub in f.subfields or ():
        for ref in sub.ref_fields:
            for (num, *_), raw in zip(plan, raw_values, strict=True):
                if num == ref.def_num and raw == ref.raw_value:
                    return sub
    return f


def _first_raw(plan: list[tuple], raw_values: list, num: int) -> tuple[bool, object]:
    for (n, *_), raw in zip(plan, raw_values, strict=True):
        if n == num:
            return True, raw
    return False, None


def _few(data: bytes, pos: int, d: _Definition, seq: int, state: _State, header_time: int | None = None) -> None:
    """Decode one of the few messages the reader needs besides records.

    ``header_time`` is the time of a compressed-timestamp header; fitdecode
    adds it as a ``timestamp`` field after the message's own fields.
    """
    plan = _plan(d.global_num, d.endian, d.fields)
    raw_values = _raw_values(data, pos, plan)
    out = state.out
    num = d.global_num
    if num == MESG_DEVELOPER_DATA_ID:
        found, index = _first_raw(plan, raw_values, 3)
        if not found or index is None:
            raise Unsupported("developer_data_id without a developer_data_index")
        state.dev_types[int(index)] = {}
        return
    if num == MESG_FIELD_DESCRIPTION:
        _field_description(plan, raw_values, state)
        return
    values = _message_values(plan, raw_values)
    if header_time is not None:
        values.setdefault("timestamp", header_time)
    if num == MESG_FILE_ID:
        if not out.file_id:
            out.file_id = values
    elif num == MESG_ACTIVITY:
        for key, value in values.items():
            out.activity.setdefault(key, value)
    else:
        values["_seq"] = seq
        {MESG_SESSION: out.sessions, MESG_LAP: out.laps, MESG_SPORT: out.sport_messages}[num].append(values)


def _field_description(plan: list[tuple], raw_values: list, state: _State) -> None:
    """Declare a developer field (its name and base type) for the definitions that follow."""
    found_index, index = _first_raw(plan, raw_values, 0)
    found_num, number = _first_raw(plan, raw_values, 1)
    if not (found_index and found_num) or index is None or number is None:
        raise Unsupported("field_description without developer_data_index or field number")
    if int(index) not in state.dev_types:
        raise Unsupported("field_description for an undeclared developer_data_index")
    _, base = _first_raw(plan, raw_values, 2)
    _, name = _first_raw(plan, raw_values, 3)
    if base is None:
        base = fit_types.BASE_TYPE_BYTE.identifier
    if base not in fit_types.BASE_TYPES:
        raise Unsupported(f"developer field of unknown base type {base}")
    if name is not None and not isinstance(name, str):
        raise Unsupported("developer field name is not a string")
    state.dev_types[int(index)][number] = (name, base)


# --------------------------------------------------------------------------- records


@cache
def _record_outputs(num: int) -> tuple[tuple[str, int | None, int, float | None, float | None, bool], ...]:
    """What a record field gives the reader, in fitdecode's order: components first, then itself.

    Each output is (name, bits or None, bit offset, scale, offset, accumulates).
    """
    f = _RECORD_PROFILE.get(num)
    if f is None:
        return ()
    outputs = [
        (c.name, c.bits, c.bit_offset or 0, c.scale, c.offset, bool(c.accumulate))
        for c in f.components or ()
        if c.name in RECORD_FIELDS
    ]
    if f.name in RECORD_FIELDS:
        outputs.append((f.name, None, 0, f.scale, f.offset, False))
    return tuple(outputs)


def _accumulated(num: int) -> bool:
    """A record field with a component the reader needs that accumulates (compressed speed/distance)."""
    return any(acc for *_, acc in _record_outputs(num))


def _is_number(size: int, base: int) -> bool:
    """One value of a numeric base type (fitdecode gives a number, not a tuple)."""
    return base in _NUMERIC and size == fit_types.BASE_TYPES[base].size


def _check_record_layout(d: _Definition) -> None:
    """Record fields the reader needs are single numbers, or byte fields that only feed components.

    A byte field (``compressed_speed_distance``: 12 bits of speed, 12 bits of
    distance) is read as a little-endian integer whose components are
    masked out, as fitdecode does; anything else (strings, arrays) is left to
    fitdecode.
    """
    for num, _off, size, base in d.fields:
        outputs = _record_outputs(num)
        if not outputs or _is_number(size, base):
            continue
        is_byte = fit_types.BASE_TYPES.get(base, fit_types.BASE_TYPE_BYTE) is fit_types.BASE_TYPE_BYTE
        if not is_byte or size > 8 or any(bits is None for _, bits, *_ in outputs):
            raise Unsupported(f"record field {num} declared with base type {base:#x} and size {size}")


def _message_index(g: _RecordGroup) -> np.ndarray:
    """Start offsets of every message of a group, from its runs."""
    starts = np.asarray(g.starts, dtype=np.int64)
    counts = np.asarray(g.counts, dtype=np.int64)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + (np.arange(int(counts.sum())) - first) * g.definition.size


def _group_table(data: bytes, g: _RecordGroup) -> tuple[np.ndarray, np.ndarray]:
    """All messages of a group as one structured array (the fields used only), and their offsets."""
    d = g.definition
    dtype = _table_dtype(d.endian, d.size, d.fields, tuple(d.dev_resolved))
    if len(g.starts) == 1:
        start, count = g.starts[0], g.counts[0]
        table = np.frombuffer(data, dtype=dtype, count=count, offset=start)
        return table, start + np.arange(count, dtype=np.int64) * d.size
    index = _message_index(g)
    # every byte offset as the start of a message: one fancy index gathers them all
    starts = np.ndarray((len(data) - d.size + 1,), dtype=dtype, buffer=data, strides=(1,))
    return starts[index], index


@lru_cache(maxsize=1024)
def _table_dtype(endian: str, size: int, fields: tuple, dev_resolved: tuple) -> np.dtype:
    """Structured dtype reading the record fields used (``f<i>``) and numeric developer fields (``d<i>``)."""
    names, formats, offsets = [], [], []
    for i, (num, off, field_size, base) in enumerate(fields):
        if _record_outputs(num):
            names.append(f"f{i}")
            formats.append(endian + _NUMERIC[base][0] if _is_number(field_size, base) else ("u1", (field_size,)))
            offsets.append(off)
    for i, (off, field_size, _index, _name, base) in enumerate(dev_resolved):
        if _is_number(field_size, base):
            names.append(f"d{i}")
            formats.append(endian + _NUMERIC[base][0])
            offsets.append(off)
    return np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": size})


def _valid(raw: np.ndarray, base: int) -> np.ndarray:
    invalid = _NUMERIC[base][1]
    return ~np.isnan(raw) if invalid is None else raw != invalid


def _scaled(raw: np.ndarray, valid: np.ndarray, scale, offset) -> np.ndarray:
    """Values as fitdecode renders them (scale and offset applied), NaN where invalid."""
    values = raw.astype(np.float64)
    if scale:
        values = values / scale
    if offset:
        values = values - offset
    values[~valid] = np.nan
    return values


def _accumulate(raw: np.ndarray, bits: int) -> np.ndarray:
    """Running value of a component sent as its low ``bits`` bits, from 0 (FIT Protocol, accumulated fields).

    Each value is the first one at or above the one before with those low bits.
    """
    out = raw.copy()
    if len(raw) > 1:
        out[1:] = raw[0] + np.cumsum((raw[1:] - raw[:-1]) % (1 << bits))
    return out


def _activity_types(raw: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Enum names of record.activity_type (None where invalid or not a known name)."""
    enum = _RECORD_PROFILE[42].type.enum or {}
    out = np.full(len(raw), None, dtype=object)
    for value in np.unique(raw[valid]):
        name = enum.get(int(value))
        if name is not None:
            out[valid & (raw == value)] = name
    return out


def _first_valid(columns: dict, key, values: np.ndarray) -> None:
    """Keep the first valid value per record (fitdecode: first occurrence of a name wins)."""
    current = columns.get(key)
    if current is None:
        columns[key] = values
    elif values.dtype.kind == "O":
        columns[key] = np.where(np.equal(current, None), values, current)
    else:
        columns[key] = np.where(np.isnan(current), values, current)


def _field_outputs(raw: np.ndarray, num: int, size: int, base: int) -> list[tuple[str, np.ndarray]]:
    """The reader's values from one record field, in fitdecode's order (components, then the field)."""
    if _is_number(size, base):
        valid = _valid(raw, base)
        number = raw.astype(np.int64) if raw.dtype.kind in "iu" else raw
    else:  # bytes, little-endian (fitdecode unpacks byte arrays so), invalid when all 0xFF
        valid = (raw != 0xFF).any(axis=1)
        number = np.zeros(len(raw), dtype=np.int64)
        for k in range(size):
            number |= raw[:, k].astype(np.int64) << (8 * k)
    out = []
    for name, bits, bit_offset, scale, offset, accumulates in _record_outputs(num):
        if name == "activity_type":
            out.append((name, _activity_types(raw, valid)))
            continue
        values = number
        if bits is not None and values.dtype.kind == "i":
            values = (values >> bit_offset) & ((1 << bits) - 1)
            if accumulates:
                values = values.copy()
                values[valid] = _accumulate(values[valid], bits)
        out.append((name, _scaled(values, valid, scale, offset)))
    return out


def _group_columns(table: np.ndarray, g: _RecordGroup) -> tuple[dict, dict]:
    """Record and developer columns of one group."""
    d = g.definition
    cols: dict[str, np.ndarray] = {}
    dev: dict[tuple[int, str], np.ndarray] = {}
    for i, (num, _off, size, base) in enumerate(d.fields):
        if _record_outputs(num):
            for name, values in _field_outputs(table[f"f{i}"], num, size, base):
                _first_valid(cols, name, values)
    if any(t is not None for t in g.header_times):
        times = np.array([np.nan if t is None else t for t in g.header_times], dtype=np.float64)
        _first_valid(cols, "timestamp", times)  # fitdecode adds it after the message's fields
    for i, (_off, size, index, name, base) in enumerate(d.dev_resolved):
        if _is_number(size, base):  # strings, bytes and arrays are not numbers (fitdecode: str/tuple)
            raw = table[f"d{i}"]
            _first_valid(dev, (index, name), _scaled(raw, _valid(raw, base), None, None))
    return cols, dev


def _has_values(values: np.ndarray) -> bool:
    if values.dtype.kind == "O":
        return bool((~np.equal(values, None)).any())
    return bool((~np.isnan(values)).any())


def _check_accumulation(parts: list[tuple[_RecordGroup, np.ndarray]]) -> None:
    """Accumulating groups must follow each other: fitdecode keeps one running value per message type."""
    spans = sorted((g.definition.position, where[-1]) for g, where in parts if g.definition.accumulates)
    for (_, last), (next_definition, _) in zip(spans, spans[1:], strict=False):
        if last > next_definition:
            raise Unsupported("interleaved record definitions with compressed speed/distance")


def _decode_records(data: bytes, state: _State) -> None:
    """Decode every record group and put the records back in file order."""
    groups = [g for g in state.groups.values() if g.starts]
    out = state.out
    if not groups:
        return
    tables = [(g, *_group_table(data, g)) for g in groups]
    _check_accumulation([(g, where) for g, _, where in tables])
    parts = [(where, *_group_columns(table, g)) for g, table, where in tables]
    n = sum(len(where) for where, _, _ in parts)
    out.n_records = n
    if len(parts) == 1:
        _, cols, dev = parts[0]
    else:
        order = np.argsort(np.concatenate([where for where, _, _ in parts]), kind="stable")
        cols = _stack([(len(w), c) for w, c, _ in parts], order)
        dev = _stack([(len(w), v) for w, _, v in parts], order)
    out.records = {k: v for k, v in cols.items() if _has_values(v)}
    out.dev_records = {k: v for k, v in dev.items() if _has_values(v)}


def _stack(parts: list[tuple[int, dict]], order: np.ndarray) -> dict:
    """Concatenate per-group columns (NaN / None where a group lacks one), then reorder."""
    keys: dict = {}
    for _, cols in parts:
        for key, values in cols.items():
            keys.setdefault(key, values.dtype)
    out = {}
    for key, dtype in keys.items():
        pieces = []
        for n, cols in parts:
            values = cols.get(key)
            if values is None:
                values = np.full(n, None, dtype=object) if dtype.kind == "O" else np.full(n, np.nan)
            pieces.append(values)
        out[key] = np.concatenate(pieces)[order]
    return out
