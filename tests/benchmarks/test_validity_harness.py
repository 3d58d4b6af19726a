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


def test_pain_trend_against_a_planted_pain_effect_by_hand(capsys):
    # truth 0.3: (0.1, 0.5) covers and is above 0; (-0.1, 0.35) covers, not above; (0.5, 0.9) misses above
    rows = [(1, 0.3, 0.1, 0.5), (2, 0.05, -0.1, 0.35), (3, 0.7, 0.5, 0.9)]
    results = [{"pain_trend": [{"scenario": "pain_effect", "seed": s, "region": "achilles", "term": "barefoot_km_7d",
                                "estimate": e, "ci_low": lo, "ci_high": hi, "truth": 0.3}]} for s, e, lo, hi in rows]
    V.print_pain_trend(results)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("pain_effect"))
    bias = np.mean([0.0, -0.25, 0.4])
    assert "truth +0.300" in line and f"bias {bias:.3f} (" in line
    assert "coverage 0.667 (" in line and "power 66.7 (" in line and "width 0.400 of 3" in line


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


def _risk_truth_rows():
    last, half = V.RISK_SCENARIO, "half the barefoot-style share"
    base = {"scenario": "s", "status": "estimated", "message": None, "at_risk_next": True}
    return pd.DataFrame([
        # scored: runner 1 two regions, runner 2 one region
        {**base, "seed": 1, "region": "achilles", "plan": last, "risk": 0.2, "ci_low": 0.1, "ci_high": 0.3,
         "truth": 0.25},
        {**base, "seed": 1, "region": "achilles", "plan": half, "risk": 0.1, "ci_low": 0.05, "ci_high": 0.2,
         "truth": 0.25},
        {**base, "seed": 1, "region": "plantar", "plan": last, "risk": 0.4, "ci_low": 0.3, "ci_high": 0.5,
         "truth": 0.6},
        {**base, "seed": 1, "region": "plantar", "plan": half, "risk": 0.5, "ci_low": 0.4, "ci_high": 0.7,
         "truth": 0.5},
        {**base, "seed": 2, "region": "achilles", "plan": last, "risk": 0.6, "ci_low": 0.5, "ci_high": 0.8,
         "truth": 0.3},
        # runner 2's half: not estimated (no barefoot-style term), so no difference for it
        {**base, "seed": 2, "region": "achilles", "plan": half, "risk": None, "ci_low": None, "ci_high": None,
         "truth": 0.3, "status": "insufficient data"},
        # not scored: a flare under way; inside a flare in the generator
        {**base, "seed": 3, "region": "achilles", "plan": last, "risk": 0.9, "ci_low": 0.8, "ci_high": 0.95,
         "truth": 0.1, "message": "a flare-up is under way on the last day: the risk is of a new one once it has "
         "settled"},
        {**base, "seed": 3, "region": "plantar", "plan": last, "risk": 0.5, "ci_low": 0.4, "ci_high": 0.6,
         "truth": 0.45, "at_risk_next": False},
    ])


def test_risk_truth_measures_by_hand():
    rt = _risk_truth_rows()
    m = V.risk_truth_measures(rt).set_index("plan")
    last = m.loc[V.RISK_SCENARIO]
    assert last["n"] == 3
    assert last["coverage"] == pytest.approx(1 / 3)  # 0.25 in [0.1, 0.3]; 0.6 above [0.3, 0.5]; 0.3 below [0.5, 0.8]
    assert (last["truth_below"], last["truth_above"]) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert last["mean_ratio"] == pytest.approx(1.2 / 1.15)
    assert last["median_ratio"] == pytest.approx(np.median([0.2 / 0.25, 0.4 / 0.6, 0.6 / 0.3]))
    assert last["spearman"] == pytest.approx(0.5)  # ranks (1, 2, 3) against (1, 3, 2)
    x, y = np.log([0.2 / 0.8, 0.4 / 0.6, 0.6 / 0.4]), np.log([0.25 / 0.75, 0.6 / 0.4, 0.3 / 0.7])
    assert last["slope"] == pytest.approx(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
    assert last["width"] == pytest.approx(0.2)
    assert np.isnan(last["diff_bias"]) and last["coverage_se"] > 0
    half = m.loc["half the barefoot-style share"]
    assert half["n"] == 2 and half["n_diff"] == 2
    # predicted differences -0.1 and +0.1, true 0 and -0.1: errors -0.1 and +0.2
    assert half["diff_bias"] == pytest.approx(0.05)
    assert half["diff_pred"] == pytest.approx(0.0) and half["diff_true"] == pytest.approx(-0.05)
    busy = V.risk_truth_measures(rt, at_risk_next=False).set_index("plan").loc[V.RISK_SCENARIO]
    assert busy["n"] == 1 and busy["coverage"] == 1.0
    shifted = V.risk_truth_measures(rt.assign(truth_marginal=rt["truth"] + 0.6), truth="truth_marginal")
    assert shifted.set_index("plan").loc[V.RISK_SCENARIO, "coverage"] == 0.0


def test_risk_truth_plumbing(monkeypatch, capsys):
    """one_runner: 'now' is the findings' period end, one row per watched region and plan with its truth."""
    from benchmarks.generators.runner import simulate_runner

    sim = simulate_runner(5, "footwear_effect", years=1)
    now = (pd.Timestamp(sim.params["diary_end"]) - pd.Timedelta(days=3)).date().isoformat()
    plans = ["last 4 weeks", "half the barefoot-style share", "+20 % weekly km"]
    risk = [{"scenario": p, "risk_28d": 0.3, "ci": [0.2, 0.4], "status": "estimated", "message": None}
            for p in plans]
    fake = {"period": {"end": now},
            "regions": {r: {"primary": [], "absolute_risk": risk} for r in sim.params["watched"]}}
    monkeypatch.setattr(analysis.findings, "findings", lambda runs, pain, **kw: fake)
    res = V.one_runner(("footwear_effect", 5, 1, None, None, 0, None, 500))
    rt = pd.DataFrame(res["risk_truth"])
    assert len(rt) == 3 * len(sim.params["watched"]) and set(rt["plan"]) == set(plans)
    assert (rt["now"] == now).all() and (rt["risk"] == 0.3).all()
    from analysis.stats.absolute_risk import SCENARIOS
    from benchmarks.generators.forward import true_risk

    truth = true_risk(sim, now, SCENARIOS, draws=500)
    for row in rt.itertuples():
        assert row.truth == truth[row.region]["risk"][row.plan]
        assert row.at_risk_next == truth[row.region]["at_risk_next"]
        assert row.truth_marginal == truth[row.region]["risk_marginal"][row.plan]
    assert V.one_runner(("footwear_effect", 5, 1, None, None, 0, None, 0))["risk_truth"] == []
    # with the days followed too (--follow 28), each row keeps its "now" (a loop variable once took it over)
    followed = V.one_runner(("footwear_effect", 5, 1, None, None, 28, None, 50))
    assert [r["now"] for r in followed["risk_truth"]] == [now] * len(followed["risk_truth"]) != []
    assert {r["risk"] for r in followed["risk"]} == {0.3}
    V.print_risk_truth([res])
    out = capsys.readouterr().out
    assert "coverage of the 95 % interval" in out and "latent vulnerability's value 'now' unknown" in out


def test_rescore_prints_a_saved_risk_json(tmp_path, capsys):
    path = tmp_path / "risk.json"
    rows = _risk_truth_rows().assign(now="2025-01-01", diary_end="2025-01-02", truth_marginal=0.4)
    path.write_text(rows.to_json(orient="records"))
    assert V.main(["--rescore", str(path)]) == 0
    out = capsys.readouterr().out
    assert "coverage of the 95 % interval" in out and "seeds 1-3" in out
    line = next(x for x in out.split("coverage of the 95 % interval (target")[1].splitlines() if x.strip().startswith("s "))
    assert "0.333" in line


def test_pooled_keeps_a_pain_level_effect_apart(capsys):
    # null_flat: 1 of 2 intervals excludes 1; pain_effect (flare-ups OR 1): 2 of 2 do
    rows = pd.DataFrame(
        [{"scenario": sc, "seed": i, "region": "achilles", "estimand": "km_7d", "truth": 1.0, "status": "estimated",
          "estimate": 1.0, "ci_low": lo, "ci_high": hi}
         for i, (sc, lo, hi) in enumerate([("null_flat", 1.1, 2.0), ("null_flat", 0.5, 2.0),
                                           ("pain_effect", 1.2, 3.0), ("pain_effect", 1.1, 2.5)])]
    )
    V.print_pooled(rows)
    out = capsys.readouterr().out
    assert next(x for x in out.splitlines() if "every cell whose truth is OR 1" in x).split()[-5:] == \
        ["50.0", "%", "(35.4)", "of", "2"]
    assert next(x for x in out.splitlines() if "pain-level effect only" in x).split()[-5:] == \
        ["100.0", "%", "(0.0)", "of", "2"]
