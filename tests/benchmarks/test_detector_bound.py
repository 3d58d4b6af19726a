"""benchmarks/detector.py: the recall reach of a diary's gaps and the oracle F1 bound (hand-computed)."""

from __future__ import annotations

import math

import pandas as pd

from benchmarks import detector as D

DAY0 = pd.Timestamp("2024-03-01")


def test_reachable_and_oracle_bound():
    # plantar mornings logged on days 0, 1, 5, 9; planted onsets on days 0 (morning that day), 3 (next logged
    # morning day 5 = onset + 2), 7 (day 5 = onset - 2 and day 9 = onset + 2) and 12 (day 9 = onset - 3: none)
    pain = pd.DataFrame({"date": [DAY0 + pd.Timedelta(days=d) for d in (0, 1, 5, 9)], "time_of_day": "morning",
                         "region": "plantar"})
    truth = pd.DataFrame({"region": "plantar", "onset": [DAY0 + pd.Timedelta(days=d) for d in (0, 3, 7, 12)]})
    assert D.reachable(pain, truth) == 3  # onset..onset+2: days 0, 3, 7
    assert D.reachable(pain, truth, before=2) == 3  # onset-2..onset+2: the same three
    truth.loc[3, "onset"] = DAY0 + pd.Timedelta(days=11)  # day 9 = onset - 2: reachable only from before
    assert D.reachable(pain, truth) == 3  # days 11-13 unlogged: not reachable from onset on
    assert D.reachable(pain, truth, before=2) == 4
    # recall 0.91 at precision 1: F1 = 2 x 0.91 / 1.91 = 0.9529 (the bound the README's claim missed)
    assert math.isclose(D.oracle_f1(0.91), 1.82 / 1.91)
    assert D.oracle_f1(1.0) == 1.0 and D.oracle_f1(0.0) == 0.0
