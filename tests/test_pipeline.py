"""analysis.pipeline: each load table computed once and shared, equal to computing it afresh."""

from __future__ import annotations

import pandas as pd

from analysis import load


def test_shared_load_tables_equal_fresh_ones_on_the_sample(sample_data):
    d = sample_data
    rule24 = d.rule24["breach"]
    fresh = load.transition_guardrails(d.runs, start=d.start, end=d.end, rule_breaches=rule24)
    pd.testing.assert_frame_equal(d.guardrails, fresh)
    assert int(fresh["run_breaches"].sum()) > 0  # the sample's transition breaks the run rule: a real comparison
    pd.testing.assert_frame_equal(d.transition_runs, load.transition_runs(d.runs))
    # the spike table is the model frames' one, cut to the period
    dates = pd.to_datetime(d.frames.spikes["date"])
    pd.testing.assert_frame_equal(d.spikes, d.frames.spikes[(dates >= d.start) & (dates <= d.end)])
