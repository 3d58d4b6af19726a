"""The validity benchmark's runner generator (benchmarks/generators/runner.py): properties of what it plants."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from benchmarks.generators import runner as gen

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def flat_runners():
    return [gen.simulate_runner(seed, "null_flat", years=3) for seed in range(12)]


def test_imports_nothing_from_analysis():
    code = (
        "import sys; import benchmarks.generators.runner as r; r.simulate_runner(0, 'load_effect', years=1); "
        "print(sorted(m for m in sys.modules if m == 'analysis' or m.startswith('analysis.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert done.stdout.strip() == "[]"


def test_seeded_reproducible_and_scenarios_share_the_runner():
    a = gen.simulate_runner(5, "null_reverse", years=2)
    b = gen.simulate_runner(5, "null_reverse", years=2)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.pain, b.pain)
    pd.testing.assert_frame_equal(a.flares, b.flares)
    c = gen.simulate_runner(6, "null_reverse", years=2)
    assert not a.runs["distance_m"].equals(c.runs["distance_m"])
    # the same seed is the same person in another scenario (traits), with its own draws
    d = gen.simulate_runner(5, "null_flat", years=2)
    assert d.params["watched"] == a.params["watched"] and d.params["weekly_km"] == a.params["weekly_km"]


def test_frames_are_canonical():
    sim = gen.simulate_runner(1, "footwear_effect", years=2)
    runs = sim.runs
    assert schema.validate_runs(runs) is runs
    assert runs.index.name == "activity_id" and runs.index.is_unique
    assert str(runs["start_time"].dt.tz) == "UTC"
    assert set(runs["shoe_class"]) <= {"barefoot", "minimalist", "partial", "traditional"}
    local = runs["start_time"].dt.tz_convert(gen.TZ).dt.tz_localize(None).dt.normalize()
    assert (local == runs["date"]).all()
    assert schema.validate_pain(sim.pain) is sim.pain
    assert set(sim.pain["region"]) == set(sim.params["watched"])
    # 10-30 % of diary days without any entry
    logged = sim.pain["date"].nunique() / sim.params["diary_days"]
    assert 0.6 < logged < 0.95


def test_summer_barefoot_share_above_winter():
    months = []
    for seed in range(8):
        d = gen.simulate_runner(seed, "null_seasonal", years=2).daily
        months.append(d[["km", "km_barefoot_style"]].groupby(d.index.month).sum())
    m = sum(months)
    share = m["km_barefoot_style"] / m["km"]
    summer, winter = share[[6, 7, 8]].mean(), share[[12, 1, 2]].mean()
    assert summer > 2 * winter


def test_load_drops_after_onsets_only_with_reverse_causation():
    def ratio(scenario):
        after, before = [], []
        for seed in range(15):
            sim = gen.simulate_runner(seed, scenario, years=3)
            km = sim.daily["km"]
            for onset in sim.flares["onset"]:
                t = km.index.get_loc(onset)
                if t >= 14 and t + 14 <= len(km):
                    before.append(km.iloc[t - 14 : t].sum())
                    after.append(km.iloc[t : t + 14].sum())
        return np.sum(after) / np.sum(before)

    assert ratio("null_reverse") < 0.75
    assert 0.85 < ratio("null_flat") < 1.15


def test_planted_onsets_match_the_asked_rate(flat_runners):
    observed = expected = 0.0
    for sim in flat_runners:
        for region in sim.params["watched"]:
            h = sim.daily[f"hazard_{region}"]
            h = h[h.index >= pd.Timestamp(sim.params["diary_start"])].dropna()
            at_risk_years = len(h) / 365.25
            expected += sim.params["onsets_per_at_risk_year"][region] * at_risk_years
            observed += int((sim.flares["region"] == region).sum())
    # Poisson: 4 SD of the expected count (~130 onsets)
    assert abs(observed - expected) < 4 * np.sqrt(expected), (observed, expected)


def test_flares_have_the_asked_shape(flat_runners):
    f = pd.concat([s.flares for s in flat_runners])
    assert f["peak"].between(4, 8).all() and f["duration_days"].between(7, 28).all()
    assert set(f["side"]) <= {"L", "R", "B"}
    # no onset inside a flare or its 7 refractory days, per region
    for sim in flat_runners:
        for _, g in sim.flares.groupby("region"):
            gap = (g["onset"].iloc[1:].to_numpy() - g["end"].iloc[:-1].to_numpy()) / pd.Timedelta(days=1)
            assert (gap > 7).all()


def test_truths():
    null = gen.simulate_runner(3, "null_latent", years=2)
    assert all(
        v == {"barefoot_share_7d": 1.0, "km_7d": 1.0, "km_7d_event_weighted": 1.0}
        for v in null.truth.values()
    )
    fw = gen.simulate_runner(3, "footwear_effect", years=2)
    for region, t in fw.truth.items():
        want = gen.FOOTWEAR_OR if region in ("achilles", "plantar") else 1.0
        assert t["barefoot_share_7d"] == pytest.approx(want) and t["km_7d"] == 1.0
    load = gen.simulate_runner(3, "load_effect", years=2)
    assert all(t["km_7d"] > 1.05 and t["barefoot_share_7d"] == 1.0 for t in load.truth.values())


def test_dose_is_a_hockey_stick_not_linear():
    x = np.array([0.0, 10.0, 20.0, 40.0, 50.0, 60.0])
    y = gen.log_dose(x, threshold_km=30.0, slope=np.log(4.0))
    assert y[0] < 0.01 and y[1] < 0.01  # flat well below the threshold
    assert np.diff(y[3:]) == pytest.approx([np.log(4.0)] * 2, rel=0.02)  # slope per +10 km above it
    k = gen.lag_kernel()
    assert k.sum() == pytest.approx(1.0) and 3 <= int(np.argmax(k)) + 1 <= 8 and k[28:].sum() > 0.005


def test_follow_days_hide_the_days_after_the_diary_and_tell_their_onsets():
    days = 28
    for seed in range(6):
        sim = gen.simulate_runner(seed, "load_effect", years=1, follow_days=days)
        end = pd.Timestamp(sim.params["diary_end"])
        # what runlog gets stops at the diary's end; the hidden daily series goes on
        assert sim.runs["date"].max() <= end and sim.pain["date"].max() <= end
        assert sim.flares["onset"].max() <= end
        assert sim.daily.index.max() == end + pd.Timedelta(days=days)
        assert set(sim.params["follow"]) == set(sim.params["watched"])
        for region, seen in sim.params["follow"].items():
            # at risk after the diary: no planted flare (nor its 7 refractory days) runs into the next day
            own = sim.flares[sim.flares["region"] == region]
            last_end = (own["onset"] + pd.to_timedelta(own["duration_days"] - 1, unit="D")).max()
            busy = len(own) > 0 and last_end + pd.Timedelta(days=7) > end
            assert seen["at_risk_after"] == (not busy)
            if seen["onset_within"] is not None:
                onset = pd.Timestamp(seen["onset_within"])
                assert end < onset <= end + pd.Timedelta(days=days)
                assert seen["at_risk_after"] or onset > last_end + pd.Timedelta(days=7)
    # without follow days the runner is the one the seed always gave, and nothing is said of after
    plain = gen.simulate_runner(3, "load_effect", years=1)
    assert "follow" not in plain.params
    assert plain.daily.index.max() == pd.Timestamp(plain.params["diary_end"])


def test_pain_exposure_is_the_exponential_lag_by_hand():
    km = np.zeros(30)
    km[0] = 10.0
    expo = gen.pain_exposure(km)
    w = np.exp(-np.arange(1, 22) / 3.0)
    w /= w.sum()
    assert expo[0] == 0.0  # today's run is not in today's exposure
    assert expo[1:22] == pytest.approx(70.0 * w)  # 7 x weight x 10 km, lags 1..21
    assert expo[22:] == pytest.approx(0.0)
    assert gen.pain_lag_kernel()[:7].sum() == pytest.approx((1 - np.exp(-7 / 3)) / (1 - np.exp(-7)))


def test_pain_effect_truth_is_the_planted_points_through_the_diary():
    assert gen.SCENARIOS["pain_effect"].pain_effect and not gen.SCENARIOS["pain_effect"].null
    assert all(not gen.SCENARIOS[s].pain_effect for s in gen.SCENARIOS if s != "pain_effect")
    null = gen.simulate_runner(3, "null_flat", years=2)
    assert all(t == {"barefoot_km_7d": 0.0, "km_7d": 0.0} for t in null.params["pain_truth"].values())
    sim = gen.simulate_runner(3, "pain_effect", years=2)
    w7 = float(gen.pain_lag_kernel()[:7].sum())
    zero = sim.params["diary"]["zero_inflation"]
    for region, t in sim.params["pain_truth"].items():
        for term, points in (("barefoot_km_7d", gen.PAIN_BAREFOOT_POINTS), ("km_7d", gen.PAIN_KM_POINTS)):
            # rounding keeps the mean change near the latent one; zeros written and the 0 floor only shrink it
            assert 0.5 * (1 - zero) * points * w7 < t[term] <= points * w7 + 0.05, (region, term)
    # the planted effect is in the diary: morning pain rises with the exposure (flare days left out)
    daily = sim.daily
    bf = pd.Series(gen.pain_exposure(daily["km_barefoot_style"].to_numpy()), index=daily.index)
    morning = sim.pain[sim.pain["time_of_day"] == "morning"].groupby(["date", "region"])["pain"].max()
    morning = morning.astype(float).reset_index()
    morning = morning[~daily["in_pain"].reindex(morning["date"]).to_numpy()]
    slope = np.polyfit(bf.reindex(morning["date"]).to_numpy() / 10, morning["pain"].to_numpy(), 1)[0]
    assert slope > 0.1
