"""The generator's true 28-day risk under a plan (benchmarks/generators/forward.py)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.generators import forward as fwd
from benchmarks.generators import runner as gen

REPO = Path(__file__).resolve().parents[2]
#: runlog's three plans, (factor on barefoot-style km, factor on all km), copied: the generators share nothing
#: with the model (test_plans_are_runlogs checks the copy)
PLANS = {"last 4 weeks": (1.0, 1.0), "half the barefoot-style share": (0.5, 1.0), "+20 % weekly km": (1.0, 1.2)}
LAST, HALF, MORE = PLANS


def _flare_end(flare) -> pd.Timestamp:
    return flare["onset"] + pd.Timedelta(days=int(flare["duration_days"]) - 1)


def test_plans_are_runlogs():
    from analysis.stats.absolute_risk import SCENARIOS

    assert SCENARIOS == PLANS
    km, bs = np.arange(1.0, 41.0), np.arange(40.0) / 4
    k, b = fwd.plan_days(km, bs, 0.5, 1.2, 30)  # runlog: km x f_km, barefoot-style km x f_bs x f_km, tiled
    np.testing.assert_allclose(k, np.r_[km[-28:], km[-28:][:2]] * 1.2)
    np.testing.assert_allclose(b, np.r_[bs[-28:], bs[-28:][:2]] * 0.5 * 1.2)


def test_imports_nothing_from_analysis():
    code = (
        "import sys; import benchmarks.generators.forward as f; import benchmarks.generators.runner as r; "
        "s = r.simulate_runner(0, 'load_effect', years=1); f.true_risk(s, s.daily.index[-1], {'a': (1.0, 1.0)}); "
        "print(sorted(m for m in sys.modules if m == 'analysis' or m.startswith('analysis.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.stdout.strip() == "[]"


def _digest(sim) -> str:
    h = hashlib.sha256()
    for a in (sim.daily.to_numpy(float), sim.runs["distance_m"].to_numpy(float),
              sim.runs["moving_time_s"].to_numpy(float), sim.pain["pain"].to_numpy(float, na_value=np.nan),
              sim.pain["date"].to_numpy("int64"), sim.flares["onset"].to_numpy("int64"),
              sim.flares["duration_days"].to_numpy("int64")):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def test_state_leaves_the_runner_unchanged():
    """The state is read off the run, nothing more is drawn: these digests are of the runners before it existed."""
    expected = {
        ("footwear_effect", 1220007, 0): "e39a5e42327a839b",
        ("load_effect", 3, 28): "186a467b99592d05",
        ("null_latent", 11, 0): "c1a790f014ed15a7",
    }
    for (scen, seed, follow), digest in expected.items():
        assert _digest(gen.simulate_runner(seed, scen, follow_days=follow)) == digest, (scen, seed, follow)


def test_constant_hazard_by_hand():
    """(a) No latent, no season, no dose, no footwear, no recurrence: 1 - exp(-h x days at risk)."""
    sim = gen.simulate_runner(1220003, "null_flat", years=2)
    assert sim.state["scenario"].latent_sd == 0
    h = {r: sim.params["onsets_per_at_risk_year"][r] / 365.25 for r in sim.params["watched"]}
    # at the end of the diary, every region at risk the next day gets 28 days of hazard
    tr = fwd.true_risk(sim, sim.daily.index[-1], PLANS)
    for r, v in tr.items():
        if v["at_risk_next"]:
            for p in v["risk"].values():
                assert p == pytest.approx(1 - np.exp(-28 * h[r]), rel=1e-12)
    # 3 days after a flare's last day: days 1-4 of the 28 are refractory (since <= 7)
    flare = sim.flares.iloc[len(sim.flares) // 2]
    r = flare["region"]
    tr = fwd.true_risk(sim, _flare_end(flare) + pd.Timedelta(days=3), PLANS, regions=[r])[r]
    assert not tr["at_risk_next"] and tr["at_risk_days"] == 24
    assert tr["risk"][LAST] == pytest.approx(1 - np.exp(-24 * h[r]), rel=1e-12)
    # inside the flare, 2 days after its onset: at risk from 8 days after its end
    now = flare["onset"] + pd.Timedelta(days=2)
    left = int(flare["duration_days"]) - 3 + 7  # days of the flare after "now", then the refractory days
    tr = fwd.true_risk(sim, now, PLANS, regions=[r])[r]
    assert tr["at_risk_days"] == max(0, 28 - left)
    assert tr["risk"][LAST] == pytest.approx(1 - np.exp(-max(0, 28 - left) * h[r]), rel=1e-12)


@pytest.mark.parametrize("scenario", ["footwear_effect", "load_effect", "null_seasonal", "null_latent"])
def test_first_day_is_the_generators_own_hazard(scenario):
    """Day 1 of the horizon depends on the history only: x the day's real latent it is the generator's hazard."""
    sim = gen.simulate_runner(1220011, scenario, years=2)
    n = len(sim.daily)
    for back in (30, 61, 150, 300):
        now = sim.daily.index[n - back]
        for r in sim.params["watched"]:
            h, at_risk = fwd.hazard_paths(sim, now, {LAST: PLANS[LAST]}, r)
            recorded = sim.daily[f"hazard_{r}"].iloc[n - back + 1]
            assert at_risk[0] == np.isfinite(recorded)
            if at_risk[0]:
                assert h[LAST][0] * sim.state["latent"][r][n - back + 1] == pytest.approx(recorded, rel=1e-12)


def _brute_force(sim, now, plan, region, futures, seed):
    """The generator's own day loop run forward under the plan: onsets drawn day by day, futures times."""
    st = sim.state
    scen, dates = st["scenario"], sim.daily.index
    i_now = int(dates.get_loc(now))
    km0 = sim.daily["km"].to_numpy()[: i_now + 1]
    bs0 = sim.daily["km_barefoot_style"].to_numpy()[: i_now + 1]
    f_bs, f_km = plan
    km = np.r_[km0, np.tile(km0[-28:] * f_km, 2)[:28]]
    bs = np.r_[bs0, np.tile(bs0[-28:] * f_bs * f_km, 2)[:28]]
    kernel = gen.lag_kernel()
    before = st["flares_all"][(st["flares_all"]["region"] == region) & (st["flares_all"]["onset"] <= now)]
    state_end = -(10**6)
    if len(before):
        last = before.iloc[-1]
        state_end = (last["onset"] - dates[0]).days + int(last["duration_days"]) - 1
    phi, sd = st["phi"], scen.latent_sd
    doy = (dates[0] + pd.to_timedelta(np.arange(len(km)), unit="D")).day_of_year.to_numpy()
    season = gen.season_multiplier(doy, scen.season_hazard) / st["season_norm"]
    rng = np.random.default_rng(seed)
    onsets = 0
    for _ in range(futures):
        c, o = st["latent_common"][i_now], st["latent_own"][region][i_now]
        for t in range(i_now + 1, i_now + 29):
            c = phi * c + rng.normal(0.0, np.sqrt(1 - phi * phi))
            o = phi * o + rng.normal(0.0, np.sqrt(1 - phi * phi))
            since = t - state_end
            if since <= gen.REFRACTORY_DAYS:
                continue
            latent = np.exp(sd * (np.sqrt(0.6) * c + np.sqrt(0.4) * o) - sd**2 / 2)
            h = gen.day_hazard(st["base"][region], season[t], latent, gen.load_w_day(km, t, kernel),
                               gen.share_7d_day(km, bs, t), since, state_end > -(10**6),
                               float(sim.params["threshold_km"]), scen, region)
            if rng.random() < 1.0 - np.exp(-h):
                onsets += 1
                break
    return onsets / futures


def test_against_the_generators_day_loop():
    """(b) Every piece switched on (dose, footwear, season, latent, recurrence, partly refractory)."""
    scen = gen.with_overrides("load_effect", footwear_log_hr=dict.fromkeys(gen.REGIONS, float(np.log(1.6))),
                              season_hazard=1.5, latent_sd=0.8, reverse=False)
    sim = gen.simulate_runner(1220000, scen, years=2)
    flare = sim.flares.iloc[-5]
    r = flare["region"]
    now = _flare_end(flare) + pd.Timedelta(days=4)
    tr = fwd.true_risk(sim, now, PLANS, regions=[r], draws=20000)[r]
    assert tr["at_risk_days"] == 25
    assert len({round(p, 3) for p in tr["risk"].values()}) == 3  # the plans differ
    futures = 1500
    for i, (name, plan) in enumerate(PLANS.items()):
        brute = _brute_force(sim, now, plan, r, futures, seed=i)
        se = np.sqrt(brute * (1 - brute) / futures + tr["mc_se"][name] ** 2)
        assert 0.05 < brute < 0.95
        assert abs(brute - tr["risk"][name]) < 4 * se, (name, brute, tr["risk"][name], se)


@pytest.mark.parametrize("scenario", ["null_latent", "load_effect"])
def test_half_barefoot_changes_nothing_without_a_footwear_effect(scenario):
    """(c) The dose depends on total km only, which "half the barefoot-style share" keeps."""
    sim = gen.simulate_runner(1220003, scenario, years=2)
    for back in (1, 100, 200):
        tr = fwd.true_risk(sim, sim.daily.index[-back], PLANS)
        for v in tr.values():
            assert v["risk"][HALF] == v["risk"][LAST]
    # with one, halving the share lowers the risk of the regions it acts on (the runner runs barefoot-style)
    sim = gen.simulate_runner(1220003, "footwear_effect", years=2)
    acted = [r for r in sim.params["watched"] if sim.state["scenario"].footwear_log_hr.get(r)]
    tr = fwd.true_risk(sim, sim.daily.index[-100], PLANS)
    for r, v in tr.items():
        if r in acted and v["at_risk_days"]:
            assert v["risk"][HALF] < v["risk"][LAST]
        else:
            assert v["risk"][HALF] == v["risk"][LAST]


def test_marginal_risk_does_not_know_the_latent_now():
    sim = gen.simulate_runner(1220003, "null_latent", years=2)
    now = sim.daily.index[-100]
    i = len(sim.daily) - 100
    r = sim.params["watched"][0]
    a = fwd.true_risk(sim, now, PLANS, regions=[r])[r]
    for key in ("latent_common", "latent_own"):
        path = sim.state[key] if key == "latent_common" else sim.state[key][r]
        path[i] += 1.5  # a more vulnerable runner "now"
    b = fwd.true_risk(sim, now, PLANS, regions=[r])[r]
    assert b["risk"][LAST] > a["risk"][LAST] + 0.02
    assert b["risk_marginal"] == a["risk_marginal"]
    flat = gen.simulate_runner(1220003, "null_flat", years=2)
    c = fwd.true_risk(flat, flat.daily.index[-1], PLANS)
    assert all(v["risk_marginal"] == v["risk"] for v in c.values())
