"""Tests of analysis.dynamics: differences by shoe group at matched speed (METHODS.md 6)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.dynamics import DYNAMICS_METRICS, dynamics_by_shoe_class, speed_binned, speed_binned_all
from analysis.schema import coerce_runs, coerce_samples


def _simulate(n_runs_per_class: int = 12, seed: int = 0, *, bf_speed: float = 2.8, trad_speed: float = 3.4):
    """Per-second samples in which cadence = 95 + 22 x speed + 7 (barefoot-style) + run effect + noise.

    Barefoot-style runs are slower, so the raw mean cadence difference is about
    7 + 22 x (2.8 - 3.4) = -6 spm: the opposite sign of the true +7 spm.
    The first 10 minutes of every run carry a +25 spm warm-up artefact.
    """
    rng = np.random.default_rng(seed)
    frames, runs = [], []
    classes = ["barefoot"] * (n_runs_per_class // 2) + ["minimalist"] * (
        n_runs_per_class - n_runs_per_class // 2
    )
    classes += ["traditional"] * (n_runs_per_class - 2) + ["partial"] * 2
    for i, cls in enumerate(classes):
        bf = cls in ("barefoot", "minimalist")
        n = 2400  # 40 min at 1 Hz
        elapsed = np.arange(n, dtype=float)
        base = (bf_speed if bf else trad_speed) + rng.normal(0, 0.1)
        speed = base + 0.35 * np.sin(elapsed / 180.0) + rng.normal(0, 0.05, n)
        cadence = 95 + 22 * speed + (7.0 if bf else 0.0) + rng.normal(0, 2.0) + rng.normal(0, 3.0, n)
        cadence[elapsed < 600] += 25.0
        cadence[rng.random(n) < 0.01] = 0.0  # dropouts
        stance = 320 - 30 * speed - (15.0 if bf else 0.0) + rng.normal(0, 5.0, n)
        aid = f"fit:{i:012x}"
        frames.append(
            pd.DataFrame(
                {
                    "activity_id": aid,
                    "elapsed_s": elapsed,
                    "speed_mps": speed,
                    "cadence_spm": cadence,
                    "stance_time_ms": stance,
                }
            )
        )
        runs.append({"activity_id": aid, "date": "2024-05-01", "shoe_class": cls, "distance_m": 8000.0})
    return coerce_samples(pd.concat(frames, ignore_index=True)), coerce_runs(pd.DataFrame(runs))


def test_recovers_planted_cadence_difference_despite_speed_confounding():
    samples, runs = _simulate()
    table = dynamics_by_shoe_class(samples, runs).set_index("metric")
    cad = table.loc["cadence_spm"]
    assert cad["unit"] == "steps/min"
    assert cad["ci_low"] <= 7.0 <= cad["ci_high"]
    assert cad["difference"] == pytest.approx(7.0, abs=2.0)
    # the naive comparison (all post-warm-up samples, no speed adjustment) even has the wrong sign
    cls = samples["activity_id"].map(runs["shoe_class"])
    ok = (samples["elapsed_s"] >= 600) & (samples["cadence_spm"] > 0)
    bf = cls.isin(["barefoot", "minimalist"])
    naive = samples.loc[ok & bf, "cadence_spm"].mean() - samples.loc[ok & ~bf, "cadence_spm"].mean()
    assert naive < 0
    assert cad["n_runs_a"] == 12 and cad["n_runs_b"] == 12
    assert cad["speed_low_mps"] < cad["speed_high_mps"]
    stance = table.loc["stance_time_ms"]
    assert stance["ci_low"] <= -15.0 <= stance["ci_high"]
    # metrics absent from the samples: NA with a reason, not an error
    assert math.isnan(table.loc["step_length_mm", "difference"])
    assert "insufficient data" in table.loc["step_length_mm", "reason"]
    assert table.attrs["comparison"] == "barefoot-style vs traditional at matched speed"
    assert list(table.index) == list(DYNAMICS_METRICS)


def test_warmup_and_dropouts_are_removed_before_binning():
    samples, _ = _simulate(n_runs_per_class=2)
    binned = speed_binned(samples, "cadence_spm")
    assert set(binned.columns) == {"activity_id", "speed_mps", "value", "n"}
    assert binned["n"].min() >= 30
    # every bin built from post-warm-up samples only: without the +25 artefact,
    # cadence stays within 95 + 22 x speed + 7 +- noise
    resid = binned["value"] - (95 + 22 * binned["speed_mps"])
    assert resid.max() < 7.0 + 10.0
    with_warmup = speed_binned(samples, "cadence_spm", warmup_s=0)
    assert with_warmup["n"].sum() > binned["n"].sum()


def test_too_few_runs_gives_na_with_reason():
    samples, runs = _simulate(n_runs_per_class=2)
    table = dynamics_by_shoe_class(samples, runs).set_index("metric")
    row = table.loc["cadence_spm"]
    assert math.isnan(row["difference"]) and math.isnan(row["ci_low"])
    assert row["reason"].startswith("insufficient data: 2 barefoot-style")


def test_no_overlapping_speed_range_gives_na_with_reason():
    samples, runs = _simulate(bf_speed=2.0, trad_speed=4.5)
    row = dynamics_by_shoe_class(samples, runs, metrics=["cadence_spm"]).iloc[0]
    assert math.isnan(row["difference"])
    assert row["reason"] == "no overlapping speed range between the groups"


def test_binning_all_metrics_at_once_matches_a_plain_groupby_by_run_id():
    """speed_binned_all groups by integer run codes: same bins, means, counts and row order as by the id strings."""
    samples, _ = _simulate(n_runs_per_class=4, seed=3)
    # a run whose samples come in two separated stretches, and a missing id: grouped as one run / left out
    samples = pd.concat([samples, samples.iloc[:900].assign(elapsed_s=lambda f: f["elapsed_s"] + 3000)],
                        ignore_index=True)
    samples.loc[5000:5100, "activity_id"] = pd.NA
    got = speed_binned_all(samples, ["cadence_spm", "stance_time_ms", "no_such_metric"])
    for metric in ("cadence_spm", "stance_time_ms"):
        s = samples[samples["activity_id"].notna() & (samples["elapsed_s"] >= 600)
                    & samples["speed_mps"].between(1.5, 7.0) & (samples[metric] > 0)]
        ref = (
            s.assign(bin=np.floor(s["speed_mps"] / 0.25).astype(int), value=s[metric])
            .groupby(["activity_id", "bin"], sort=False)
            .agg(speed_mps=("speed_mps", "mean"), value=("value", "mean"), n=("value", "size"))
            .reset_index()
        )
        ref = ref[ref["n"] >= 30].drop(columns="bin").reset_index(drop=True)
        frame = got[metric]
        assert list(frame.columns) == ["activity_id", "speed_mps", "value", "n"]
        assert frame["activity_id"].tolist() == ref["activity_id"].astype(str).tolist()
        np.testing.assert_array_equal(frame[["speed_mps", "value"]].to_numpy(), ref[["speed_mps", "value"]].to_numpy())
        np.testing.assert_array_equal(frame["n"].to_numpy(), ref["n"].to_numpy())
        pd.testing.assert_frame_equal(frame, speed_binned(samples, metric))
    assert got["no_such_metric"].empty


def test_given_binned_frames_give_the_same_table_and_are_not_modified():
    samples, runs = _simulate(seed=5)
    binned = speed_binned_all(samples)
    before = {m: f.copy() for m, f in binned.items()}
    shared = dynamics_by_shoe_class(samples, runs, binned=binned)
    pd.testing.assert_frame_equal(shared, dynamics_by_shoe_class(samples, runs))
    for m, f in binned.items():
        pd.testing.assert_frame_equal(f, before[m])
    # with every metric binned the samples are not read: the report's child gets an empty frame of their
    # columns (analysis.pipeline), and the table is the same
    pd.testing.assert_frame_equal(dynamics_by_shoe_class(samples.iloc[:0], runs, binned=binned), shared)


def test_mixed_model_computed_for_all_runs_at_once_gives_statsmodels_numbers():
    """dynamics._mixed_lm() writes statsmodels' random-intercept formulas over all runs at once.

    The same optimizer from the same start sees the same values up to rounding (sums taken in
    another order), so every number agrees with plain MixedLM's to ~1e-12 (1e-9 asked here);
    with a random slope (k_re = 2) statsmodels' own code runs, bit for bit.
    """
    import warnings

    from statsmodels.regression.mixed_linear_model import MixedLM

    from analysis.dynamics import _mixed_lm

    samples, runs = _simulate(seed=7)
    d = speed_binned(samples, "cadence_spm")
    cls = runs["shoe_class"].astype(str)
    cls.index = cls.index.astype(str)
    d = d.assign(is_a=d["activity_id"].astype(str).map(cls).isin(["barefoot", "minimalist"]).astype(float),
                 run=d["activity_id"].astype(str))
    for re_formula, exact in ((None, False), ("~speed_mps", True)):
        fits = []
        for model in (MixedLM, _mixed_lm()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits.append(model.from_formula("value ~ speed_mps + is_a", d, groups=d["run"],
                                               re_formula=re_formula).fit(reml=True))
        plain, fast = fits
        assert hasattr(fast.model, "_ri") != exact  # the vectorised path ran for the random intercept only
        check = np.testing.assert_array_equal if exact else (
            lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-9, atol=0))
        for a, b in ((fast.params, plain.params), (fast.bse, plain.bse), (fast.conf_int(), plain.conf_int()),
                     (fast.pvalues, plain.pvalues), (fast.llf, plain.llf), (fast.scale, plain.scale),
                     (fast.cov_re, plain.cov_re)):
            check(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        assert fast.params["is_a"] == pytest.approx(7.0, abs=2.0)  # the planted +7 spm


def test_one_speed_bin_per_run_is_ordinary_least_squares():
    """With one bin per run the random intercept cannot be told from the residual: the estimate and its interval
    are those of least squares, computed here by hand with numpy (they came from a flat REML likelihood)."""
    from scipy import stats

    from analysis.dynamics import compare_at_matched_speed

    rng = np.random.default_rng(3)
    n = 16
    speed = np.r_[np.linspace(2.6, 3.6, n // 2), rng.permutation(np.linspace(2.6, 3.6, n - n // 2))]
    is_a = np.r_[np.ones(n // 2), np.zeros(n - n // 2)]
    value = 100 + 20 * speed + 5 * is_a + rng.normal(0, 2.0, n)
    ids = [f"fit:{i:04d}" for i in range(n)]
    binned = pd.DataFrame({"activity_id": ids, "speed_mps": speed, "value": value})
    group = pd.Series(np.where(is_a == 1, "barefoot-style", "traditional"), index=ids)
    out = compare_at_matched_speed(binned, group, overlap_quantiles=(0.0, 1.0))
    x = np.column_stack([np.ones(n), speed, is_a])
    beta, rss, *_ = np.linalg.lstsq(x, value, rcond=None)
    se = math.sqrt(rss[0] / (n - 3) * np.linalg.inv(x.T @ x)[2, 2])
    half = stats.t.ppf(0.975, n - 3) * se
    assert out["reason"] is None and out["n_obs"] == n
    assert out["difference"] == pytest.approx(beta[2], rel=1e-9)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((beta[2] - half, beta[2] + half), rel=1e-9)
