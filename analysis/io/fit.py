"""Read FIT activity files (``.fit``, ``.fit.gz``) into runlog's canonical frames.

One FIT file gives one runs row per running ``session`` message, a samples frame
from its ``record`` messages, and one import-log row per file (or, for a
multisport file, per session).

Decoding sits behind :func:`_decode`, which returns plain columns
(:class:`_Decoded`) from one of two decoders giving the same values:
:mod:`analysis.io.fit_fast`, a vectorised decoder for the common case (records
of one layout decoded at once with numpy, some 300 times faster), and
`fitdecode <https://github.com/polyvertex/fitdecode>`_ in lenient mode (CRCs
computed but not enforced, malformed definitions read with a warning, chained
FIT files followed) for every file the fast one does not handle: odd field
sizes, ``hr.event_timestamp_12``, damage (see :mod:`analysis.io.fit_fast`).
``USE_FAST_DECODER = False`` (or ``_decode(data, fast=False)``) forces
fitdecode. The rest of the reader works on numpy columns (:class:`_Records`)
and builds each frame once, in its canonical dtypes: per-file pandas overhead
would otherwise cost more than decoding.

Written by hand here, because no library does it: keeping what was decoded
before the point of damage of a broken file, dropping the garbage records such
damage leaves at the end, placing files whose timestamps are relative device
time, and splitting a multisport file into its legs.

References
----------
FORMATS.md, "FIT" (messages, units, damaged files) and "Cadence units, once
more"; METHODS.md section 6 (running dynamics units); Garmin FIT SDK, "FIT
Protocol" (file header, chained files, compressed-timestamp headers, date_time
values below 0x10000000 being relative).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import schema, units
from analysis.errors import RunlogError
from analysis.io import archive, fit_fast
from analysis.io.base import ReadResult, log_row, read_source_bytes

SOURCE = "fit"

#: FIT field name -> canonical column. Record fields go to samples, session
#: fields to runs. Where two FIT fields map to one column, the first listed is
#: preferred (``enhanced_*`` carries the same quantity with a wider range).
#: ``cadence`` (+ ``fractional_cadence``) is strides/min and becomes steps/min.
RECORD_VARIABLE_MAP: dict[str, str] = {
    "timestamp": "time",
    "distance": "distance_m",
    "enhanced_speed": "speed_mps",
    "speed": "speed_mps",
    "heart_rate": "heart_rate_bpm",
    "cadence": "cadence_spm",
    "stance_time": "stance_time_ms",
    "vertical_oscillation": "vertical_oscillation_mm",
    "step_length": "step_length_mm",
    "vertical_ratio": "vertical_ratio_pct",
    "enhanced_altitude": "altitude_m",
    "altitude": "altitude_m",
    "position_lat": "latitude_deg",
    "position_long": "longitude_deg",
}
SESSION_VARIABLE_MAP: dict[str, str] = {
    "start_time": "start_time",
    "total_distance": "distance_m",
    "total_timer_time": "moving_time_s",
    "total_elapsed_time": "elapsed_time_s",
    "avg_heart_rate": "avg_heart_rate_bpm",
    "avg_running_cadence": "avg_cadence_spm",
    "total_ascent": "elevation_gain_m",
}
#: record -> samples, then session -> runs
VARIABLE_MAP: dict[str, str] = {**RECORD_VARIABLE_MAP, **SESSION_VARIABLE_MAP}

#: sample columns where 0 means "no sensor reading" (a real stance time or oscillation is never 0)
_ZERO_IS_MISSING: tuple[str, ...] = (
    "heart_rate_bpm", "stance_time_ms", "vertical_oscillation_mm", "step_length_mm", "vertical_ratio_pct",
)

#: record fields the decoder keeps (everything else is skipped).
_RECORD_FIELDS: frozenset[str] = frozenset(
    {"timestamp", "fractional_cadence", "activity_type"}
    | {k for k, v in VARIABLE_MAP.items() if v in schema.SAMPLES_DTYPES or v in schema.POSITION_COLUMNS}
)

#: FIT (sport, sub_sport) -> canonical run sport; any other running sub_sport is "running".
_RUN_SUB_SPORTS: dict[str | None, str] = {
    "trail": "trail_running",
    "treadmill": "treadmill_running",
    "indoor_running": "treadmill_running",
    "track": "track_running",
    "virtual_activity": "virtual_running",
    "ultra": "ultra_running",
}

FIT_EPOCH = pd.Timestamp("1989-12-31", tz="UTC")
#: FIT date_time values below this are seconds of relative device time, not dates.
RELATIVE_TIME_LIMIT = 0x10000000
#: int64 nanoseconds that numpy and pandas read as NaT
NAT = np.iinfo(np.int64).min
#: the widest UTC offset in use (UTC+14); anything beyond is not an offset.
MAX_UTC_OFFSET_S = 14 * 3600
#: a record this far after the one before it, after damage, is garbage.
GARBAGE_JUMP_S = 6 * 3600
#: slack after the session end before a record counts as outside it.
SESSION_END_SLACK_S = 60
#: a record this far before the one before it, after damage, is garbage.
BACKWARDS_SLACK_S = 60


#: decode with :mod:`analysis.io.fit_fast` where it can (False: always fitdecode)
USE_FAST_DECODER = True

#: what a decoder gives the reader (see :class:`analysis.io.fit_fast.Decoded`)
_Decoded = fit_fast.Decoded


def _decode(data: bytes, *, fast: bool | None = None) -> _Decoded:
    """Decode FIT bytes: the fast decoder where it applies, else fitdecode.

    Parameters
    ----------
    data : bytes
        An uncompressed FIT stream (one or more chained FIT files).
    fast : bool, optional
        Try :func:`analysis.io.fit_fast.decode` first; default
        :data:`USE_FAST_DECODER`. Files it does not handle go to fitdecode,
        and ``fallback_reason`` says why.

    Returns
    -------
    _Decoded
        Messages needed by :func:`read_fit`; ``decoder`` says which decoder
        made it; ``error`` tells where and why decoding stopped if it did not
        reach the end.
    """
    if USE_FAST_DECODER if fast is None else fast:
        try:
            return fit_fast.decode(data)
        except fit_fast.Unsupported as exc:
            out = _decode_fitdecode(data)
            out.fallback_reason = str(exc)
            return out
    return _decode_fitdecode(data)


def _decode_fitdecode(data: bytes) -> _Decoded:
    """Decode FIT bytes with fitdecode, keeping everything read before any damage.

    Parameters
    ----------
    data : bytes
        An uncompressed FIT stream (one or more chained FIT files).

    Returns
    -------
    _Decoded
        Messages needed by :func:`read_fit`; ``error`` tells where and why the
        decoder stopped if it did not reach the end.
    """
    out = _Decoded()
    records: dict[str, list] = {}
    dev: dict[tuple[int, str], list] = {}
    n = seq = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = fitdecode.FitReader(
                io.BytesIO(data),
                processor=fitdecode.DataProcessorBase(),  # keep raw FIT seconds
                check_crc=fitdecode.CrcCheck.READONLY,  # compared below, never raised
                error_handling=fitdecode.ErrorHandling.WARN,
            )
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    out.n_fit_files += 1
                    out.crc_mismatches += frame.crc_matched is False
                    continue
                if isinstance(frame, fitdecode.FitCRC):
                    out.crc_mismatches += frame.matched is False
                    continue
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                seq += 1
                name = frame.name
                if name == "record":
                    _add_record(frame, records, dev, n)
                    n += 1
                elif name in ("session", "lap", "sport"):
                    values = _message_values(frame)
                    values["_seq"] = seq
                    {"session": out.sessions, "lap": out.laps, "sport": out.sport_messages}[name].append(
                        values
                    )
                elif name == "activity":
                    for key, value in _message_values(frame).items():
                        out.activity.setdefault(key, value)
                elif name == "file_id" and not out.file_id:
                    out.file_id = _message_values(frame)
        except Exception as exc:  # whatever the decoder raises on bad bytes is damage to report
            out.error = str(exc) or f"{type(exc).__name__} at end of data"
    out.warnings = [str(w.message) for w in caught]
    out.records, out.dev_records, out.n_records = records, dev, n
    return out


def _scalar(value) -> bool:
    """A single number or name (damaged bytes can decode as arrays)."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _message_values(frame) -> dict:
    """Scalar native field values of one data message, first occurrence wins."""
    values: dict = {}
    for f in frame.fields:
        if _scalar(f.value) and not (f.field_def is not None and f.field_def.is_dev):
            values.setdefault(f.name, f.value)
    return values


def _add_record(frame, records: dict[str, list], dev: dict[tuple[int, str], list], n: int) -> None:
    """Append one record's values to the column lists (``n`` records so far)."""
    row: dict = {}
    dev_row: dict = {}
    for f in frame.fields:
        value = f.value
        if not _scalar(value):
            continue
        fdef = f.field_def
        if fdef is not None and fdef.is_dev:
            if not isinstance(value, str):
                dev_row.setdefault((fdef.dev_data_index, f.name), value)
        elif f.name in _RECORD_FIELDS and (f.name == "activity_type") == isinstance(value, str):
            row.setdefault(f.name, value)
    for cols, values in ((records, row), (dev, dev_row)):
        for key, value in values.items():
            col = cols.get(key)
            if col is None:
                col = cols[key] = [None] * n
            col.append(value)
        for col in cols.values():
            if len(col) <= n:
                col.append(None)


# --------------------------------------------------------------------------- sniffing, bytes


def sniff(head: bytes, name: str = "") -> bool:
    """Tell whether content is a FIT file (or a gzip-compressed one).

    Parameters
    ----------
    head : bytes
        The first bytes of the file (up to 64 KiB; 12 are enough for plain FIT).
    name : str, optional
        The file name; not needed, the content decides.

    Returns
    -------
    bool
        True when byte 0 is a FIT header size (12 or 14) and bytes 8-11 are
        ``.FIT``, directly or after gunzipping the head.
    """
    head = archive.gunzip_head_if_gzip(head, 64)  # b"" when unreadable: not FIT
    return len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT"


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class _Clock:
    """Turns raw FIT seconds into UTC, and says how the runner's date is found."""

    date_zone: tzinfo
    #: for relative device time: (device seconds, their UTC time)
    anchor: tuple[float, pd.Timestamp] | None = None
    note: str | None = None

    def to_utc(self, seconds) -> pd.DatetimeIndex:
        """Raw FIT seconds (array-like, NaN for missing) to UTC times (NaT where unknown)."""
        return pd.DatetimeIndex(self.to_utc_ns(seconds).view("datetime64[ns]")).tz_localize("UTC")

    def to_utc_ns(self, seconds) -> np.ndarray:
        """:meth:`to_utc` as int64 nanoseconds since 1970 (``NAT`` where unknown)."""
        s = np.asarray(seconds, dtype="float64")
        absolute = s >= RELATIVE_TIME_LIMIT
        if self.anchor is not None:
            device_s, anchor_utc = self.anchor
            offset_s = np.where(absolute, s, (anchor_utc - FIT_EPOCH).total_seconds() + (s - device_s))
        else:
            offset_s = np.where(absolute, s, np.nan)
        missing = np.isnan(offset_s)
        offset_s = np.where(missing, 0.0, offset_s)  # NaN never reaches the int casts (a warning per file)
        whole = np.floor(offset_s)
        ns = whole.astype(np.int64) * 1_000_000_000 + np.round((offset_s - whole) * 1e9).astype(np.int64)
        return np.where(missing, NAT, ns + FIT_EPOCH.value)

    def utc(self, seconds: float) -> pd.Timestamp:
        """One raw FIT time (NaN for missing) to UTC (NaT where unknown); :meth:`to_utc` for one value."""
        if np.isnan(seconds):
            return pd.NaT
        if seconds < RELATIVE_TIME_LIMIT:
            if self.anchor is None:
                return pd.NaT
            device_s, anchor_utc = self.anchor
            return anchor_utc + pd.Timedelta(seconds=seconds - device_s)
        return FIT_EPOCH + pd.Timedelta(seconds=seconds)


def _clock(activity: dict, tz: str | tzinfo | None) -> _Clock:
    """Where the run's UTC offset (date) and, for relative time, the anchor come from.

    ``activity.local_timestamp - activity.timestamp`` is the run's own UTC offset
    (FORMATS.md, "FIT"), rounded to 15 minutes and accepted within +-14 h. When
    ``activity.timestamp`` is relative device time, ``local_timestamp`` places it:
    read as wall time in ``tz`` (the file has no UTC offset then).
    """
    zone = units.get_zone(tz)
    ts, local = activity.get("timestamp"), activity.get("local_timestamp")
    if not isinstance(ts, (int, float)) or not isinstance(local, (int, float)):
        return _Clock(zone)
    if ts >= RELATIVE_TIME_LIMIT:
        offset = round((local - ts) / 900) * 900
        if abs(offset) <= MAX_UTC_OFFSET_S:
            return _Clock(timezone(timedelta(seconds=offset)))
        return _Clock(zone)
    if local < RELATIVE_TIME_LIMIT:
        return _Clock(zone)
    wall = FIT_EPOCH.tz_localize(None) + pd.Timedelta(seconds=local)
    anchor_utc = units.localize_wall_time(pd.Series([wall]), zone).iloc[0]
    note = (
        "timestamps are relative device time: placed by activity.local_timestamp "
        f"({wall:%Y-%m-%d %H:%M:%S}) read as local time in {zone} (the file has no UTC offset)"
    )
    return _Clock(zone, anchor=(float(ts), anchor_utc), note=note)


# --------------------------------------------------------------------------- records


def _column(dec: _Decoded, name: str) -> np.ndarray:
    """A record field as float64 (NaN where absent)."""
    values = dec.records.get(name)
    if values is None:
        return np.full(dec.n_records, np.nan)
    return np.asarray(values, dtype="float64")


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower() or "field"


def _dev_columns(dec: _Decoded) -> dict[str, np.ndarray]:
    """Developer fields as ``dev_<field_name>``; a name two apps share gets ``_<index>``."""
    names = {key: f"dev_{_snake(key[1])}" for key in dec.dev_records}
    counts = Counter(names.values())
    out = {}
    for key, col in names.items():
        if counts[col] > 1:
            col = f"{col}_{key[0]}"
        out[col] = np.array(dec.dev_records[key], dtype="float64")
    return out


@dataclass
class _Records:
    """A file's records as columns of one length; ``time`` in int64 ns since 1970 UTC (``NAT``: none).

    A dict of numpy arrays rather than a DataFrame: every pandas column
    operation costs some 10 microseconds, a file's reading needs a hundred,
    and an archive holds thousands of files. The samples frame is built once,
    at the end (:func:`_samples_for`).
    """

    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.cols["time"])

    def __getitem__(self, col: str) -> np.ndarray:
        return self.cols[col]

    def __contains__(self, col: str) -> bool:
        return col in self.cols

    def take(self, which) -> _Records:
        """The records selected by a boolean mask, index array or slice."""
        return _Records({k: v[which] for k, v in self.cols.items()})

    def utc(self, i: int) -> pd.Timestamp:
        """Time of record ``i`` (UTC)."""
        return pd.Timestamp(int(self.cols["time"][i]), tz="UTC")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> _Records:
        cols = {c: frame[c].to_numpy() for c in frame.columns if c != "time"}
        return cls({"time": frame["time"].array.as_unit("ns").asi8, **cols})

    def to_frame(self) -> pd.DataFrame:
        cols = dict(self.cols)
        cols["time"] = pd.DatetimeIndex(cols["time"].view("datetime64[ns]")).tz_localize("UTC")
        return pd.DataFrame(cols)


def _records(dec: _Decoded, clock: _Clock, positions: bool) -> _Records:
    """All records as canonical sample columns (no activity_id / elapsed_s yet).

    Cadence: 2 x (cadence + fractional_cadence), strides/min to steps/min.
    Zero heart rate and zero running dynamics mean "no sensor reading" and
    become NaN (a real stance time or oscillation is never 0).
    """
    cols: dict[str, np.ndarray] = {}
    for field, column in RECORD_VARIABLE_MAP.items():  # renamed; the first field listed wins
        if column in schema.POSITION_COLUMNS and not positions:
            continue
        values = _column(dec, field)
        cols[column] = _prefer(cols[column], values) if column in cols else values
    cols["time"] = clock.to_utc_ns(cols["time"])
    fraction = np.nan_to_num(_column(dec, "fractional_cadence"))
    cols["cadence_spm"] = units.strides_to_steps(cols["cadence_spm"] + fraction)
    for column in _ZERO_IS_MISSING:
        cols[column] = _zero_to_nan(cols[column])
    if positions:
        cols["latitude_deg"] = units.semicircles_to_deg(cols["latitude_deg"])
        cols["longitude_deg"] = units.semicircles_to_deg(cols["longitude_deg"])
    cols.update(_dev_columns(dec))
    if "activity_type" in dec.records:
        cols["_activity_type"] = np.asarray(dec.records["activity_type"], dtype=object)
    return _Records(cols)


def _prefer(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(first), second, first)


def _zero_to_nan(values: np.ndarray) -> np.ndarray:
    return np.where(values == 0, np.nan, values)


def _garbage_cut(time_ns: np.ndarray) -> int | None:
    """Index of the first record more than 6 h after the one before it, or more than 60 s before it."""
    gap_s = np.diff(time_ns) / 1e9
    bad = (gap_s > GARBAGE_JUMP_S) | (gap_s < -BACKWARDS_SLACK_S)
    return int(np.argmax(bad)) + 1 if bool(bad.any()) else None


def _garbage_note(n: int, first_bad: pd.Timestamp) -> str:
    what = "record with an impossible timestamp" if n == 1 else "records with impossible timestamps"
    return f"dropped {n} trailing {what} (from {first_bad:%Y-%m-%dT%H:%M:%SZ})"


def _drop_garbage_tail(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Drop the records a truncated file leaves at its end with impossible timestamps.

    From the first record more than 6 h after the record before it, or more
    than 60 s before it, every later record goes: decoding went wrong there,
    and nothing past that point can be trusted. (Records past the last
    session's end are not dropped for that alone: they may be an unfinished
    leg, see :func:`_legs`.) :func:`read_fit` does the same on its columns.
    """
    cut = _garbage_cut(frame["time"].array.as_unit("ns").asi8)
    if cut is None:
        return frame, None
    return frame.iloc[:cut], _garbage_note(len(frame) - cut, frame["time"].iloc[cut])


def _merge_split_records(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`_merge_split` for a frame of records (``time`` tz-aware)."""
    merged = _merge_split(_Records.from_frame(frame))
    return merged.to_frame()[list(frame.columns)]


def _merge_split(records: _Records) -> _Records:
    """Merge records that share a timestamp and complement each other into one sample.

    Strava's apps write position and distance as two records of the same
    second; such pairs become one row, at the place of the first, holding
    each field's first value. Records of one second with different values for
    a field (two real readings) are kept as they are.

    Vectorised (records sorted by time, groups reduced with ``reduceat``):
    old devices repeat timestamps in many files, and a per-group pandas
    ``groupby`` costs milliseconds a file.
    """
    t = records["time"]
    if len(t) < 2 or bool((np.diff(t) > 0).all()):
        return records
    order = np.argsort(t, kind="stable")
    ts = t[order]
    starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    sizes = np.diff(np.r_[starts, len(ts)])
    if not bool((sizes > 1).any()):
        return records
    conflict = np.zeros(len(starts), dtype=bool)
    first_valid: dict[str, np.ndarray] = {}
    position = np.arange(len(ts))
    for col, values in records.cols.items():
        if col == "time":
            continue
        if values.dtype.kind == "O":  # names: compare their codes
            codes = pd.factorize(values)[0].astype("float64")
            codes[codes < 0] = np.nan
            numbers = codes[order]
        else:
            numbers = values.astype("float64")[order]
        high, low = np.fmax.reduceat(numbers, starts), np.fmin.reduceat(numbers, starts)
        conflict |= (high != low) & ~np.isnan(high)
        where = np.where(np.isnan(numbers), len(ts), position)
        first_valid[col] = np.minimum.reduceat(where, starts)
    merge = (sizes > 1) & ~conflict
    keep = np.ones(len(t), dtype=bool)
    keep[order[np.repeat(merge, sizes)]] = False
    rows = order[starts[merge]]
    keep[rows] = True  # the first record of a merged second stays, filled in
    cols = dict(records.cols)
    for col, first in first_valid.items():
        src = first[merge]
        found = src < len(ts)
        column = cols[col].copy()
        column[rows[found]] = records[col][order[src[found]]]
        column[rows[~found]] = None if column.dtype.kind == "O" else np.nan
        cols[col] = column
    return _Records(cols).take(keep)


# --------------------------------------------------------------------------- sport


def run_sport(sport, sub_sport=None) -> str | None:
    """Canonical run sport for a FIT (sport, sub_sport), or None if it is not a run.

    Parameters
    ----------
    sport, sub_sport : str or None
        FIT profile enum names (``running``; ``generic``, ``trail``, ...).

    Returns
    -------
    str or None
        One of :data:`analysis.schema.RUN_SPORTS`: running/trail ->
        trail_running, running/treadmill or indoor_running -> treadmill_running,
        running/track -> track_running, running/virtual_activity ->
        virtual_running, running/ultra -> ultra_running, any other running ->
        running; None for every other sport.
    """
    if sport != "running":
        return None
    return _RUN_SUB_SPORTS.get(sub_sport, "running")


def _sport_label(sport, sub_sport) -> str:
    return f"{sport} ({sub_sport})" if sub_sport is not None else str(sport)


def _sport_after(dec: _Decoded, seq: int, records: _Records) -> tuple[object, object, str] | None:
    """Sport of records no session describes: a sport or lap message after ``seq``, else activity_type.

    Devices write the ``sport`` message as a leg starts and a ``lap`` as a lap
    ends, so the first one after the last session belongs to the unfinished leg.
    """
    for messages, how in ((dec.sport_messages, "sport message"), (dec.laps, "lap message")):
        for msg in messages:
            if msg["_seq"] > seq and msg.get("sport") is not None:
                return msg["sport"], msg.get("sub_sport"), f"from the {how}"
    if "_activity_type" in records:
        kinds = pd.Series(records["_activity_type"], dtype="object").dropna()
        if len(kinds):
            return kinds.mode().iloc[0], None, "from the records' activity_type"
    return None


# --------------------------------------------------------------------------- legs


@dataclass
class _Leg:
    """One session of the file, or the records after the last session of a damaged file."""

    index: int
    records: _Records
    session: dict | None = None
    sport: object = None
    sub_sport: object = None
    how: str | None = None  # where the sport of a session-less leg came from


def _session_span(session: dict, clock: _Clock) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start and end (UTC) of a session: start_time to its timestamp, else start + elapsed."""
    start, end = clock.utc(_num(session.get("start_time"))), clock.utc(_num(session.get("timestamp")))
    elapsed = _num(session.get("total_elapsed_time"))
    if pd.notna(start) and (pd.isna(end) or end < start) and not np.isnan(elapsed):
        end = start + pd.Timedelta(seconds=elapsed)
    return start, end


def _legs(dec: _Decoded, records: _Records, clock: _Clock) -> list[_Leg]:
    """Sessions as legs; records after the last session (or all, with no session) as one more leg.

    In a file with several legs each keeps the records inside its session's time
    span (start_time <= time <= end).
    """
    spans = [_session_span(s, clock) for s in dec.sessions]
    legs = [
        _Leg(i, records, session=s, sport=s.get("sport"), sub_sport=s.get("sub_sport"))
        for i, s in enumerate(dec.sessions)
    ]
    t = records["time"]
    orphans = records
    if dec.sessions:
        orphans = records.take(slice(0, 0))
        ends = [end for _, end in spans if pd.notna(end)]
        if dec.error and ends:
            orphans = records.take(t > (max(ends) + pd.Timedelta(seconds=SESSION_END_SLACK_S)).value)
    if not dec.sessions or len(orphans):
        last_seq = dec.sessions[-1]["_seq"] if dec.sessions else 0
        sport, sub_sport, how = _sport_after(dec, last_seq, orphans) or (None, None, None)
        legs.append(_Leg(len(legs), orphans, sport=sport, sub_sport=sub_sport, how=how))
    if len(legs) > 1:
        for leg, (start, end) in zip(legs, spans, strict=False):
            if pd.notna(start) and pd.notna(end):
                leg.records = records.take((t >= start.value) & (t <= end.value))
            else:
                leg.records = records.take(slice(0, 0))
    return legs


# --------------------------------------------------------------------------- runs


def _num(value) -> float:
    """A FIT value as float; missing, non-numeric and zero are NaN (missing is never 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value == 0:
        return np.nan
    return float(value)


def _mean(values: np.ndarray, positive: bool = False) -> float:
    v = np.asarray(values, dtype="float64")
    v = v[v > 0] if positive else v[~np.isnan(v)]
    return float(v.mean()) if len(v) else np.nan


def _session_values(session: dict, clock: _Clock, records: _Records) -> dict:
    """Runs-row values of a session message; average HR and cadence from its records when absent."""
    values = {column: _num(session.get(field)) for field, column in SESSION_VARIABLE_MAP.items()}
    values["start_time"] = clock.utc(values["start_time"])
    if pd.isna(values["start_time"]) and len(records):
        values["start_time"] = records.utc(0)
    strides = _num(session.get("avg_running_cadence", session.get("avg_cadence")))
    fraction = session.get("avg_fractional_cadence")
    strides += fraction if isinstance(fraction, (int, float)) else 0.0
    cadence = float(units.strides_to_steps(strides))
    values["avg_cadence_spm"] = cadence if not np.isnan(cadence) else _mean(records["cadence_spm"], True)
    if np.isnan(values["avg_heart_rate_bpm"]):  # a record's 0 bpm is no reading (strap lost), as in GPX and TCX
        values["avg_heart_rate_bpm"] = _mean(records["heart_rate_bpm"], positive=True)
    return values


def _local_date(start: pd.Timestamp, zone: tzinfo) -> pd.Timestamp:
    """:func:`analysis.units.local_date` for one time (a Series per run costs more than the run)."""
    return start.tz_convert(zone).tz_localize(None).normalize()


def _record_values(records: _Records, rebase: bool) -> dict:
    """Runs-row values from records alone: last distance, first-to-last time; moving time unknown.

    With ``rebase`` (a leg of a multisport file, whose record distance runs on
    from the legs before) the distance is counted from the leg's first record.
    """
    distance = records["distance_m"][~np.isnan(records["distance_m"])]
    covered = distance[-1] - (distance[0] if rebase else 0.0) if len(distance) else np.nan
    n = len(records)
    return {
        "start_time": records.utc(0) if n else pd.NaT,
        "distance_m": float(covered),
        "moving_time_s": np.nan,
        "elapsed_time_s": (records.utc(-1) - records.utc(0)).total_seconds() if n else np.nan,
        "avg_heart_rate_bpm": _mean(records["heart_rate_bpm"], positive=True),  # 0 bpm: no reading
        "avg_cadence_spm": _mean(records["cadence_spm"], positive=True),
        "elevation_gain_m": np.nan,
    }


def _samples_for(records: _Records, activity_id: str, start: pd.Timestamp, rebase: bool) -> pd.DataFrame:
    """A run's samples: elapsed_s from its start; in a multisport leg, distance from the leg's start.

    Built directly in the canonical dtypes and column order (canonical columns,
    then positions and developer fields), so no coercion is needed.
    """
    n = len(records)
    t = records["time"]
    ids = pa.array([activity_id], pa.large_string()).take(np.zeros(n, dtype=np.int64))
    cols: dict[str, object] = {
        "activity_id": pd.arrays.ArrowStringArray(ids),
        "time": pd.DatetimeIndex(t.view("datetime64[ns]")).tz_localize("UTC").array,
        "elapsed_s": (t - start.as_unit("ns").value) / 1e9,
    }
    for col in schema.SAMPLES_DTYPES:
        if col not in cols:
            cols[col] = records[col] if col in records else np.full(n, np.nan)
    for col, values in records.cols.items():
        if col not in cols and col != "_activity_type":
            cols[col] = values
    distance = cols["distance_m"]
    valid = np.flatnonzero(~np.isnan(distance))
    if rebase and len(valid):
        cols["distance_m"] = distance - distance[valid[0]]
    return pd.DataFrame(cols)  # copied into one float block: stacking many files is then quick


# --------------------------------------------------------------------------- canonical frames

#: empty canonical frames, made once (each coercion costs milliseconds, and files are many)
_EMPTY = ReadResult()


def _canonical(rows: list[dict], dtypes: dict[str, str], index: pd.Index | None = None) -> pd.DataFrame:
    """Rows of plain values as a frame in the canonical dtypes and column order.

    What :mod:`analysis.schema`'s ``coerce_*`` give for these rows, built
    column by column with the arrays' own constructors: coercing three frames
    of one row costs several milliseconds a file, more than decoding it.
    """
    cols = {}
    for col, dtype in dtypes.items():
        values = [None if _missing(row.get(col)) else row.get(col) for row in rows]
        if dtype in ("Float64", "Int64"):
            mask = np.array([v is None for v in values], dtype=bool)
            data = np.array([0 if v is None else v for v in values], dtype=dtype.lower())
            cols[col] = (pd.arrays.FloatingArray if dtype == "Float64" else pd.arrays.IntegerArray)(data, mask)
        elif dtype == "string":
            cols[col] = pd.arrays.ArrowStringArray(pa.array(values, pa.large_string()))
        elif dtype in _PANDAS_DTYPES:
            cols[col] = pd.array(values, dtype=_PANDAS_DTYPES[dtype])
        else:
            cols[col] = pd.array(values, dtype=dtype)
    return pd.DataFrame(cols, index=index if index is not None else pd.RangeIndex(len(rows)), copy=False)


_PANDAS_DTYPES = {
    schema.UTC_TIME: pd.DatetimeTZDtype("ns", "UTC"),
    schema.LOCAL_DATE: np.dtype("datetime64[ns]"),
}


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _result(runs: list[dict], samples: list[pd.DataFrame], log: list[dict]) -> ReadResult:
    """The canonical frames of a file (what ``ReadResult.build`` gives, without its coercion cost)."""
    if runs:
        index = pd.Index([r["activity_id"] for r in runs], dtype="string", name="activity_id")
        runs_frame = _canonical(runs, schema.RUNS_DTYPES, index)
    else:
        runs_frame = _EMPTY.runs.copy()
    samples = [s for s in samples if len(s)]
    if not samples:
        samples_frame = _EMPTY.samples.copy()
    else:
        samples_frame = samples[0] if len(samples) == 1 else pd.concat(samples, ignore_index=True)
    return ReadResult(runs_frame, samples_frame, _canonical(log, schema.IMPORT_LOG_DTYPES))


def _read_leg(
    leg: _Leg, n_legs: int, ctx: dict, notes: list[str]
) -> tuple[dict | None, pd.DataFrame | None, dict]:
    """Runs row, samples and log row of one leg (row and id suffix only in a multisport file)."""
    multi = n_legs > 1
    row_no = leg.index if multi else None
    kind = "session" if leg.session is not None else "unfinished leg"
    where = [f"{kind} {leg.index} of {n_legs}"] if multi else []
    source_file = ctx["source_file"]

    def log(status: str, lead: str = "", tail: tuple[str, ...] = (), activity_id: str | None = None) -> dict:
        reason = "; ".join(part for part in (lead, *where, *notes, *tail) if part)
        return log_row(source_file, status, reason, row=row_no, activity_id=activity_id, source=SOURCE)

    if leg.sport is None:
        n = len(leg.records)
        if leg.session is not None:
            return None, None, log("not_a_run", "no sport in the session message")
        if leg.index == 0:
            return None, None, log("not_a_run", f"no sport in file (no session message); {n} records")
        return None, None, log("not_a_run", f"no sport for the {n} records after the last session")
    canonical = run_sport(leg.sport, leg.sub_sport)
    label = _sport_label(leg.sport, leg.sub_sport)
    if canonical is None:
        if leg.session is None:
            label = f"{label} ({leg.how}; no session message)"
        return None, None, log("not_a_run", label)
    if leg.session is not None:
        values = _session_values(leg.session, ctx["clock"], leg.records)
    else:
        values = _record_values(leg.records, rebase=multi)
    if pd.isna(values["start_time"]):
        return None, None, log("failed", f"{label} without a usable start time")
    activity_id = f"fit:{ctx['sha']}:{leg.index}" if multi else f"fit:{ctx['sha']}"
    values.update(
        activity_id=activity_id,
        sport=canonical,
        name=pd.NA,
        date=_local_date(values["start_time"], ctx["clock"].date_zone),
        source=SOURCE,
        source_file=source_file,
    )
    samples = _samples_for(leg.records, activity_id, values["start_time"], rebase=multi)
    extra = []
    if leg.session is None:
        extra.append(f"no session message: run built from {len(leg.records)} records ({leg.how})")
    elif ctx["damaged"] and len(leg.records):
        first, last = leg.records.utc(0), leg.records.utc(-1)
        extra.append(f"samples cover {first:%H:%M:%S}-{last:%H:%M:%S} UTC, run totals from the session")
    return values, samples, log("imported", tail=tuple(extra), activity_id=activity_id)


# --------------------------------------------------------------------------- the reader


def read_fit(
    source: str | Path | bytes,
    *,
    tz: str | tzinfo | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read a FIT activity file (plain or gzip-compressed) into canonical frames.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content (e.g. a member of a zip); gzip is recognised
        by its magic bytes, whatever the name.
    tz : str or tzinfo, optional
        IANA zone for the local ``date`` when the file has no UTC offset of its
        own (``activity.local_timestamp``), and for placing files whose
        timestamps are relative device time. Default UTC.
    name : str, optional
        File name written in the import log (needed when ``source`` is bytes).
    positions : bool, default False
        Add ``latitude_deg`` / ``longitude_deg`` (degrees) to the samples.

    Returns
    -------
    ReadResult
        ``runs``: one row per running session, id ``fit:<sha1-12>`` (sha1 of
        the uncompressed FIT bytes), or ``fit:<sha1-12>:<session index>`` in a
        multisport file. ``samples``: the records of each run, with numeric
        developer fields as extra columns ``dev_<field_name>``; in a multisport
        file only the records inside the run session's time span, distance
        counted from the leg's start. ``log``: one row for the file (``row``
        NA), or one per session of a multisport file (``row`` = 0-based session
        index, as in the id).

    Raises
    ------
    RunlogError
        When the file cannot be read, is not FIT, or nothing usable decodes;
        ``damaged gzip data (...)`` when gzip content is damaged before any
        byte inflates (:class:`~analysis.io.archive.ArchiveLimitError` when
        it passes a decompression limit).

    Notes
    -----
    Units (FORMATS.md, "FIT"; METHODS.md 6): distances m, times s, ``cadence``
    + ``fractional_cadence`` strides/min (x 2 = steps/min), stance_time ms,
    vertical_oscillation and step_length mm, vertical_ratio %, positions
    semicircles (x 180 / 2^31 = degrees). ``enhanced_speed`` and
    ``enhanced_altitude`` are preferred over ``speed`` and ``altitude``. Runs
    take distance, timer (moving) and elapsed time, average heart rate and
    cadence and total ascent from the session; a zero there is "not measured"
    (NA), and a missing average HR or cadence is taken from the records. Zero
    heart rate and running dynamics in records are NA too. Records sharing a
    timestamp and complementing each other (Strava writes position and
    distance apart) are merged into one sample. FIT has no activity name: ``name`` is NA.

    Damaged files (FORMATS.md: truncated files occur in the wild): everything
    decoded before the damage is kept and the file is ``imported`` with a
    reason saying where decoding stopped. Garbage records at the end
    (jumping hours ahead or back in time) are dropped and counted. Records the
    damage left without a session become a run of their own when a ``sport``
    or ``lap`` message after the last session, or the records'
    ``activity_type``, says running: distance of the last record, elapsed
    time first to last record, moving time unknown. With no sport anywhere the
    file is ``not_a_run`` ("no sport in file").

    Timestamps below 0x10000000 are relative device time (old Garmin watches):
    ``activity.local_timestamp`` places them, read as wall time in ``tz``, and
    the reason says so.
    """
    raw, source_file = read_source_bytes(source, name)
    # bounded: a .fit.gz may be a decompression bomb; a cut stream gives what precedes the cut
    data, gzip_note = archive.gunzip_if_gzip(raw, label=source_file)
    if not sniff(data[:14]):
        raise RunlogError("not a FIT file (no '.FIT' file header)", path=source_file)
    dec = _decode(data)
    if dec.n_records == 0 and not dec.sessions:
        why = f": {dec.error}" if dec.error else ""
        raise RunlogError(f"no session or record could be decoded{why}", path=source_file)
    file_type = dec.file_id.get("type")
    if file_type is not None and file_type != "activity":
        reason = f"FIT file of type {file_type}, not an activity"
        return _result([], [], [log_row(source_file, "not_a_run", reason, source=SOURCE)])

    clock = _clock(dec.activity, tz)
    damaged = bool(dec.error or dec.crc_mismatches or gzip_note)
    notes = [n for n in (gzip_note, clock.note) if n]
    if dec.error:
        notes.append(f"truncated after {dec.n_records} records ({dec.error})")
    if dec.crc_mismatches:
        notes.append(f"CRC mismatch in {dec.crc_mismatches} place(s): data may be damaged, read anyway")
    if dec.warnings:
        notes.append(f"{len(dec.warnings)} decoder warning(s), read leniently (first: {dec.warnings[0]})")

    records = _records(dec, clock, positions)
    has_time = records["time"] != NAT
    no_time = int((~has_time).sum())
    if no_time:
        records = records.take(has_time)
        notes.append(f"{no_time} records without a usable timestamp left out")
    if dec.error:
        cut = _garbage_cut(records["time"])
        if cut is not None:
            notes.append(_garbage_note(len(records) - cut, records.utc(cut)))
            records = records.take(slice(0, cut))
    records = _merge_split(records)

    ctx = {
        "source_file": source_file,
        "clock": clock,
        "sha": hashlib.sha1(data).hexdigest()[:12],
        "damaged": damaged,
    }
    legs = _legs(dec, records, clock)
    runs, samples, log = [], [], []
    for leg in legs:
        run, leg_samples, entry = _read_leg(leg, len(legs), ctx, notes)
        log.append(entry)
        if run is not None:
            runs.append(run)
            samples.append(leg_samples)
    if len(log) == 1 and log[0]["status"] == "failed":
        raise RunlogError(log[0]["reason"], path=source_file)
    return _result(runs, samples, log)
