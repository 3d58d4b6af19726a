"""The hidden Markov onset rule (``rule="hmm"``, analysis/onsets.py, analysis/flare_hmm.py).

Hand-built diaries with known answers (a flat noisy diary, a weak long flare
that the 3-morning adaptive rule cannot confirm, a lone bad morning, a clear
step flare and its dating), and two properties: the forward-backward
posterior equals brute-force enumeration of every hidden path on short random
series with random gaps, and on random diaries every onset falls on a logged
morning outside any earlier episode.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import flare_hmm, schema
from analysis import flareups as fl

DAY0 = pd.Timestamp("2026-01-05")
#: a calm, noisy diary: median 1, SD about 0.9 (values 0-3), no two high mornings in a row
NOISE = [1, 0, 2, 1, 3, 1, 0, 1, 2, 0, 1, 2, 1, 0, 1, 3, 1, 2, 0, 1]


def frame(values, region="plantar", side="L") -> pd.DataFrame:
    rows = [(DAY0 + pd.Timedelta(days=i), "morning", region, side, v) for i, v in enumerate(values) if v is not None]
    return fl.daily_pain(schema.coerce_pain(pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side",
                                                                         "pain"])))


def onset_days(ep) -> list[int]:
    return [(d - DAY0).days for d in ep["onset_date"]]


def test_flat_noisy_diary_has_no_onset():
    # 200 days of values 0-3 around a resting 1: not a flare, whatever the window
    values = NOISE * 10
    assert len(fl.detect_flareups(frame(values), rule="hmm")) == 0


def test_weak_long_flare_is_found_where_no_three_morning_window_is_conclusive():
    # calm: 80 mornings of NOISE (median 1, SD 0.92 -> adaptive L = 1 + 4 x 0.92 = 4.7, M = 1 + 3.25 x 0.92
    # = 4.0); then a weak flare of 14 mornings at 3-4: no 2 of 3 reach 5, no 3 average 4.0 (at most 3.67)
    flare = [3, 4, 4, 3, 4, 3, 4, 3, 3, 4, 3, 3, 2, 3]
    values = NOISE * 4 + flare + NOISE * 3
    assert np.std(NOISE * 4, ddof=1) > 0.9
    assert len(fl.detect_flareups(frame(values))) == 0  # the adaptive rule misses it
    ep = fl.detect_flareups(frame(values), rule="hmm")
    assert onset_days(ep) == [80]  # found, and dated to its first morning
    assert ep.loc[0, "rule"] == "sustained" and ep.loc[0, "peak"] == 4 and ep.loc[0, "side"] == "L"


def test_side_is_read_over_the_first_mornings_of_the_rise():
    # right side rises (3 on day 60 is the dated onset, 5 and 6 follow); the left side stays calm: side R
    right = [1] * 60 + [3, 5, 6, 6, 4, 2, 1, 1, 1]
    left = [1] * len(right)
    rows = [(DAY0 + pd.Timedelta(days=i), "morning", "plantar", side, v)
            for side, values in (("L", left), ("R", right)) for i, v in enumerate(values)]
    daily = fl.daily_pain(schema.coerce_pain(pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side",
                                                                          "pain"])))
    ep = fl.detect_flareups(daily, rule="hmm")
    assert onset_days(ep) == [60] and ep.loc[0, "side"] == "R"


def test_lone_bad_morning_is_not_an_onset():
    # a 7 followed by settled mornings: a red flag, unconfirmed (next morning 1 < B + 2), and a one-morning
    # posterior run has no 2 mornings >= max(B + 2, 3)
    values = NOISE * 3 + [7, 1, 1, 0, 1] + NOISE
    ep = fl.detect_flareups(frame(values), rule="hmm")
    assert len(ep) == 0
    flags = fl.red_flags(frame(values), ep)
    assert len(flags) == 1 and not flags.loc[0, "confirmed"]


def test_clear_flare_dated_to_the_start_of_the_rise_and_ended():
    # 60 calm mornings of 1, then a rise 3, 5, 6, 6 falling back: onset on day 60 (the first morning >= 3
    # with another one next), episode end on the third settled morning (<= B + 1 = 2)
    values = [1] * 60 + [3, 5, 6, 6, 5, 4, 3, 2, 1, 1, 1] + [1] * 20
    ep = fl.detect_flareups(frame(values), rule="hmm")
    assert onset_days(ep) == [60]
    assert (ep.loc[0, "end_date"] - DAY0).days == 69
    # a missing first morning moves the onset to the next logged one
    values[60] = None
    assert onset_days(fl.detect_flareups(frame(values), rule="hmm")) == [61]


def test_slow_rise_is_dated_back_over_the_run():
    # 1, then 3 on day 40 (below a single-morning alarm), 3, 4, 5, 5...: dated to day 40
    values = [1, 0, 1, 2, 1] * 8 + [3, 3, 4, 5, 5, 4, 4, 3, 2, 1, 1, 1] + [1] * 20
    assert onset_days(fl.detect_flareups(frame(values), rule="hmm")) == [40]


def test_rule_is_named_and_described():
    rule = fl.flare_rule(rule="hmm")
    assert rule.rule == "hmm" and rule.backdate_mornings == 0
    assert fl.FLARE_DEFAULTS["rule"] == "adaptive"  # not the default in this branch
    text = fl.describe_rule(rule)
    assert "hidden Markov" in text and "red flag" in text and "METHODS.md" not in text


def _brute_force(x, calm_mean, calm_sd, flare_mean, flare_sd, p_enter, p_exit, temper):
    """P(flare) per day by summing over all 2^n hidden paths (the definition, for short series)."""
    n = len(x)
    a = np.array([[1 - p_enter, p_enter], [p_exit, 1 - p_exit]])
    pi1 = p_enter / (p_enter + p_exit)
    start = np.array([1 - pi1, pi1])

    def emit(s, v):
        if math.isnan(v):
            return 1.0
        mean, sd = (calm_mean, calm_sd) if s == 0 else (flare_mean, flare_sd)
        return math.exp(temper * (-0.5 * ((v - mean) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2 * math.pi)))

    num = np.zeros(n)
    total = 0.0
    for path in itertools.product((0, 1), repeat=n):
        w = start[path[0]] * emit(path[0], x[0])
        for t in range(1, n):
            w *= a[path[t - 1], path[t]] * emit(path[t], x[t])
        total += w
        num += w * np.array(path)
    return num / total


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=9),
    calm_mean=st.floats(0, 3),
    calm_sd=st.floats(0.5, 2),
    rise=st.floats(1, 5),
    flare_sd=st.floats(0.5, 3),
    p_enter=st.floats(0.001, 0.5),
    p_exit=st.floats(0.01, 0.9),
    temper=st.floats(0.1, 1),
)
def test_posterior_equals_enumeration_of_hidden_paths(values, calm_mean, calm_sd, rise, flare_sd, p_enter, p_exit,
                                                       temper):
    x = np.array([np.nan if v is None else float(v) for v in values])
    kw = dict(calm_mean=calm_mean, calm_sd=calm_sd, flare_mean=calm_mean + rise, flare_sd=flare_sd,
              p_enter=p_enter, p_exit=p_exit, temper=temper)
    got = flare_hmm.flare_posterior(x, **kw)
    want = _brute_force(x, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=20, max_size=120), st.integers(0, 2**31 - 1))
def test_onsets_fall_on_logged_mornings_outside_earlier_episodes(values, seed):
    # random values with calm stretches spliced in, so that baselines exist
    rng = np.random.default_rng(seed)
    values = [int(v) for v in rng.integers(0, 3, 15)] + values
    daily = frame(values)
    ep = fl.detect_flareups(daily, rule="hmm")
    logged = {i for i, v in enumerate(values) if v is not None}
    days = onset_days(ep)
    assert set(days) <= logged
    assert days == sorted(days)
    for prev, nxt in zip(ep.itertuples(), ep.iloc[1:].itertuples(), strict=False):
        assert not pd.isna(prev.end_date) and (nxt.onset_date - prev.end_date).days > 7
