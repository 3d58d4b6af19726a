"""The benchmark diary generator (benchmarks/generators/diary.py): properties of what it writes."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from benchmarks.generators import diary as gen

START, END = pd.Timestamp("2024-01-01"), pd.Timestamp("2026-12-31")  # 3 years
MODULE = Path(gen.__file__)


def flat(seed=0, **kw):
    return gen.render_diary(None, START, END, np.random.default_rng(seed), **kw)


def mornings(pain, region="achilles", side="L"):
    m = pain[(pain["time_of_day"] == "morning") & (pain["region"] == region) & (pain["side"] == side)]
    return m.set_index("date")["pain"].astype(float)


def test_imports_nothing_from_analysis():
    tree = ast.parse(MODULE.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in names if m.split(".")[0] == "analysis"]
    assert {m.split(".")[0] for m in names} <= {"__future__", "collections", "numpy", "pandas"}


def test_canonical_long_frame_integers_0_to_10():
    pain, truth = flat(noise_sd=1.0)
    assert list(pain.columns) == list(gen.PAIN_COLUMNS)
    assert schema.validate_pain(pain) is pain  # dtypes, 0-10 range, known labels
    assert pain["activity_id"].isna().all() and pain["notes"].isna().all()
    assert set(pain["time_of_day"]) == {"morning", "during", "after"}
    assert len(truth) == 0 and truth.attrs["days"] == (END - START).days + 1
    # every logged region-day has both sides' mornings
    per_day = pain[pain["time_of_day"] == "morning"].groupby(["date", "region"]).size()
    assert (per_day == 2).all()


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_share_of_missing_days_is_as_asked(share):
    pain, truth = flat(seed=3, missing=share)
    days = pd.date_range(START, END)
    missed = 1 - pain["date"].nunique() / len(days)
    assert missed == pytest.approx(truth.attrs["missing_share"])
    assert abs(missed - share) < 0.05, missed


def test_no_flare_mean_stays_near_rest_and_noise_is_autocorrelated():
    pain, _ = flat(seed=5, noise_sd=0.75, ar=0.6, baseline=1.5)
    m = mornings(pain)
    assert abs(m.mean() - 1.5) < 0.3
    assert 0.5 < m.std() < 1.2  # SD 0.75 plus rounding
    full = m.reindex(pd.date_range(START, END))
    lag1 = full.corr(full.shift(1))
    assert lag1 > 0.3, lag1  # AR(1) 0.6, blurred by rounding
    white, _ = flat(seed=5, noise_sd=0.75, ar=0.0, baseline=1.5)
    w = mornings(white).reindex(pd.date_range(START, END))
    assert abs(w.corr(w.shift(1))) < 0.15


def test_zero_inflation_adds_zeros():
    plain, _ = flat(seed=7, baseline=2.0, zero_inflation=0.0)
    zeros, _ = flat(seed=7, baseline=2.0, zero_inflation=0.3)
    share = [float((mornings(p) == 0).mean()) for p in (plain, zeros)]
    assert share[0] < 0.05 and share[1] > 0.25, share


def test_planted_flare_peaks_where_planted_and_truth_is_the_onset():
    flares = pd.DataFrame(
        {"region": ["achilles"], "side": ["L"], "onset": [pd.Timestamp("2024-03-01")], "peak": [7],
         "duration_days": [20], "rise_days": [2]}
    )
    pain, truth = gen.render_diary(flares, START, pd.Timestamp("2024-06-30"), np.random.default_rng(1),
                                   noise_sd=0.5, missing=0.0, region_skip=0.0)
    assert truth.loc[0, "onset"] == pd.Timestamp("2024-03-01") and truth.loc[0, "end"] == pd.Timestamp("2024-03-20")
    left, right = mornings(pain, side="L"), mornings(pain, side="R")
    peak_days = left.loc["2024-03-02":"2024-03-04"]
    assert peak_days.mean() >= 6  # peak 7 on day 1, then slowly down
    assert left.loc[:"2024-02-28"].mean() < 1.6 and left.loc["2024-04-01":].mean() < 1.6
    assert right.loc["2024-03-01":"2024-03-20"].max() <= 4  # the other side is not planted


def test_curve_rises_then_falls_to_rest():
    c = gen.flare_curve(peak=6, duration_days=10, rest=1, rise_days=3)
    assert c[2] == pytest.approx(5) and np.all(np.diff(c[:3]) > 0) and np.all(np.diff(c[2:]) < 0)
    assert 0 < c[-1] < 1


def test_more_missing_while_in_pain():
    rng = np.random.default_rng(11)
    flares = gen.plant_flares(rng, START, END, per_year=4, duration_days=(20, 30))
    _, truth = gen.render_diary(flares, START, END, rng, missing=0.15, missing_in_pain=4.0)
    assert truth.attrs["missing_share_in_pain"] > truth.attrs["missing_share"] + 0.05


def test_run_day_items_only_on_run_days():
    run_days = pd.date_range(START, END, freq="3D")
    pain, truth = flat(seed=2, run_days=run_days)
    items = pain[pain["time_of_day"] != "morning"]
    assert len(items) and items["date"].isin(run_days).all()
    assert truth.attrs["run_days"].equals(pd.DatetimeIndex(run_days))
    none, _ = flat(seed=2, during_after=False)
    assert set(none["time_of_day"]) == {"morning"}


def test_plant_flares_spacing_and_ranges():
    f = gen.plant_flares(np.random.default_rng(4), START, END, per_year=3)
    assert len(f) >= 10
    assert f["peak"].between(4, 8).all() and f["duration_days"].between(7, 28).all()
    assert (f["onset"] >= START + pd.Timedelta(days=42)).all()
    for _, g in f.groupby("region"):
        g = g.sort_values("onset")
        last = g["onset"] + pd.to_timedelta(g["duration_days"] - 1, unit="D")
        assert ((g["onset"].iloc[1:].to_numpy() - last.iloc[:-1].to_numpy()) >= pd.Timedelta(days=30)).all()


def test_same_seed_same_diary_and_bad_flares_rejected():
    a, _ = flat(seed=9)
    b, _ = flat(seed=9)
    pd.testing.assert_frame_equal(a, b)
    bad = pd.DataFrame({"region": ["knee"], "side": ["L"], "onset": [START], "peak": [5], "duration_days": [5]})
    with pytest.raises(ValueError, match="region 'knee'"):
        gen.render_diary(bad, START, END, np.random.default_rng(0))


def test_level_shift_adds_points_and_keeps_the_random_draws():
    days = pd.date_range("2024-01-01", "2024-03-31")
    kw = {"regions": ("achilles",), "noise_sd": 0.0, "missing": 0.1, "zero_inflation": 0.0, "runs_per_week": 3}
    plain, _ = gen.render_diary(None, days[0], days[-1], np.random.default_rng(4), **kw)
    zero, _ = gen.render_diary(None, days[0], days[-1], np.random.default_rng(4), level_shift=np.zeros((len(days), 1)),
                           **kw)
    pd.testing.assert_frame_equal(plain, zero)
    shift = np.linspace(0.0, 3.0, len(days))[:, None]
    up, _ = gen.render_diary(None, days[0], days[-1], np.random.default_rng(4), level_shift=shift, **kw)
    m = up[up["time_of_day"] == "morning"]
    assert len(m) == len(plain[plain["time_of_day"] == "morning"])  # the same days logged
    want = np.rint(1.0 + shift[(m["date"] - days[0]).dt.days.to_numpy(), 0])  # rest 1, no noise
    assert m["pain"].to_numpy(float) == pytest.approx(want)
    with pytest.raises(ValueError, match="level_shift"):
        gen.render_diary(None, days[0], days[-1], np.random.default_rng(4), level_shift=np.zeros((3, 1)), **kw)
