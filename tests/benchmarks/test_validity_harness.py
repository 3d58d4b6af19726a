"""benchmarks/validity.py: the performance measures (hand-computed) and the degrade path."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import analysis.findings
from benchmarks import validity as V


def _rows():
    # runner 1: two regions; runner 2: one region (not estimated)
    rows = pd.DataFrame(
        [
            # truth OR 2: covered, CI above 1 (a hit), log error log(1.5/2)
            {
                "seed": 1,
                "region": "achilles",
                "truth": 2.0,
                "status": "estimated",
                "estimate": 1.5,
                "ci_low": 1.1,
                "ci_high": 2.2,
            },
            # truth OR 2: not covered, CI includes 1, log error log(0.8/2)
            {
                "seed": 1,
                "region": "plantar",
                "truth": 2.0,
                "status": "estimated",
                "estimate": 0.8,
                "ci_low": 0.5,
                "ci_high": 1.3,
            },
            {
                "seed": 2,
                "region": "achilles",
                "truth": 2.0,
                "status": "insufficient data",
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
            },
        ]
    )
    return rows.assign(scenario="s", estimand="km_7d", truth_group="OR 2.00")


def test_measures_by_hand():
    perf = V.performance(_rows()).iloc[0]
    assert perf["n"] == 3 and perf["runners"] == 2
    assert perf["estimated"] == pytest.approx(2 / 3)
    assert perf["coverage"] == pytest.approx(0.5)
    assert perf["reject"] == pytest.approx(0.5)  # power: CI above 1 in one of two
    assert perf["claims_all"] == pytest.approx(1 / 3)
    assert perf["bias"] == pytest.approx((math.log(0.75) + math.log(0.4)) / 2)
    assert perf["width"] == pytest.approx(np.median([2.2 / 1.1, 1.3 / 0.5]))
    assert perf["estimated_se"] > 0  # the two runners differ


def test_false_positive_is_either_side_under_the_null():
    rows = _rows().assign(truth=1.0, truth_group="OR 1")
    rows.loc[1, ["ci_low", "ci_high"]] = [0.3, 0.9]  # below 1: a false claim too
    perf = V.performance(rows).iloc[0]
    assert perf["reject"] == pytest.approx(1.0)
    rate, se, n = V.any_claim(rows)
    assert (rate, n) == (pytest.approx(2 / 3), 3) and se > 0


def test_no_primary_in_findings_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(analysis.findings, "findings", lambda runs, pain, **kw: {"regions": {}})
    assert V.main(["--quick", "--runners", "1", "--scenarios", "null_flat", "--years", "1"]) == 1
    assert V.NOT_AVAILABLE in capsys.readouterr().out


def test_pain_trend_false_positives_by_hand(capsys):
    # null_flat: three intervals, one excluding 0 (below it): 1 of 3; footwear_effect: above 0 in 1 of 2
    results = [
        {"pain_trend": [
            {"scenario": "null_flat", "seed": 1, "region": "achilles", "term": "km_7d", "estimate": -0.2,
             "ci_low": -0.3, "ci_high": -0.1},
            {"scenario": "null_flat", "seed": 1, "region": "plantar", "term": "km_7d", "estimate": 0.0,
             "ci_low": -0.1, "ci_high": 0.1},
        ]},
        {"pain_trend": [
            {"scenario": "null_flat", "seed": 2, "region": "achilles", "term": "km_7d", "estimate": 0.05,
             "ci_low": -0.02, "ci_high": 0.12},
            {"scenario": "footwear_effect", "seed": 2, "region": "achilles", "term": "barefoot_km_7d",
             "estimate": 0.3, "ci_low": 0.1, "ci_high": 0.5},
            {"scenario": "footwear_effect", "seed": 3, "region": "achilles", "term": "barefoot_km_7d",
             "estimate": -0.3, "ci_low": -0.5, "ci_high": -0.1},
        ]},
    ]
    V.print_pain_trend(results)
    out = capsys.readouterr().out
    null_line = next(line for line in out.splitlines() if line.strip().startswith("null_flat"))
    assert "FP" in null_line and " 33.3 (" in null_line and "of 3" in null_line and "MISS" in null_line
    effect_line = next(line for line in out.splitlines() if line.strip().startswith("footwear_effect"))
    assert "above 0" in effect_line and " 50.0 (" in effect_line and "MISS" not in effect_line
    assert "pooled null false positives, both terms 33.3 %" in out


def test_risk_calibration_by_hand():
    risk = pd.DataFrame([
        # scored: estimated, at risk after, no flare under way
        {"seed": 1, "status": "estimated", "risk": 0.2, "at_risk_after": True, "onset": False, "message": None},
        {"seed": 1, "status": "estimated", "risk": 0.4, "at_risk_after": True, "onset": True, "message": None},
        {"seed": 2, "status": "estimated", "risk": 0.6, "at_risk_after": True, "onset": True, "message": None},
        # not scored: in flare after the diary; told a flare is under way; not estimated
        {"seed": 2, "status": "estimated", "risk": 0.9, "at_risk_after": False, "onset": False, "message": None},
        {"seed": 3, "status": "estimated", "risk": 0.9, "at_risk_after": True, "onset": False,
         "message": "a flare-up is under way on the last day: the risk is of a new one once it has settled"},
        {"seed": 3, "status": "insufficient data", "risk": None, "at_risk_after": True, "onset": True,
         "message": "insufficient data"},
    ])
    c = V.risk_calibration(risk)
    assert c["n"] == 3
    assert c["predicted"] == pytest.approx(0.4) and c["observed"] == pytest.approx(2 / 3)
    assert c["o_e"] == pytest.approx((2 / 3) / 0.4)
    assert c["brier"] == pytest.approx((0.2**2 + 0.6**2 + 0.4**2) / 3)
    assert c["brier_none"] == pytest.approx(((2 / 3) ** 2 + 2 * (1 / 3) ** 2) / 3)
    assert c["thirds"] == [(0.2, 0.0, 1), (0.4, 1.0, 1), (0.6, 1.0, 1)]
    assert c["predicted_se"] > 0  # two runners that differ
