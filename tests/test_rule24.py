"""The 24-hour rule, computed on arrays, against the run-by-run version it replaced.

Three checks that the vectorised :func:`analysis.flareups.twenty_four_hour_rule`
gives what the run-by-run loop before it gave (issue [P]):

* a hand-built diary whose output was frozen from the loop version (two runs on
  one day, ids with a source prefix or spaces, an entry naming a run of
  another day, an entry without region, an invalid region, a missing score);
* random diaries (hypothesis) against :func:`reference`, the rule written out
  plainly here, one run and one region at a time, without the daily grid;
* the sample's diary, against the same reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import flareups as fl
from analysis import schema
from analysis.io.pain_diary import read_pain_diary

DAY0 = pd.Timestamp("2026-03-02")


def day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def pain_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """(day number, time of day, region, side, pain, activity_id) rows -> canonical pain frame."""
    return schema.coerce_pain(
        pd.DataFrame(
            [(day(d), t, r, s, p, a) for d, t, r, s, p, a in rows],
            columns=["date", "time_of_day", "region", "side", "pain", "activity_id"],
        )
    )


def runs_frame(ids_days: Iterable[tuple[str, int]]) -> pd.DataFrame:
    ids_days = list(ids_days)
    return schema.coerce_runs(
        pd.DataFrame(
            {
                "activity_id": [i for i, _ in ids_days],
                "date": [day(d) for _, d in ids_days],
                "distance_m": [5000.0] * len(ids_days),
            }
        )
    )


# --------------------------------------------------------------------------- the plain reference


def _max(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return max(values) if values else math.nan


def reference(  # noqa: C901 - a plain loop, written to be read, not to be fast
    pain: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    during_max: float = 5,
    after_max: float = 5,
    morning_rise_points: float = 2.0,
    week_rise_points: float = 1.0,
    min_week_days: int = 3,
) -> pd.DataFrame:
    """The 24-hour rule as METHODS.md 4 and the docstring state it, one run at a time (slow)."""
    rows = [
        {
            "day": pd.Timestamp(r.date).normalize() if pd.notna(r.date) else None,
            "time": r.time_of_day,
            "region": None if pd.isna(r.region) else r.region,
            "side": None if pd.isna(r.side) else r.side,
            "pain": math.nan if pd.isna(r.pain) else float(r.pain),
            "ref": None if pd.isna(r.activity_id) else str(r.activity_id).strip(),
        }
        for r in pain.itertuples(index=False)
    ]
    by_day: dict = {}  # day -> every entry of that day
    by_cell: dict = {}  # (day, region, side) -> that cell's entries, regions and sides of the grid only
    for e in rows:
        by_day.setdefault(e["day"], []).append(e)
        if e["day"] is not None and e["region"] in schema.REGIONS and e["side"] in schema.SIDES:
            by_cell.setdefault((e["day"], e["region"], e["side"]), []).append(e)

    def morning(d, region, side) -> float:
        return _max(e["pain"] for e in by_cell.get((d, region, side), []) if e["time"] == "morning")

    def day_max(d, region, side) -> float:
        return _max(e["pain"] for e in by_cell.get((d, region, side), []))

    def week_mean(d, region, side) -> float:
        logged = [v for k in range(7) if not math.isnan(v := day_max(d - pd.Timedelta(days=k), region, side))]
        return sum(logged) / len(logged) if len(logged) >= min_week_days else math.nan

    def names(ref, run_id) -> bool:
        return ref is not None and (ref == run_id or run_id.endswith(":" + ref))

    r = runs[runs["date"].notna()]
    ids = [str(i) for i in r.index]
    days = [pd.Timestamp(d).normalize() for d in r["date"]]
    out = []
    for run_id, d in zip(ids, days, strict=True):
        same_day = [i for i, dd in zip(ids, days, strict=True) if dd == d]
        state = dict.fromkeys(fl.RULES)
        fired = []
        row = {"date": d, "during_max": math.nan, "after_max": math.nan}

        def mark(rule, value, text, state=state, fired=fired):
            state[rule] = bool(state[rule]) or value
            if value:
                fired.append(text)

        for time, rule, limit in (("during", "during_high", during_max), ("after", "after_high", after_max)):
            mine = [
                e for e in by_day.get(d, [])
                if e["time"] == time
                and (names(e["ref"], run_id) or not any(names(e["ref"], i) for i in same_day))
            ]
            if not mine:
                continue
            row[f"{time}_max"] = _max(e["pain"] for e in mine)
            for region, side in sorted({(e["region"], e["side"]) for e in mine
                                        if e["region"] is not None and e["side"] is not None}):
                worst = _max(e["pain"] for e in mine if e["region"] == region and e["side"] == side)
                mark(rule, worst > limit, f"{time}>{limit:g} {region} {side}")
        columns = [(region, side) for region in schema.REGIONS for side in schema.SIDES]
        for region, side in columns:
            before, after = morning(d, region, side), morning(d + pd.Timedelta(days=1), region, side)
            if not (math.isnan(before) or math.isnan(after)):
                mark("morning_worse", after - before >= morning_rise_points, f"morning worse {region} {side}")
        for region, side in columns:
            now = week_mean(d, region, side)
            prev = week_mean(d - pd.Timedelta(days=7), region, side)
            if not (math.isnan(now) or math.isnan(prev)):
                mark("week_rise", now - prev >= week_rise_points, f"week rise {region} {side}")
        checked = [v for v in state.values() if v is not None]
        out.append({**row, **state, "breach": any(checked) if checked else None, "rules": "; ".join(fired)})
    frame = pd.DataFrame(out, columns=["date", "during_max", "after_max", *fl.RULES, "breach", "rules"])
    frame.index = pd.Index(pd.array(ids, dtype="string"), name="activity_id")
    return frame


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same runs, dates, flags and texts; the maxima equal (the reference's week mean may differ in the last bit)."""
    assert list(got.index) == list(want.index)
    assert list(got.columns) == list(want.columns)
    assert (got["date"].to_numpy() == pd.to_datetime(want["date"]).to_numpy(dtype="datetime64[ns]")).all()
    for col in ("during_max", "after_max"):
        np.testing.assert_array_equal(
            got[col].to_numpy(dtype=float, na_value=np.nan), want[col].astype(float).to_numpy()
        )
    for col in (*fl.RULES, "breach"):
        assert [None if pd.isna(v) else bool(v) for v in got[col]] == [
            None if pd.isna(v) else bool(v) for v in want[col]
        ], col
    assert got["rules"].tolist() == want["rules"].tolist()


# --------------------------------------------------------------------------- frozen hand-built case


def hand_built() -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = runs_frame(
        [("strava:111", 0), ("strava:222", 0), ("csv:a", 1), ("csv:b", 8), ("csv:c", 14), ("garmin:9", 30)]
    )
    pain = pain_frame(
        [
            (0, "during", "achilles", "L", 6, "111"),  # strava:111's own, by the id after the prefix
            (0, "after", "achilles", "L", 4, "111"),
            (0, "during", "plantar", "R", 3, " 222 "),  # spaces around the id
            (0, "after", "plantar", "R", 7, "strava:222"),  # the full id
            (0, "after", "glute", "L", 6, None),  # names no run: both runs of the day
            (0, "during", "patellar", "L", 2, "999"),  # names a run of no such day: both runs
            (0, "after", "achilles", "R", None, None),  # no score
            (0, "morning", "plantar", "L", 1, None),
            (1, "morning", "plantar", "L", 3, None),  # +2 overnight: morning worse for day 0
            (2, "morning", "plantar", "L", 4, None),  # +1: holds for day 1
            (0, "morning", "achilles", "R", 2, None),
            (1, "morning", "achilles", "R", 2, None),
            (1, "after", "plantar", "L", 5, "a"),  # csv:a's, 5 is not above 5
            (1, "during", None, "L", 8, None),  # no region: counts in the maximum, checks nothing
            (8, "after", "knee", "L", 9, None),  # not a region of the grid, still an 'after' entry
            *[(d, "morning", "glute", "R", 1, None) for d in range(1, 8)],
            *[(d, "morning", "glute", "R", 3, None) for d in range(8, 15)],  # week 1 -> week 3
        ]
    )
    return pain, runs


#: the output of the run-by-run version (commit c86db59) on :func:`hand_built`
FROZEN = {
    "during_max": [6.0, 3.0, 8.0, None, None, None],
    "after_max": [6.0, 7.0, 5.0, 9.0, None, None],
    "during_high": [True, False, None, None, None, None],
    "after_high": [True, True, False, True, None, None],
    "morning_worse": [True, True, False, False, None, None],
    "week_rise": [None, None, None, None, True, None],
    "breach": [True, True, False, True, True, None],
    "rules": [
        "during>5 achilles L; after>5 glute L; morning worse plantar L",
        "after>5 glute L; after>5 plantar R; morning worse plantar L",
        "",
        "after>5 knee L",
        "week rise glute R",
        "",
    ],
}


def test_hand_built_diary_gives_the_frozen_output_of_the_loop_version():
    pain, runs = hand_built()
    got = fl.twenty_four_hour_rule(pain, runs)
    assert list(got.index) == ["strava:111", "strava:222", "csv:a", "csv:b", "csv:c", "garmin:9"]
    assert got["date"].tolist() == [day(d) for d in (0, 0, 1, 8, 14, 30)]
    assert str(got["during_max"].dtype) == "Float64" and str(got["breach"].dtype) == "boolean"
    for col, want in FROZEN.items():
        assert [None if pd.isna(v) else v for v in got[col].tolist()] == want, col


def test_hand_built_diary_matches_the_reference_under_other_limits():
    pain, runs = hand_built()
    for kw in ({}, {"morning_rise_points": 1}, {"during_max": 3, "after_max": 2, "week_rise_points": 0.5,
                                               "min_week_days": 1}):
        assert_same(fl.twenty_four_hour_rule(pain, runs, **kw), reference(pain, runs, **kw))


def test_no_diary_or_no_runs():
    pain, runs = hand_built()
    none = fl.twenty_four_hour_rule(pain.iloc[:0], runs)
    assert none["breach"].isna().all() and (none["rules"] == "").all()
    assert len(fl.twenty_four_hour_rule(pain, runs.iloc[:0])) == 0


# --------------------------------------------------------------------------- random diaries

_IDS = ["strava:1", "strava:2", "csv:1", "garmin:x:7", "csv:b"]


@st.composite
def diaries(draw):
    n_days = draw(st.integers(1, 24))
    run_ids = draw(st.lists(st.sampled_from(_IDS), unique=True, max_size=len(_IDS)))
    runs = [(i, draw(st.integers(0, n_days))) for i in run_ids]
    refs = st.one_of(
        st.none(),
        st.sampled_from([*_IDS, "1", "2", "7", "x:7", "b", " 1 ", "99", "strava:9"]),
    )
    entry = st.tuples(
        st.integers(0, n_days + 1),
        st.sampled_from(["morning", "during", "after"]),
        st.one_of(st.sampled_from(schema.REGIONS), st.sampled_from([None, "knee"])),
        st.sampled_from(["L", "R", "L", None]),
        st.one_of(st.integers(0, 10), st.none()),
        refs,
    )
    rows = draw(st.lists(entry, max_size=60))
    limits = draw(
        st.fixed_dictionaries(
            {
                "morning_rise_points": st.sampled_from([1.0, 2.0]),
                "during_max": st.sampled_from([3, 5]),
                "min_week_days": st.sampled_from([1, 3]),
            }
        )
    )
    return pain_frame(rows), runs_frame(runs), limits


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diaries())
def test_random_diaries_match_the_plain_reference(case):
    pain, runs, limits = case
    assert_same(fl.twenty_four_hour_rule(pain, runs, **limits), reference(pain, runs, **limits))


# --------------------------------------------------------------------------- the sample


def test_sample_diary_matches_the_plain_reference(sample_dir):
    pain = read_pain_diary(sample_dir / "pain.csv")
    linked = pain.dropna(subset=["activity_id"]).drop_duplicates("activity_id")
    # the sample's runs as its diary names them, plus a week of runs the diary does not name
    ids = [(f"strava:{a}", (d - DAY0).days) for a, d in zip(linked["activity_id"], linked["date"], strict=True)]
    first = pain["date"].min()
    ids += [(f"csv:extra{k}", (first - DAY0).days + 100 + k) for k in range(7)]
    runs = runs_frame(ids)
    got = fl.twenty_four_hour_rule(pain, runs)
    assert len(got) > 300 and got["breach"].sum() > 50  # the sample's runner breaks the rule now and then
    assert_same(got, reference(pain, runs))


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
