"""analysis.pipeline: each load table computed once and shared, equal to computing it afresh."""

from __future__ import annotations

import pandas as pd

from analysis import load
from analysis.pipeline import _in_period, analyse


def _assert_shared_tables_are_fresh(d) -> None:
    """The Analysis' load tables equal the same tables computed from its own period's runs."""
    rule24 = d.rule24["breach"]
    fresh = load.transition_guardrails(d.runs, start=d.start, end=d.end, rule_breaches=rule24)
    pd.testing.assert_frame_equal(d.guardrails, fresh)
    pd.testing.assert_frame_equal(d.weekly, load.weekly_load(load.daily_load(d.runs, start=d.start, end=d.end)))
    pd.testing.assert_frame_equal(d.transition_runs, load.transition_runs(d.runs))


def test_shared_load_tables_equal_fresh_ones_on_the_sample(sample_data):
    d = sample_data
    _assert_shared_tables_are_fresh(d)
    assert int(d.guardrails["run_breaches"].sum()) > 0  # the sample's transition breaks the run rule: a real comparison
    # the sample's runs all fall in its diary's span: the spike table is that of every run
    pd.testing.assert_frame_equal(d.spikes, _in_period(load.spike_ratio(d.runs), d.start, d.end))


def test_shared_load_tables_equal_fresh_ones_in_a_window(sample_data):
    """With --since, runs before the window feed the lags but not the window's own weeks."""
    since = pd.Timestamp("2023-07-05")
    d = analyse(sample_data.runs, sample_data.pain, sample_data.drills, since=since)
    assert d.start == since and pd.to_datetime(sample_data.runs["date"]).min() < since
    _assert_shared_tables_are_fresh(d)
    # the spike table is every run's (a run's look-back reaches before the window), cut to the window
    pd.testing.assert_frame_equal(d.spikes, _in_period(load.spike_ratio(sample_data.runs), d.start, d.end))
    assert len(d.spikes) < len(sample_data.spikes)
