"""The primary model (analysis.stats.primary, primary_design): planted effects, nulls, size rule, statuses.

The independent side of the estimator test maximises Firth's penalised log-likelihood
l(beta) + 0.5 log|X'WX| (and the normal-prior one) with scipy.optimize directly, and traces the
profile by constrained maximisation: a different algorithm for the same definitions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

from analysis.simulate.primary_days import simulate_primary_days
from analysis.stats import primary
from analysis.stats import primary_design as pdg


def _fit(seed: int, **kw) -> primary.PrimaryFit:
    fit_kw = {k: kw.pop(k) for k in ("adjustments", "estimator", "variance") if k in kw}
    daily, frame = simulate_primary_days(seed=seed, **kw)
    return primary.fit_primary(frame, pdg.load_arrays(daily), **fit_kw)


def _row(fit: primary.PrimaryFit, estimand: str) -> pd.Series:
    return fit.rows.set_index("estimand").loc[estimand]


# ---------------------------------------------------------------- design: no leakage, the lag basis


def test_lag_features_use_days_before_t_only():
    days = pd.date_range("2025-01-01", periods=60, name="date")
    km = np.arange(60, dtype=float)
    bs = np.where(np.arange(60) % 2 == 0, km, 0.0)
    daily = pd.DataFrame({"km": km, "km_barefoot_style": bs}, index=days)
    la = pdg.load_arrays(daily)
    t = 40
    assert la.km_lags[t, 0] == km[t - 1] and la.km_lags[t, 27] == km[t - 28]
    assert la.km_7d[t] == km[t - 7 : t].sum() and la.barefoot_km_7d[t] == bs[t - 7 : t].sum()
    assert np.isnan(la.km_7d[6]) and np.isfinite(la.km_7d[7]) and np.isnan(la.km_lags[27]).any()
    changed = daily.copy()
    changed.iloc[t, 0] = 500.0  # day t's own running never explains day t
    la2 = pdg.load_arrays(changed)
    assert np.array_equal(la2.km_lags[t], la.km_lags[t]) and la2.km_7d[t + 1] == la.km_7d[t + 1] + 500 - km[t]


def test_lag_basis_keeps_km_7d_one_column():
    for df in (1, 2, 3):
        basis = pdg.lag_basis(df)
        assert basis.shape == (28, df)
        assert np.array_equal(basis[:, 0], (np.arange(1, 29) <= 7).astype(float))
        assert np.all(basis[:7, 1:] == 0)  # the other columns never touch days 1-7
    assert np.linalg.matrix_rank(pdg.lag_basis(3)) == 3


def test_flare_history_counts_from_the_last_flare_day():
    in_flare = np.array([0, 0, 1, 1, 0, 0, 0, 0], bool)
    logged = np.array([0, 1, 1, 1, 1, 1, 1, 1], bool)
    no_yet, since = pdg.flare_history(in_flare, logged)
    assert no_yet.tolist() == [True, True, True, False, False, False, False, False]
    # before any flare: from the first logged day (day 1); after: from the last flare day (day 3)
    assert since.tolist() == [1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 3.0, 4.0]


# ---------------------------------------------------------------- planted effects and nulls


def test_planted_odds_ratios_are_recovered():
    truth = {"barefoot_share_7d": 1.3, "km_7d": 1.5}
    fit = _fit(3, n_days=1460, share_or=truth["barefoot_share_7d"], km_or=truth["km_7d"], onsets_per_year=12)
    assert fit.n_events >= 40 and len(fit.adjustments) == 5  # the full model
    for estimand, true_or in truth.items():
        row = _row(fit, estimand)
        assert row["status"] == "estimated"
        assert row["ci_low"] <= true_or <= row["ci_high"], estimand
        assert row["ci_low"] > 1, estimand  # and detected
        assert 1 < row["min_detectable"] < 2


def test_null_runners_reject_about_five_percent():
    rejected = covered = tests = 0
    for seed in range(50):
        fit = _fit(500 + seed, n_days=730, onsets_per_year=8)
        for row in fit.rows.itertuples():
            if row.status == "insufficient data":
                continue
            tests += 1
            rejected += bool(row.ci_low > 1 or row.ci_high < 1)
            covered += bool(row.ci_low <= 1 <= row.ci_high)
            # one convention: the LR p-value and the profile interval agree
            if abs(row.p - 0.05) > 0.002:
                assert (row.p < 0.05) == bool(row.ci_low > 1 or row.ci_high < 1)
    assert tests >= 90
    # binomial(100, 0.05): P(X > 12) < 0.002
    assert rejected / tests <= 0.12 and covered == tests - rejected


# ---------------------------------------------------------------- size follows events


def test_events_per_parameter_ladder():
    assert pdg.minimum_onsets() == 10
    assert pdg.choose_adjustments(9) is None
    assert pdg.choose_adjustments(10) == pdg.choose_adjustments(14) == ()
    assert pdg.choose_adjustments(15) == ("days_since_flare",)
    assert pdg.choose_adjustments(24) == ("days_since_flare",)  # the season pair needs 25
    assert pdg.choose_adjustments(25) == ("days_since_flare", "season")
    assert pdg.choose_adjustments(40) == tuple(name for name, _, _ in pdg.ADJUSTMENT_LADDER)
    for n in range(10, 60):
        k = len(pdg.spec_for(pdg.choose_adjustments(n)).columns)
        assert k * pdg.EVENTS_PER_PARAMETER <= n


def test_model_size_follows_the_onsets_of_the_data():
    fit = _fit(1, n_days=730, onsets_per_year=8)
    assert len(fit.spec.columns) * 5 <= fit.n_events
    assert set(fit.dropped) == {n for n, _, _ in pdg.ADJUSTMENT_LADDER} - set(fit.adjustments)


def test_too_few_onsets_say_how_many_are_needed():
    fit = _fit(0, n_days=500, onsets_per_year=8, barefoot_prob=(0.02, 0.015))
    assert fit.n_events == 9 and not fit.estimable and fit.spec is None
    assert fit.message == "insufficient data: 9 onsets, about 10 needed"
    assert (fit.rows["status"] == "insufficient data").all()
    assert fit.rows["estimate"].isna().all() and (fit.rows["message"] == fit.message).all()
    assert primary.insufficient_message(1) == "insufficient data: 1 onset, about 10 needed"


def test_too_imprecise_keeps_the_estimate_but_says_so():
    # a runner who almost never runs barefoot-style: the share interval spans > 10-fold
    fit = _fit(1, n_days=500, onsets_per_year=8, barefoot_prob=(0.02, 0.015))
    share = _row(fit, "barefoot_share_7d")
    assert share["status"] == "too imprecise" and share["ci_high"] / share["ci_low"] > 10
    assert np.isfinite(share["estimate"]) and share["message"].startswith("too imprecise to estimate")
    assert _row(fit, "km_7d")["status"] == "estimated"
    # the rule is the interval ratio, nothing else
    strict = primary.fit_primary(*_frames(1, n_days=500, onsets_per_year=8, barefoot_prob=(0.02, 0.015)),
                                 max_ci_ratio=1.01)
    assert (strict.rows["status"] == "too imprecise").all()


def _frames(seed, **kw):
    daily, frame = simulate_primary_days(seed=seed, **kw)
    return frame, pdg.load_arrays(daily)


def test_bad_input_gives_a_sentence_never_an_estimate():
    frame, loads = _frames(2, n_days=200, onsets_per_year=8)
    nothing_logged = frame.assign(logged=False)
    fit = primary.fit_primary(nothing_logged, loads)
    assert fit.message == "insufficient data: no at-risk day with a diary entry"
    assert fit.rows["estimate"].isna().all()
    # load that starts on the diary's first day: no day has 28 days of known running before it
    short = pdg.load_arrays(pd.DataFrame({"km": 5.0, "km_barefoot_style": 1.0}, index=frame.index[:20]))
    fit = primary.fit_primary(frame, short)
    assert fit.message.startswith("insufficient data: no at-risk diary day has 28 days of known running")
    # no barefoot-style running at all: that estimand is not estimable, the km one is
    daily, frame = simulate_primary_days(seed=5, n_days=900, onsets_per_year=10)
    fit = primary.fit_primary(frame, pdg.load_arrays(daily.assign(km_barefoot_style=0.0)))
    share = _row(fit, "barefoot_share_7d")
    assert share["status"] == "insufficient data" and "never varies" in share["message"]
    assert math.isnan(share["estimate"]) and _row(fit, "km_7d")["status"] in ("estimated", "too imprecise")


# ---------------------------------------------------------------- the estimator against independent code


def _fixed_data():
    frame, loads = _frames(11, n_days=730, onsets_per_year=10)
    days = pdg.model_days(frame, loads)
    spec = pdg.spec_for(("days_since_flare",))
    return days.onset.astype(float), pdg.design(days, spec)


def _penalised(X, y, estimator):
    def value(beta):
        eta = X @ beta
        ll = float(np.sum(y * eta - np.logaddexp(0, eta)))
        if estimator == "firth":
            p = 1 / (1 + np.exp(-eta))
            return ll + 0.5 * float(np.linalg.slogdet(X.T @ (X * (p * (1 - p))[:, None]))[1])
        return ll - 0.5 * float(np.sum((beta[1:] / primary.PRIOR_SD) ** 2))

    return value


def _max_with(X, y, estimator, j=None, b=0.0):
    value = _penalised(X, y, estimator)
    free = [k for k in range(X.shape[1]) if k != j]

    def neg(bf):
        beta = np.zeros(X.shape[1])
        beta[free] = bf
        if j is not None:
            beta[j] = b
        return -value(beta)

    res = optimize.minimize(neg, np.zeros(len(free)), method="BFGS", options={"gtol": 1e-8})
    return res.x, -res.fun


@pytest.mark.parametrize("estimator", ["firth", "prior"])
def test_estimator_matches_direct_optimisation(estimator):
    y, X = _fixed_data()
    fit = primary.penalised_fit(y, X, estimator)
    beta, top = _max_with(X, y, estimator)
    np.testing.assert_allclose(fit.params, beta, atol=2e-4)
    assert fit.loglik == pytest.approx(top, abs=1e-6)
    lo, hi, p, _ = primary.profile_interval(y, X, 1, fit, estimator)
    crit = stats.chi2.ppf(0.95, 1)
    for bound in (lo, hi):
        assert 2 * (top - _max_with(X, y, estimator, 1, bound)[1]) == pytest.approx(crit, abs=2e-3)
    assert p == pytest.approx(stats.chi2.sf(2 * (top - _max_with(X, y, estimator, 1, 0.0)[1]), 1), abs=1e-4)


def test_firth_is_close_to_unpenalised_logit_and_numbers_are_frozen():
    y, X = _fixed_data()
    ml = sm.Logit(y, X).fit(disp=0)
    fit = primary.penalised_fit(y, X, "firth")
    # Firth shrinks by O(1/n): close to ML with 19 onsets, and towards 0
    np.testing.assert_allclose(fit.params[1:], ml.params[1:], atol=0.15)
    # frozen on this fixed simulated runner (seed 11): OR per +10 points and per +10 km, profile CI, p
    # (session 5: the share column is the 7-day share minus the runner's usual share, slow_share)
    lo, hi, p, se0 = primary.profile_interval(y, X, 1, fit)
    assert int(y.sum()) == 19 and X.shape == (411, 4)
    assert math.exp(fit.params[1]) == pytest.approx(1.04227, abs=2e-4)
    assert (math.exp(lo), math.exp(hi), p) == pytest.approx((0.88978, 1.21764, 0.60192), abs=2e-4)
    assert math.exp(fit.params[2]) == pytest.approx(1.13247, abs=2e-4)
    assert math.exp((primary.Z975 + primary.Z80) * se0) == pytest.approx(1.24615, abs=2e-3)


def test_summary_reads_like_a_results_object():
    fit = _fit(1, n_days=730, onsets_per_year=8)
    text = fit.summary()
    assert text.startswith(f"primary model (firth): {fit.n_events} onsets on {fit.n_days} at-risk days")
    assert "barefoot_share_7d" in text and "km_7d" in text


def test_region_day_frame_reads_region_days_with_or_without_logged():
    from analysis import flareups
    from analysis.schema import coerce_pain

    days = pd.date_range("2025-03-01", periods=40)
    rows = [(d, "morning", "plantar", side, 6 if 20 <= i <= 23 and side == "L" else 1)
            for i, d in enumerate(days) if i % 5 != 4 for side in ("L", "R")]
    rows += [(d, "during", "achilles", "R", 2) for d in days[::2]]  # no morning entries at all
    pain = coerce_pain(pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side", "pain"]))
    dp = flareups.daily_pain(pain)
    rd = flareups.region_days(dp, flareups.detect_flareups(dp))
    frame = pdg.region_day_frame(rd, dp, "plantar")
    # 32 logged mornings, and the onset: the flare's first morning (03-21) follows one unlogged day (03-20),
    # so the onset is dated to it (gap dating) and that day counts as logged (the onset was observed there)
    assert frame["logged"].sum() == 33 and frame.attrs["pain_item"] == "morning"
    # the flare starts after 16 logged mornings: a baseline exists (METHODS.md 4 needs 10)
    assert frame.loc["2025-03-21", "morning_pain"] == 6  # the worse side
    assert np.isnan(frame.loc["2025-03-05", "morning_pain"])  # not logged: missing, never 0
    assert np.isnan(frame.loc["2025-03-20", "morning_pain"]) and frame.loc["2025-03-20", "logged"]
    without = pdg.region_day_frame(rd.drop(columns="logged"), dp, "plantar")
    assert without["logged"].equals(frame["logged"])
    assert frame["onset"].sum() == 1 and frame.loc["2025-03-20", "onset"] == 1
    # history known on day t: the onset day itself still has no flare before it
    assert frame.loc["2025-03-20", "no_flare_yet"] and not frame.loc["2025-03-21", "no_flare_yet"]
    assert frame.loc["2025-03-21", "days_since_flare"] == 1
    achilles = pdg.region_day_frame(rd, dp, "achilles")
    assert achilles.attrs["pain_item"] == "daily highest" and achilles["morning_pain"].max() == 2


def test_slow_share_recovers_a_planted_seasonal_share_and_falls_back_to_a_trend():
    # a 7-day share that IS a trend plus two harmonics of the day of the year (% points): recovered exactly
    dates = pd.date_range("2023-01-01", periods=800, freq="D")
    angle = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
    years = np.arange(800) / 365.25
    share = 20 + 5 * years + 10 * np.cos(angle) - 4 * np.sin(angle) + 3 * np.cos(2 * angle)
    km7 = np.full(800, 30.0)
    km7[::9] = 0.0  # days without km in the window do not enter the fit
    slow = pdg.slow_share(dates, km7, km7 * share / 100)
    np.testing.assert_allclose(slow, share, atol=1e-8)
    # under a year of running: a straight line through the shares, no season
    short = pdg.slow_share(dates[:200], km7[:200], km7[:200] * share[:200] / 100)
    assert np.allclose(np.diff(short, 2), 0.0, atol=1e-9)
    ok = km7[:200] > 0
    assert short[ok].mean() == pytest.approx(share[:200][ok].mean(), abs=1e-9)  # least squares with a constant
    assert pdg.slow_share(dates[:50], np.zeros(50), np.zeros(50)) is None  # no km: nothing to centre on


def test_slow_share_reads_the_whole_history_days_after_t_included():
    # stated in docs/methods.md 5: the usual share is NOT causal. A runner whose share rises after day 400
    # gets a higher usual share at day 300 when the later days exist (whole-history fit) than without them
    rng = np.random.default_rng(3)
    dates = pd.date_range("2023-03-01", periods=900, freq="D")
    share = np.where(np.arange(900) > 400, 40.0, 5.0) + rng.normal(0, 2, 900)
    km7 = rng.uniform(10, 50, 900)
    full = pdg.slow_share(dates, km7, km7 * share / 100)
    cut = pdg.slow_share(dates[:301], km7[:301], km7[:301] * share[:301] / 100)
    assert cut[300] == pytest.approx(5.0, abs=1.0)  # days <= 300 alone: the share before the rise
    assert full[300] > cut[300] + 5.0  # the days after the rise pull the usual share at day 300 up


def test_footwear_column_is_the_share_minus_the_usual_share():
    frame, loads = _frames(11, n_days=730, onsets_per_year=10)
    days = pdg.model_days(frame, loads)
    spec = pdg.spec_for(())
    X = pdg.design(days, spec)
    km7 = days.km_lags[:, :7].sum(axis=1)
    ran = km7 > 0
    expected = (100 * days.barefoot_km_7d[ran] / km7[ran] - days.share_slow_pct[ran]) / 10
    np.testing.assert_allclose(X[ran, 1] + spec.means[0], expected, atol=1e-12)


# ---------------------------------------------------------------- block sandwich (session 6)


def _persistent(seed: int, n: int, persist_days: int, sd_latent: float, sd_noise: float):
    """Null data: the exposure and a latent log-hazard persist for ``persist_days`` (no exposure effect)."""
    rng = np.random.default_rng(seed)
    g = -(-n // persist_days)
    x = np.repeat(rng.normal(size=g), persist_days)[:n] + sd_noise * rng.normal(size=n)
    u = np.repeat(rng.normal(scale=sd_latent, size=g), persist_days)[:n]
    y = (rng.random(n) < 1 / (1 + np.exp(2.5 - u))).astype(float)
    return y, np.column_stack([np.ones(n), x]), pd.date_range("2024-01-01", periods=n, freq="D")


def _coverage(persist_days: int, sd_latent: float, sd_noise: float, reps: int = 150):
    covered = {"model": 0, "block": 0}
    ratios = []
    for seed in range(reps):
        y, X, dates = _persistent(seed, 1092, persist_days, sd_latent, sd_noise)
        fit = primary.penalised_fit(y, X)
        ratio, blocks = primary.block_variance_ratio(y, X, 1, fit, dates, 28)
        assert blocks == 39
        ratios.append(ratio)
        for name, inflation in (("model", 1.0), ("block", max(1.0, ratio))):
            lo, hi, _, _ = primary.profile_interval(y, X, 1, fit, "firth", 0.95, inflation)
            covered[name] += lo <= 0.0 <= hi
    return covered["model"] / reps, covered["block"] / reps, float(np.median(ratios))


def test_block_sandwich_restores_coverage_under_planted_dependence():
    # exposure and a latent hazard (sd 1 log odds) both persist for 14 days: region-days are not
    # independent, the model-based interval under-covers (0.82 at these seeds), the widened one does not
    model, block, ratio = _coverage(14, 1.0, 0.3)
    assert model <= 0.88  # binomial(150, 0.95): P(X/150 <= 0.88) < 0.001
    assert block >= 0.92
    assert ratio > 1.3


def test_block_sandwich_leaves_independent_days_alone():
    # independent days: the sandwich is about the model's variance, coverage stays near 0.95
    model, block, ratio = _coverage(1, 0.0, 0.0)
    assert 0.8 < ratio < 1.2
    assert 0.91 <= model <= block <= 0.99


def test_block_sandwich_only_widens_and_keeps_one_convention():
    widened = 0
    for seed in range(6):
        fits = {v: _fit(700 + seed, n_days=730, onsets_per_year=10, variance=v) for v in ("model", "block")}
        for estimand in primary.ESTIMANDS:
            a, b = _row(fits["model"], estimand), _row(fits["block"], estimand)
            if a["status"] == "insufficient data":
                continue
            assert b["estimate"] == a["estimate"]
            assert b["ci_low"] <= a["ci_low"] + 1e-9 and b["ci_high"] >= a["ci_high"] - 1e-9
            widened += bool(b["ci_high"] / b["ci_low"] > a["ci_high"] / a["ci_low"] * (1 + 1e-9))
            assert b["p"] >= a["p"] - 1e-12
            if abs(b["p"] - 0.05) > 0.002:
                assert (b["p"] < 0.05) == bool(b["ci_low"] > 1 or b["ci_high"] < 1)
    assert widened >= 4  # 8 of 12 at these seeds: the default is not the plain interval



def test_small_sample_corrected_block_sandwiches_against_a_plain_matrix_implementation():
    """CR2 and CR3 (options) against the textbook formulas written with explicit matrices, on fixed data."""
    from scipy import linalg

    y, X, dates = _persistent(5, 365, 7, 0.8, 0.3)
    fit = primary.penalised_fit(y, X)
    p = 1 / (1 + np.exp(-(X @ fit.params)))
    W = np.diag(p * (1 - p))
    Wh = linalg.sqrtm(W).real
    B = fit.cov
    h = np.diag(Wh @ X @ B @ X.T @ Wh)
    r = y - p + h * (0.5 - p)  # Firth's modified residuals
    block = np.asarray((dates - dates[0]).days) // 28
    for correction, power in (("cr2", -0.5), ("cr3", -1.0)):
        meat = np.zeros((2, 2))
        for b in np.unique(block):
            i = block == b
            Xg, Whg = X[i], Wh[np.ix_(i, i)]
            A = Whg @ Xg @ B @ Xg.T @ Whg
            M = linalg.fractional_matrix_power(np.eye(i.sum()) - A, power).real
            ug = Xg.T @ Whg @ M @ np.linalg.solve(Whg, r[i])
            meat += np.outer(ug, ug)
        expected = (B @ meat @ B)[1, 1] / B[1, 1]
        ratio, blocks = primary.block_variance_ratio(y, X, 1, fit, dates, 28, correction=correction)
        assert blocks == 14 and ratio == pytest.approx(expected, rel=1e-8)
    # each correction inflates the plain sandwich (without its G / (G - 1)) here: leverage shrinks residuals
    cr1 = primary.block_variance_ratio(y, X, 1, fit, dates, 28)[0] * 13 / 14
    cr2 = primary.block_variance_ratio(y, X, 1, fit, dates, 28, correction="cr2")[0]
    cr3 = primary.block_variance_ratio(y, X, 1, fit, dates, 28, correction="cr3")[0]
    assert cr1 < cr2 < cr3


# ---------------------------------------------------------------- the washout after an episode (option, off by default)


def test_washout_after_an_episode_leaves_out_days_8_to_w_after_each_end():
    # 60 days: episode A on days 20-24 (onset 20), refractory 25-31; episode B starts on day 33, 9 days
    # after A's last day, and lasts to day 39, refractory 40-46. At risk: days 0-20, 32, 33, 47-59 (36).
    # Days since the last flare day: day 32 -> 8, day 33 -> 9 (A), day 47 -> 8 ... day 53 -> 14 (B).
    # A 14-day washout leaves out days 32, 33 and 47-53: 9 days, B's onset among them, by hand.
    dates = pd.date_range("2025-03-01", periods=60, name="date")
    in_flare = np.zeros(60, bool)
    in_flare[20:25] = in_flare[33:40] = True
    onset = np.zeros(60, int)
    onset[[20, 33]] = 1
    at_risk = ~in_flare | (onset == 1)
    at_risk[25:32] = at_risk[40:47] = False
    rd = pd.DataFrame({"date": dates, "region": "plantar", "onset": onset, "in_flare": in_flare,
                       "at_risk": at_risk, "logged": True})
    frame = pdg.region_day_frame(rd, region="plantar")
    keep = pdg.after_flare_washout(frame, 14)
    # before the first flare day nothing is washed out (day 20, A's onset, included); from A's second day
    # to 14 days after B's last day (53) everything is; from day 54 on nothing
    assert list(np.flatnonzero(~keep)) == list(range(21, 54))
    assert list(np.flatnonzero(at_risk & ~keep)) == [32, 33, *range(47, 54)]
    # a washout within the refractory days changes no at-risk day; 0 changes no day
    assert pdg.after_flare_washout(frame, 7)[at_risk].all() and pdg.after_flare_washout(frame, 0).all()
    # the model's days (40 days of known km before the frame): 36 -> 27 days, 2 -> 1 onsets
    daily = pd.DataFrame({"km": 5.0, "km_barefoot_style": np.tile([0.0, 2.0], 50)},
                         index=pd.date_range("2025-01-20", periods=100, name="date"))
    loads = pdg.load_arrays(daily)
    base, washed = pdg.model_days(frame, loads), pdg.model_days(frame, loads, washout_days=14)
    assert (len(base.onset), base.n_onsets, len(washed.onset), washed.n_onsets) == (36, 2, 27, 1)
    assert sorted(set(base.dates) - set(washed.dates)) == list(dates[[32, 33, *range(47, 54)]])
    # the default follows the module's constant (0: the model as before)
    assert pdg.WASHOUT_DAYS == 0 and len(pdg.model_days(frame, loads, washout_days=None).onset) == 36


def test_load_arrays_of_no_days_are_empty_not_an_error():
    # a report whose every file is not a run (a one-point GPX, too short since the merge's rule) has no days
    daily = pd.DataFrame({"km": [], "km_barefoot_style": []}, index=pd.DatetimeIndex([], name="date"))
    la = pdg.load_arrays(daily)
    assert la.km_lags.shape == (0, pdg.MAX_LAG_DAYS) and len(la.km_7d) == len(la.barefoot_km_7d) == 0
    assert pdg.lagged(np.array([2.0])).shape == (1, pdg.MAX_LAG_DAYS)
