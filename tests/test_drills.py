"""Drill days and weekly adherence (:mod:`analysis.drills`) of a small drills log."""

from __future__ import annotations

import pytest

from analysis.drills import drill_days, weekly_adherence
from analysis.io.drills import read_drills
from analysis.schema import DEFAULT_DRILLS


def test_drill_days_and_weekly_adherence(drills_log):
    d = read_drills(drills_log)
    days = drill_days(d, start="2026-03-02", end="2026-03-15")
    assert len(days) == 14 and days.sum() == 3
    assert days.loc["2026-03-02"] == 1 and days.loc["2026-03-03"] == 0
    adh = weekly_adherence(d, start="2026-03-02", end="2026-03-15")
    row = adh[(adh["week_start"] == "2026-03-02") & (adh["drill"] == "any")].iloc[0]
    # days with drills: 2 and 4 March -> 2 of 7 days
    assert row["days_done"] == 2 and row["days_in_week"] == 7
    assert row["adherence_pct"] == pytest.approx(100 * 2 / 7)
    toe = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "toe yoga")].iloc[0]
    assert toe["days_done"] == 0
    calf = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "calf raises")].iloc[0]
    assert calf["adherence_pct"] == pytest.approx(100 / 7)
    # every default drill appears every week, even when not done
    assert set(DEFAULT_DRILLS) <= set(adh["drill"])


def test_partial_week_uses_days_in_period(drills_log):
    adh = weekly_adherence(read_drills(drills_log))  # 2 to 10 March: the second week has 2 days
    row = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "any")].iloc[0]
    assert row["days_in_week"] == 2 and row["adherence_pct"] == pytest.approx(50.0)
