"""The pooled within-runner model on simulated region-days: planted effect, confounded null, heterogeneity."""

import numpy as np
import pandas as pd
import pytest

from analysis.cohort.model import cohort_region, pooled_fit
from analysis.cohort.step import RAW_COLUMNS


def _days(seed: int, *, n_runners: int = 60, n_days: int = 500, log_rr_share: float = 0.0,
          tau: float = 0.0, confounding: float = 1.5) -> pd.DataFrame:
    """Region-days: runner frailty raises both risk and the barefoot-style share (between-runner confounding)."""
    rng = np.random.default_rng(seed)
    frailty = rng.normal(0, 0.6, n_runners)
    slope = log_rr_share + rng.normal(0, tau, n_runners)
    parts = []
    for r in range(n_runners):
        share10 = np.clip(3 + confounding * frailty[r] + rng.normal(0, 1.5, n_days), 0, 10)
        km10 = np.clip(rng.gamma(4, 0.8, n_days), 0, None)
        lin = -4.3 + frailty[r] + slope[r] * (share10 - 3) + 0.2 * (km10 - 3)
        onset = rng.binomial(1, 1 - np.exp(-np.exp(lin)))
        d = pd.DataFrame({"runner_id": f"r{r:03d}", "onset": onset, "barefoot_share_7d": share10, "km_7d": km10})
        for c in RAW_COLUMNS[2:]:
            d[c] = rng.normal(0, 1, n_days)
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


def test_confounded_null_not_rejected_while_unstratified_is_biased():
    days = _days(11, log_rr_share=0.0)
    region = cohort_region(days)
    share = region["primary"][0]
    assert share["estimand"] == "barefoot_share_7d"
    assert share["ci"][0] < 1.0 < share["ci"][1]
    naive = region["unstratified"][0]
    assert naive["ci"][0] > 1.0, "the unstratified model should show the between-runner confounding"


def test_planted_effect_recovered():
    days = _days(12, log_rr_share=0.25, confounding=0.0)
    rows = pooled_fit(days)["rows"]
    lo, hi = rows[0]["ci"]
    assert lo < np.exp(0.25) < hi
    assert lo > 1.0
    lo, hi = rows[1]["ci"]
    assert lo < np.exp(0.2) < hi


def test_heterogeneity_and_per_runner_rows():
    days = _days(13, n_runners=40, n_days=900, log_rr_share=0.2, tau=0.25)
    region = cohort_region(days)
    share, km = region["primary"]
    het = share["heterogeneity"]
    assert het["runners"] >= 10
    lo, hi = het["prediction_interval"]
    assert hi - lo > het["ci"][1] - het["ci"][0]
    assert share["prediction_interval"] == het["prediction_interval"]
    statuses = {r["status"] for r in region["per_runner"]}
    assert statuses <= {"estimated", "too imprecise", "insufficient data", "not estimable"}
    assert region["onsets"] == int(days["onset"].sum())
    assert region["person_years"] == pytest.approx(len(days) / 365.25, abs=0.01)


def test_too_few_onsets_says_insufficient():
    days = _days(14, n_runners=3, n_days=60)
    days["onset"] = 0
    days.loc[:3, "onset"] = 1
    region = cohort_region(days)
    assert region["primary"][0]["status"] == "insufficient data"
    assert region["message"].startswith("insufficient data: 4 onsets")


def test_each_estimand_carries_its_own_heterogeneity_block():
    """The share slope differs between runners (tau 0.4), the km slope does not: the blocks must say so."""
    days = _days(15, n_runners=40, n_days=900, log_rr_share=0.2, tau=0.4, confounding=0.0)
    region = cohort_region(days)
    blocks = {r["estimand"]: r["heterogeneity"] for r in region["primary"]}
    # DESIGN.md's region-level block is the footwear estimand's, and says so
    assert region["heterogeneity"]["estimand"] == "barefoot_share_7d"
    assert region["heterogeneity"]["tau"] == blocks["barefoot_share_7d"]["tau"]
    assert set(blocks) == {"barefoot_share_7d", "km_7d"}
    for h in blocks.values():  # DESIGN.md "Cohort JSON" fields
        assert {"tau", "i2", "prediction_interval", "same_direction_share"} <= set(h)
    share, km = blocks["barefoot_share_7d"], blocks["km_7d"]
    assert share["tau"] > 0.2 and share["tau"] > 2 * km["tau"]
    assert share["i2"] > km["i2"]
    # same direction: the share of per-runner estimates on the pooled side of 1, counted here by hand
    for e, h in blocks.items():
        rows = [r for r in region["per_runner"] if r["estimand"] == e and r["status"] != "not estimable"
                and r["estimate"] is not None]
        assert h["runners"] == len(rows)
        side = np.sign(np.log(h["estimate"]))
        by_hand = np.mean([np.sign(np.log(r["estimate"])) == side for r in rows])
        assert h["same_direction_share"] == pytest.approx(by_hand, abs=1e-4)


def test_design_columns_fill_undefined_share_with_the_runners_mean():
    from analysis.cohort.model import design_columns

    days = _days(16, n_runners=3, n_days=4)
    days.loc[[0, 5], "barefoot_share_7d"] = np.nan  # r000 day 0, r001 day 1
    days.loc[days["runner_id"] == "r002", "barefoot_share_7d"] = np.nan  # a runner with no share at all
    X, cols = design_columns(days, ("days_since_flare",))
    assert cols == ["barefoot_share_7d", "km_7d", "days_since_flare"]
    share = X[:, 0]
    assert share[0] == pytest.approx(days.loc[1:3, "barefoot_share_7d"].mean())
    assert share[5] == pytest.approx(days.loc[[4, 6, 7], "barefoot_share_7d"].mean())
    assert (share[8:] == 0).all()
    np.testing.assert_array_equal(X[:, 1], days["km_7d"].to_numpy())


def test_a_share_that_never_varies_within_runners_is_named_not_a_crash():
    """A clinic where nobody runs barefoot-style: the pooled model has no within-runner contrast."""
    days = _days(12, log_rr_share=0.0, confounding=0.0)
    days["barefoot_share_7d"] = 0.0
    region = cohort_region(days)
    assert region["message"] == "not estimable: barefoot_share_7d never varies within a runner"
    assert [r["status"] for r in region["primary"]] == ["insufficient data", "insufficient data"]
    assert all(r["estimate"] is None for r in region["primary"])


def test_unstratified_contrast_reads_the_uncentred_share():
    """The table's footwear column is centred per runner; comparing runners needs the uncentred share
    (``barefoot_share_raw_7d``) to show what between-runner confounding does. The stratified fit is
    unchanged by a per-runner constant (it cancels within a runner)."""
    days = _days(11, log_rr_share=0.0)
    centred = days.assign(barefoot_share_raw_7d=days["barefoot_share_7d"],
                          barefoot_share_7d=days["barefoot_share_7d"]
                          - days.groupby("runner_id")["barefoot_share_7d"].transform("mean"))
    a, b = cohort_region(days), cohort_region(centred)
    assert b["primary"][0]["estimate"] == pytest.approx(a["primary"][0]["estimate"], rel=1e-6)
    assert b["unstratified"][0]["estimate"] == pytest.approx(a["unstratified"][0]["estimate"], rel=1e-6)
    assert b["unstratified"][0]["ci"][0] > 1.0  # still confounded: runners compared on their raw shares
    no_raw = cohort_region(centred.drop(columns="barefoot_share_raw_7d"))
    assert no_raw["unstratified"][0]["ci"][0] < 1.0 < no_raw["unstratified"][0]["ci"][1]
