"""One run, once: de-duplication and merging of runs read from several inputs.

Rules (issue [A] item 7 and issue [C] item 5):

* The same file given twice yields the same ``activity_id`` (ids are content
  hashes or the platform's own ids); the second is ``duplicate``.
* Two runs of the **same source kind** starting within 60 s with distances
  within 2 % are the same run: the later-read one is ``duplicate``.
* Two runs of **different sources** starting within 2 min with distances within
  3 % are the same run seen twice (a Strava export and the watch's FIT file):
  they become one run whose fields are combined, and the other is logged
  ``duplicate`` with the id of the run it joined.
* Two runs of **different sources** whose times (start to start + elapsed, or
  moving, time) overlap by at least 80 % of the shorter one are the same run
  too, whatever their distances: one runner cannot run twice at once, and an
  app that copied a watch's run (Apple Health, Strava) may measure the route
  again, or not at all (a Fitbit record without distance).

* Two runs of **different sources**, one of them read from local wall time
  (a Garmin CSV, Runkeeper's table or a plain CSV: put into UTC in the zone assumed), whose start
  times are a whole or half number of hours apart (up to 14 h, within 2 min)
  and whose distance (within 1 %) and duration (within 2 %, or 60 s) agree,
  are the same run read in the wrong zone: they are merged, the start time
  comes from the source that knows UTC, and the log says which UTC offset the
  wall times imply (:func:`analysis.ingest.importlog.zone_note` sums it up).
  A run cannot move by whole hours between two files of the same kind, so
  same-source pairs are never merged this way.

Which value wins where both sources have one: identity, gear, RPE, name and
description come from the platform export (Strava, then Garmin); times,
distance, heart rate, cadence and elevation from the device file (FIT, then
TCX, GPX); the local ``date`` from a source that knows the run's own UTC
offset (FIT, Garmin) before one that relied on a configured zone. Samples are
kept once, from the source that has them, re-keyed to the surviving id.

Written by hand: matching by time and distance tolerance across sources is
specific to this problem; ``pandas.merge_asof`` pairs each row with one
neighbour only and cannot express "same run" across several candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import schema
from analysis.schema import (
    DATE_PRIORITY,
    DEVICE_FIELDS,
    PLATFORM_FIELDS,
    PLATFORM_PRIORITY,
    RUN_DYNAMICS_DTYPES,
    priority,
)

if TYPE_CHECKING:
    from analysis.io.base import ReadResult

SAME_SOURCE_START_S = 60.0
SAME_SOURCE_DISTANCE_FRAC = 0.02
CROSS_SOURCE_START_S = 120.0
CROSS_SOURCE_DISTANCE_FRAC = 0.03
#: runs of different sources whose times overlap by this share of the shorter one are one run
CROSS_SOURCE_OVERLAP = 0.8
#: sources whose start times are local wall time put into UTC in the zone assumed (tz)
WALL_TIME_SOURCES = ("garmin_csv", "csv", "runkeeper")
_WALL_LABELS = {"garmin_csv": "the Garmin CSV", "csv": "the CSV", "runkeeper": "Runkeeper's cardioActivities.csv"}
ZONE_STEP_S = 1800.0  # zone offsets are whole or half hours (a few quarter hours are not matched)
ZONE_MAX_S = 14 * 3600.0
ZONE_START_S = 120.0
ZONE_DISTANCE_FRAC = 0.01
ZONE_DURATION_FRAC = 0.02
ZONE_DURATION_S = 60.0

def _rank(source, order: tuple[str, ...]) -> int:
    return order.index(source) if source in order else len(order)


def _span_s(r: pd.Series) -> float:
    """A run's duration, s: elapsed time, else moving time; NaN when neither is known."""
    for col in ("elapsed_time_s", "moving_time_s"):
        v = r.get(col)
        if v is not None and not pd.isna(v) and float(v) > 0:
            return float(v)
    return float("nan")


def _overlap_share(a: pd.Series, b: pd.Series) -> float | None:
    """Share (0-1) of the shorter run's time that both runs cover; None when a duration is unknown."""
    da, db = _span_s(a), _span_s(b)
    if not (da > 0 and db > 0):
        return None
    both = min(da, (b["start_time"] - a["start_time"]).total_seconds() + db) - max(
        0.0, (b["start_time"] - a["start_time"]).total_seconds())
    return max(both, 0.0) / min(da, db)


def _open_for_s(first: pd.Series) -> float:
    """How long after a group's first run (s) a run may still join it: 2 min, or the first run's duration."""
    span = _span_s(first)
    return max(CROSS_SOURCE_START_S, span) if span > 0 else CROSS_SOURCE_START_S


def _same_run(a: pd.Series, b: pd.Series) -> str | None:
    """Why two runs are one run (a reason string), or None."""
    if pd.isna(a["start_time"]) or pd.isna(b["start_time"]):
        return None
    if a["source"] != b["source"]:
        share = _overlap_share(a, b)
        if share is not None and share >= CROSS_SOURCE_OVERLAP:
            return f"times overlap {100 * share:.0f} %"
    dt = abs((a["start_time"] - b["start_time"]).total_seconds())
    da, db = a["distance_m"], b["distance_m"]
    if pd.isna(da) or pd.isna(db):
        frac = 0.0 if (pd.isna(da) and pd.isna(db)) else None
    else:
        top = max(float(da), float(db))
        frac = 0.0 if top == 0 else abs(float(da) - float(db)) / top
    if frac is None:
        return None
    same_kind = a["source"] == b["source"]
    max_dt = SAME_SOURCE_START_S if same_kind else CROSS_SOURCE_START_S
    max_frac = SAME_SOURCE_DISTANCE_FRAC if same_kind else CROSS_SOURCE_DISTANCE_FRAC
    if dt <= max_dt and frac <= max_frac:
        return f"start {dt:.0f} s apart, distance {100 * frac:.1f} % apart"
    return None


def _combine(group: list[pd.Series]) -> pd.Series:
    """Combine the rows of one run by the priority tables above."""
    by_platform = sorted(group, key=lambda r: _rank(r["source"], PLATFORM_PRIORITY))
    out = by_platform[0].copy()
    extra = tuple(c for c in RUN_DYNAMICS_DTYPES if c in out.index)
    for col in PLATFORM_FIELDS + DEVICE_FIELDS + extra:
        order = priority(col)
        ranked = sorted(group, key=lambda r, o=order: _rank(r["source"], o))
        for r in ranked:
            if not pd.isna(r[col]):
                out[col] = r[col]
                break
    ranked = sorted(group, key=lambda r: _rank(r["source"], DATE_PRIORITY))
    for r in ranked:
        if not pd.isna(r["date"]):
            out["date"] = r["date"]
            break
    return out


def merge_duplicates(result: ReadResult, tz=None) -> ReadResult:
    """Collapse repeated runs; mark the extra ones ``duplicate`` in the log.

    Parameters
    ----------
    result : ReadResult
        Runs, samples and log as read, possibly with repeated ``activity_id``
        values (the same file given twice) and the same run from several sources.
    tz : str, optional
        The zone wall times were read in (the ``tz`` given to the readers;
        default UTC): named in the log when a zone-shifted pair is merged.

    Returns
    -------
    ReadResult
        Each run once; the log's counts still add up to everything given.
    """
    from analysis.io.base import ReadResult

    runs = result.runs
    log = result.log
    samples = result.samples
    if runs.empty:
        return ReadResult(runs, samples, log.copy())

    # 0. a run dated outside the plausible years (any reader: a typo, a device clock never set) fails, saying so
    runs, samples, log = _fail_implausible(runs, samples, log)
    # 0b. a "run" of a few seconds and metres (any reader) is not a run, with its values in the log
    runs, samples, log = _not_a_run_too_short(runs, samples, log)
    if runs.empty:
        return ReadResult(runs, samples, log.copy() if log is result.log else log)

    # 1. the same id twice: the same file (or export row) given twice
    repeated = first_seen_twice(runs.index)
    log = _mark_repeats(log, runs.index, repeated)
    if repeated.any():
        runs = runs[~repeated]
    if len(samples):
        samples = samples.drop_duplicates(subset=["activity_id", "time"], keep="first")

    # 2. the same run seen twice, by start time and distance (within clusters), or a zone apart
    alone, clustered = _clusters(runs)
    groups, reasons = _group([clustered.iloc[i] for i in range(len(clustered))])
    groups, alone = _pair_zone_shifted(groups, alone, reasons, tz)
    kept, rename, joined = _join_groups(groups, reasons, samples)
    merged = pd.concat([alone, pd.DataFrame(kept)]) if kept else alone
    if merged.index.name != "activity_id":
        merged = merged.rename_axis("activity_id")  # a new frame: ``alone`` may be the caller's runs
    if not (is_canonical(merged, schema.RUNS_DTYPES) and _in_start_order(merged)):
        merged = schema.coerce_runs(merged).sort_values("start_time", kind="stable")

    if joined:
        log = log.copy() if log is result.log else log
        mask = log["activity_id"].isin(list(joined)) & (log["status"] == "imported")
        log.loc[mask, "status"] = "duplicate"
        log.loc[mask, "reason"] = log.loc[mask, "activity_id"].map(joined)
    if rename and len(samples):
        samples = _move_samples(samples, rename)
    if not is_canonical(log, schema.IMPORT_LOG_DTYPES, extra=False, range_index=True):
        log = schema.coerce_import_log(log)
    return ReadResult(merged, samples, log)


def _fail_implausible(runs: pd.DataFrame, samples: pd.DataFrame,
                      log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs whose start (or, without one, date) lies outside :data:`analysis.schema.PLAUSIBLE_YEARS` become failed.

    Each reader's own log row for such a run (``imported``) turns ``failed`` with the date and how to fix
    it; the run and its samples leave the frames. Nothing is copied when every run is plausible.
    """
    start = runs["start_time"]
    bad = schema.implausible_dates(start).copy()
    undated = start.isna().to_numpy()
    if undated.any() and "date" in runs.columns:
        bad |= undated & schema.implausible_dates(runs["date"])
    if not bad.any():
        return runs, samples, log
    # keyed by (id, file): two files may name one activity, one copy dated 1700 and the other 2025; only the
    # bad copy's log row fails (the good copy goes on to the "same id twice" step)
    has_file = "source_file" in runs

    def key(ids, files) -> pd.Series:  # "id<US>file" (the file left out where runs name none)
        ids = pd.Series(ids, dtype="string").fillna("").reset_index(drop=True)
        return ids if not has_file else ids + "\x1f" + pd.Series(files, dtype="string").fillna("").reset_index(drop=True)

    reasons = {}
    for k, when, day in zip(key(runs.index[bad], runs["source_file"][bad] if has_file else None), start[bad],
                            runs["date"][bad] if "date" in runs else start[bad], strict=True):
        reasons[k] = (schema.implausible_reason("start_time", when) if pd.notna(when)
                      else schema.implausible_reason("date", day))
    log = log.copy()
    # the keys are built only for the log rows of the bad ids (a 2-million-row log: one isin, not 2 million keys)
    near = np.flatnonzero(log["activity_id"].astype("string").isin(list(set(map(str, runs.index[bad]))))
                          .fillna(False).to_numpy(bool) & (log["status"] == "imported").to_numpy(bool))
    keys = key(log["activity_id"].iloc[near], log["source_file"].iloc[near] if has_file else None)
    hit = keys.isin(list(reasons)).to_numpy(bool)
    mask = np.zeros(len(log), dtype=bool)
    mask[near[hit]] = True
    log.loc[mask, "status"] = "failed"
    log.loc[mask, "reason"] = keys[hit].map(reasons).to_numpy()
    if len(samples):  # samples carry the id only: those of an id with a plausible copy stay
        gone = set(runs.index[bad].astype(str)) - set(runs.index[~bad].astype(str))
        samples = samples[~samples["activity_id"].astype(str).isin(list(gone))]
    return runs[~bad], samples, log


def _not_a_run_too_short(runs: pd.DataFrame, samples: pd.DataFrame,
                         log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs :func:`analysis.schema.too_short` or :func:`analysis.schema.no_distance` marks become ``not_a_run``.

    The reader's own ``imported`` row of such a run changes, its reason giving the run's values; the run and
    its samples leave the frames. A 0 m run whose samples show it moving (a speed, distance or cadence above
    0) is kept. Nothing is copied when no run is marked.
    """
    short = schema.too_short(runs)
    nowhere = schema.no_distance(runs)
    if nowhere.any():
        nowhere &= ~_moving(runs.index, nowhere, samples)
        short |= nowhere
    if not short.any():
        return runs, samples, log
    if runs.index.has_duplicates:
        # the log is marked by id: an id that is a run in another copy (two files naming one activity) is left
        # to the "same id twice" step, else both its log rows would say "too short" and the run stay
        ids = runs.index.astype("string")
        short &= ~np.asarray(ids.isin(ids[~short]), dtype=bool)
        if not short.any():
            return runs, samples, log
    time_s = runs["elapsed_time_s"].where(runs["elapsed_time_s"].notna(), runs["moving_time_s"])
    reasons = {str(aid): schema.no_distance_reason(t) if far else schema.too_short_reason(t, d)
               for aid, t, d, far in zip(runs.index[short], time_s[short], runs["distance_m"][short],
                                         nowhere[short], strict=True)}
    log = log.copy()
    named = log["activity_id"].astype("string").isin(list(reasons)).fillna(False).to_numpy(bool)
    mask = named & (log["status"] == "imported").to_numpy(bool)
    # a file already merged into that run (a Strava export's FIT file: "merged into strava:X ...") is the same
    # few seconds: not a run either, saying what it joined, not "merged" into a run that is not there
    joined = named & (log["status"] == "duplicate").to_numpy(bool) & (
        log["reason"].astype("string").str.startswith("merged into ").fillna(False).to_numpy(bool))
    if joined.any():
        log.loc[joined, "status"] = "not_a_run"
        log.loc[joined, "reason"] = (log.loc[joined, "reason"].astype(str) + "; "
                                     + log.loc[joined, "activity_id"].astype(str).map(reasons))
    log.loc[mask, "status"] = "not_a_run"
    log.loc[mask, "reason"] = log.loc[mask, "activity_id"].astype(str).map(reasons)
    if len(samples):
        samples = samples[~samples["activity_id"].astype(str).isin(list(reasons))]
    return runs[~short], samples, log


def _moving(ids: pd.Index, among: np.ndarray, samples: pd.DataFrame) -> np.ndarray:
    """Which runs (of those ``among`` marks) have a sample with a speed, distance or cadence above 0."""
    out = np.zeros(len(ids), dtype=bool)
    if not len(samples):
        return out
    wanted = ids[among].astype(str)
    own = samples[samples["activity_id"].astype(str).isin(wanted)]
    if own.empty:
        return out
    moved = np.zeros(len(own), dtype=bool)
    for column in ("speed_mps", "distance_m", "cadence_spm"):
        if column in own.columns:
            moved |= (pd.to_numeric(own[column], errors="coerce") > 0).to_numpy(dtype=bool, na_value=False)
    ran = set(own.loc[moved, "activity_id"].astype(str))
    return among & np.asarray(ids.astype(str).isin(ran), dtype=bool)


def first_seen_twice(values: pd.Index | pd.Series) -> np.ndarray:
    """Where a value repeats one seen before it (as ``duplicated(keep="first")``), as a boolean array.

    Strings are dictionary-encoded by Arrow once (pandas' ``duplicated`` on an
    Arrow string column factorises through more layers, ~3x slower on 2
    million ids); a column with no repeat is told by the dictionary's length.
    """
    n = len(values)
    if n < 2:
        return np.zeros(n, dtype=bool)
    try:
        arrow = pa.array(values.array, from_pandas=True)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        keys = _string_keys(arrow)
        if keys is not None:
            keys.sort()
            if not (keys[1:] == keys[:-1]).any():  # equal strings have equal keys: no repeat
                return np.zeros(n, dtype=bool)
        encoded = pc.dictionary_encode(arrow, null_encoding="encode")
    except (pa.ArrowException, TypeError, ValueError):
        return pd.Series(values).duplicated(keep="first").to_numpy()
    if len(encoded.dictionary) == n:
        return np.zeros(n, dtype=bool)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    out = np.ones(n, dtype=bool)
    out[np.unique(codes, return_index=True)[1]] = False
    return out


def _string_keys(arrow: pa.Array) -> np.ndarray | None:
    """A 64-bit key per string, equal for equal strings (unequal ones may share one); None if not strings.

    Mixed (MurmurHash3's finalizer, Appleby 2011) from each string's first
    and last 8 bytes (little-endian words read from Arrow's data buffer,
    bytes outside the string masked) and its length. Sorting these keys finds "no repeat" in ~0.05 s per million
    ids, where Arrow's hash table takes ~0.2 s; any equal pair sends the
    caller to the exact check. Written by hand: neither numpy nor Arrow
    hashes variable-length strings column-wise, and pandas'
    ``hash_pandas_object`` (SipHash through Python objects) takes ~0.9 s per
    2 million ids, more than ``duplicated`` itself.
    """
    if arrow.null_count or not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    arrow = arrow.cast(pa.large_string())
    _, offsets_buffer, data_buffer = arrow.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[arrow.offset: arrow.offset + len(arrow) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    padded = np.concatenate([data[: offsets[-1]], np.zeros(8, dtype=np.uint8)])
    words = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))  # the 8 bytes at each byte
    start, length = offsets[:-1], np.diff(offsets)
    short = np.minimum(length, 8).astype(np.uint64)
    mask = np.where(short == 8, np.uint64(2**64 - 1), (np.uint64(1) << (short * np.uint64(8))) - np.uint64(1))
    first = words[start] & mask
    last = words[np.maximum(start + length - 8, start)] & mask
    key = _mix64(first)
    key ^= last
    key = _mix64(key)
    key ^= length.astype(np.uint64)
    return _mix64(key)


def _mix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (a bijection whose every output bit depends on every input bit), in place."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(33)
        x *= np.uint64(0xFF51AFD7ED558CCD)
        x ^= x >> np.uint64(33)
        x *= np.uint64(0xC4CEB93FE1A85EC3)
        x ^= x >> np.uint64(33)
    return x


def is_canonical(frame: pd.DataFrame, dtypes: dict[str, str], *, extra: bool = True,
                 range_index: bool = False) -> bool:
    """Whether ``schema._coerce`` would leave ``frame`` as it is (so that it need not copy it).

    True when the canonical columns come first, in order, each of its
    canonical dtype (a local date at midnight), the index is the runs' string
    ``activity_id`` (or, with ``range_index``, 0..n-1), and, without
    ``extra``, no other column follows.
    """
    names = list(dtypes)
    columns = list(frame.columns)
    if columns[: len(names)] != names or (not extra and len(columns) != len(names)) or not frame.columns.is_unique:
        return False
    for name, dtype in zip(names, frame.dtypes.iloc[: len(names)], strict=True):
        if dtype != pd.api.types.pandas_dtype(dtypes[name]):
            return False
        if dtypes[name] == schema.LOCAL_DATE:
            ns = frame[name].to_numpy(dtype="datetime64[ns]").view(np.int64)
            if ((ns % _DAY_NS != 0) & (ns != np.iinfo(np.int64).min)).any():
                return False
    index = frame.index
    if range_index:
        return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    return index.name == "activity_id" and index.dtype == pd.api.types.pandas_dtype("string")


_DAY_NS = 86_400 * 10**9


def _in_start_order(runs: pd.DataFrame) -> bool:
    """Whether the runs are already by start time, as a stable sort (missing times last) would put them."""
    start = runs["start_time"]
    if start.hasnans:
        return False
    return bool(start.is_monotonic_increasing)


def _clusters(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs that may repeat one another and runs that cannot, by start time.

    Only runs starting within CROSS_SOURCE_START_S of the run before them (or
    inside its span) can join a group, so the rows are compared in Python only
    inside such clusters; every other run stays as it is (an archive of
    thousands of runs has few clusters).

    Returns
    -------
    (alone, clustered) : the runs in no cluster, the runs in one (by start time)
    """
    order = runs if _in_start_order(runs) else runs.sort_values("start_time", kind="stable")
    start_s = order["start_time"].to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
    start_s[order["start_time"].isna().to_numpy()] = np.nan
    elapsed = order["elapsed_time_s"].astype("float64").to_numpy()
    span_s = np.where(elapsed > 0, elapsed, order["moving_time_s"].astype("float64").to_numpy())
    reach = np.fmax.accumulate(start_s + span_s)  # the latest end so far (NaN ends ignored)
    near = (np.diff(start_s) <= CROSS_SOURCE_START_S) | (start_s[1:] < reach[:-1])  # close starts, or overlap
    in_cluster = np.r_[near, False] | np.r_[False, near]
    if not in_cluster.any():  # the common case of one archive: nothing to compare, nothing copied
        return order, order.iloc[:0]
    return order[~in_cluster], order[in_cluster]


def _group(rows: list[pd.Series]) -> tuple[list[list[pd.Series]], dict[str, tuple[str, str]]]:
    """Rows (by start time) in groups of one run; why each joined (id -> (first id, reason))."""
    groups: list[list[pd.Series]] = []
    reasons: dict[str, tuple[str, str]] = {}
    open_groups: list[list[pd.Series]] = []
    for row in rows:
        if pd.isna(row["start_time"]):
            groups.append([row])
            continue
        open_groups = [  # within 200 years (schema.PLAUSIBLE_YEARS): no Timedelta overflow
            g for g in open_groups if (row["start_time"] - g[0]["start_time"]).total_seconds() <= _open_for_s(g[0])
        ]
        home = next(((g, why) for g in open_groups if (why := _same_run(g[0], row))), None)
        if home is not None:
            home[0].append(row)
            reasons[str(row.name)] = (str(home[0][0].name), home[1])
            continue
        groups.append([row])
        open_groups.append(groups[-1])
    return groups, reasons


def _pair_zone_shifted(groups: list[list[pd.Series]], alone: pd.DataFrame, reasons: dict[str, tuple[str, str]],
                       tz) -> tuple[list[list[pd.Series]], pd.DataFrame]:
    """Groups and lone runs with each zone-shifted pair (:func:`_zone_shifted_pairs`) made one group."""
    singles = [g[0] for g in groups if len(g) == 1]
    shifted = _zone_shifted_pairs(pd.concat([alone, pd.DataFrame(singles)]) if groups else alone, tz)
    if not shifted:
        return groups, alone
    partner = {}
    for a, b, why in shifted:
        partner[a], partner[b] = (b, why), (a, why)
    by_id = {str(r.name): r for r in singles}
    by_id.update({str(aid): alone.loc[aid] for aid in alone.index if str(aid) in partner})
    alone = alone[~alone.index.astype(str).isin(list(partner))]
    groups = [g for g in groups if len(g) > 1 or str(g[0].name) not in partner]
    for a, b, why in shifted:
        groups.append([by_id[a], by_id[b]])
        reasons[a] = reasons[b] = (a, why)
    return groups, alone


def _join_groups(groups: list[list[pd.Series]], reasons: dict[str, tuple[str, str]], samples: pd.DataFrame
                 ) -> tuple[list[pd.Series], dict[str, str | None], dict[str, str]]:
    """Each group as one run (:func:`_combine`).

    Returns
    -------
    kept : the runs, one per group
    rename : whose samples go to which survivor (None: dropped, another run's samples are kept)
    joined : id of each run merged into another -> its log reason
    """
    kept = []
    rename: dict[str, str | None] = {}
    joined: dict[str, str] = {}
    for g in groups:
        if len(g) == 1:
            kept.append(g[0])
            continue
        combined = _combine(g)
        if {r["source"] in WALL_TIME_SOURCES for r in g} == {True, False}:  # UTC from the source that knows it
            combined["start_time"] = next(r["start_time"] for r in g if r["source"] not in WALL_TIME_SOURCES)
        survivor = str(combined.name)
        kept.append(combined)
        for r in g:
            rid = str(r.name)
            if rid != survivor:
                _first, why = reasons.get(rid, reasons.get(survivor, (survivor, "same run")))
                joined[rid] = f"same run as {survivor} ({why}); fields merged into it"
        rename.update(_samples_kept(g, survivor, samples))
    return kept, rename, joined


def _samples_kept(group: list[pd.Series], survivor: str, samples: pd.DataFrame) -> dict[str, str | None]:
    """One run's samples go to the survivor (its own, else the first run's with any); the others' are dropped."""
    with_samples = [str(r.name) for r in group if len(samples) and (samples["activity_id"] == r.name).any()]
    keep_samples_of = survivor if survivor in with_samples else (with_samples[0] if with_samples else None)
    if keep_samples_of is None:
        return {}
    rename: dict[str, str | None] = {keep_samples_of: survivor}
    rename.update({rid: None for rid in with_samples if rid != keep_samples_of})  # drop
    return rename


def _move_samples(samples: pd.DataFrame, rename: dict[str, str | None]) -> pd.DataFrame:
    """Samples with dropped runs' removed and kept ones under their survivor's id."""
    drop = [k for k, v in rename.items() if v is None]
    samples = samples[~samples["activity_id"].isin(drop)].copy()
    moves = {k: v for k, v in rename.items() if v is not None and k != v}
    if moves:
        samples["activity_id"] = samples["activity_id"].replace(moves)
    return samples.reset_index(drop=True)


def _utc_offset_text(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = int(round(abs(seconds) / 60))
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _zone_shifted_pairs(runs: pd.DataFrame, tz) -> list[tuple[str, str, str]]:
    """Pairs (id, id, reason) of one run read twice, once from wall time in the wrong zone.

    Candidates: a run of a wall-time source and a run of a source that knows
    UTC, starting a multiple of :data:`ZONE_STEP_S` apart (1 step to 14 h, within
    :data:`ZONE_START_S`), distance within :data:`ZONE_DISTANCE_FRAC` and moving
    (or elapsed) time within :data:`ZONE_DURATION_FRAC` or :data:`ZONE_DURATION_S`.
    Each run joins at most one pair; closest distances pair first.
    """
    from analysis.units import get_zone

    if runs.empty:
        return []
    kinds = runs["source"].isin(WALL_TIME_SOURCES)  # (once: ~0.05 s per 2 million runs)
    if not kinds.any() or kinds.all():
        return []  # a pair needs a run of each kind
    df = runs[runs["start_time"].notna() & runs["distance_m"].notna()]
    start = pd.to_datetime(df["start_time"], utc=True)
    df = df.assign(start_time=start).sort_values("start_time", kind="stable")
    t = df["start_time"].dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
    dist = pd.to_numeric(df["distance_m"]).astype("float64").to_numpy()
    moving = pd.to_numeric(df["moving_time_s"]).astype("float64").to_numpy()
    elapsed = pd.to_numeric(df["elapsed_time_s"]).astype("float64").to_numpy()
    wall = df["source"].isin(WALL_TIME_SOURCES).to_numpy()
    src = df["source"].astype(str).to_numpy()
    ids = df.index.astype(str).to_numpy()

    def close(x: float, y: float) -> bool:
        return bool(np.isfinite(x) and np.isfinite(y) and abs(x - y) <= max(ZONE_DURATION_S, ZONE_DURATION_FRAC * max(x, y)))

    candidates = []
    hi = np.searchsorted(t, t + ZONE_MAX_S + ZONE_START_S, side="right")
    for i in range(len(df)):
        for j in range(i + 1, hi[i]):
            if wall[i] == wall[j] or src[i] == src[j]:
                continue
            dt = t[j] - t[i]
            steps = round(dt / ZONE_STEP_S)
            if steps < 1 or abs(dt - steps * ZONE_STEP_S) > ZONE_START_S:
                continue
            top = max(dist[i], dist[j])
            frac = 0.0 if top == 0 else abs(dist[i] - dist[j]) / top
            if frac > ZONE_DISTANCE_FRAC or not (close(moving[i], moving[j]) or close(elapsed[i], elapsed[j])):
                continue
            candidates.append((frac, i, j))
    used: set[int] = set()
    zone = get_zone(tz)
    zone_name = str(tz) if tz else "UTC"
    out = []
    for frac, i, j in sorted(candidates):
        if i in used or j in used:
            continue
        used.update((i, j))
        w, u = (i, j) if wall[i] else (j, i)
        shift = t[w] - t[u]  # wall-source start minus the true UTC start
        assumed = pd.Timestamp(t[w], unit="s", tz="UTC").tz_convert(zone).utcoffset().total_seconds()
        implied = assumed + shift
        why = (f"start {abs(shift) / 3600:g} h apart: the wall times of {_WALL_LABELS.get(src[w], src[w])} imply "
               f"{_utc_offset_text(implied)}, not the {zone_name} ({_utc_offset_text(assumed)}) assumed; "
               f"distance {100 * frac:.1f} % apart")
        u_id, w_id = ids[u], ids[w]
        out.append((u_id, w_id, why))
    return out


def _mark_repeats(log: pd.DataFrame, run_ids: pd.Index | None = None, repeated: np.ndarray | None = None
                  ) -> pd.DataFrame:
    """The log with a second 'imported' row for an id already imported marked duplicate (a copy if any is).

    ``run_ids`` and ``repeated`` (:func:`first_seen_twice` of them): when the
    log's imported ids are the runs' ids in the same order (one reader's
    result, as a rule), their repeats are the runs' and are not looked for
    again.
    """
    imported = log["status"] == "imported"
    has_id = log["activity_id"].notna()
    seen = log.loc[imported & has_id, "activity_id"]
    if run_ids is not None and repeated is not None and _same_ids(seen, run_ids):
        rep = repeated
    else:
        rep = first_seen_twice(seen)
    if not rep.any():
        return log
    idx = seen.index[rep]
    log = log.copy()
    log.loc[idx, "status"] = "duplicate"
    log.loc[idx, "reason"] = "same activity as " + log.loc[idx, "activity_id"] + " (given twice)"
    return log


def _same_ids(seen: pd.Series, run_ids: pd.Index) -> bool:
    """Whether two id columns are equal element by element (compared by Arrow)."""
    if len(seen) != len(run_ids):
        return False
    try:
        a, b = pa.array(seen.array, from_pandas=True), pa.array(run_ids.array, from_pandas=True)
        if a.null_count or b.null_count:
            return False
        return bool(pc.all(pc.equal(a.cast(pa.large_string()), b.cast(pa.large_string()))).as_py() is not False)
    except (pa.ArrowException, TypeError, ValueError):
        return bool(seen.reset_index(drop=True).equals(pd.Series(run_ids)))
