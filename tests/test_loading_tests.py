"""Loading tests (METHODS.md 10): read from the diary, trended per region, standing in for rare mornings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.io.pain_diary import loading_tests, read_pain_diary
from analysis.loading_tests import stand_in, trend

HEADER = "date,time_of_day,region,side,pain,activity_id,notes,reps\n"


def diary(rows: list[str]) -> pd.DataFrame:
    return read_pain_diary((HEADER + "\n".join(rows) + "\n").encode(), name="pain.csv")


def test_reader_keeps_tests_apart_with_reps_and_names():
    pain = diary(["2026-03-02,morning,achilles,R,2,,,",
                  "2026-03-02,test:single_leg_heel_raise,achilles,R,3,,,18",
                  "2026-03-03,test:Single leg heel raise,achilles,B,4,,,",
                  "2026-03-03,test:wall sit,patellar,L,1,,,"])
    assert list(pain["time_of_day"]) == ["morning"]  # the pain items only
    t = loading_tests(pain)
    assert len(t) == 4 and t.loc[0, "reps"] == 18 and np.isnan(t.loc[1, "reps"])
    assert set(t["test"]) == {"single_leg_heel_raise", "wall_sit"}
    assert any("not a named test, kept as written: wall_sit" in n for n in pain.attrs["diary"]["notes"])


def test_bad_reps_names_the_row():
    with pytest.raises(RunlogError, match="row 2"):
        diary(["2026-03-02,test:hop,achilles,R,3,,,many"])


def test_trend_slope_and_reps():
    rows = [f"2026-03-{d:02d},test:decline_squat,patellar,L,{p},,,{r}"
            for d, p, r in ((2, 6, 10), (9, 4, 12), (16, 2, 15))]
    t = trend(loading_tests(diary(rows))).iloc[0]
    assert t["days"] == 3 and t["first_pain"] == 6 and t["last_pain"] == 2
    assert t["pain_per_week"] == pytest.approx(-2.0)  # 2 points a week down, by hand
    assert (t["first_reps"], t["last_reps"]) == (10, 15)


def test_stand_in_only_when_tests_most_days_and_mornings_rare():
    days = pd.date_range("2026-03-01", periods=20)
    rows = [f"{d:%Y-%m-%d},test:hop,plantar,R,{k % 4},,," for k, d in enumerate(days) if k % 10 != 3]
    rows += [f"{days[0]:%Y-%m-%d},morning,plantar,R,1,,,"]  # 1 morning in 20 days
    pain = diary(rows)
    out, notes = stand_in(pain, loading_tests(pain))
    m = out[(out["region"] == "plantar") & (out["time_of_day"] == "morning")]
    assert len(m) == 18 and len(notes) == 1 and "logged on 18 of 20 days and mornings on 1" in notes[0]
    # mornings logged on 10 of 20 days: no stand-in
    rows += [f"{d:%Y-%m-%d},morning,plantar,R,1,,," for d in days[1:10]]
    pain = diary(rows)
    out, notes = stand_in(pain, loading_tests(pain))
    assert notes == [] and (out["time_of_day"] == "morning").sum() == 10
