"""Every mutant of every real file: no traceback, no hang, every file and CSV record in the log.

The mutants come from :mod:`tests.robustness.mutate` driven by Hypothesis with a
fixed seed (``derandomize=True``) and a bounded number of examples, so the run
is the same every time and stays within about a minute on two cores. Each is
read by its format's reader (bytes) and by the loader (path), each read under a
10 s limit (:func:`tests.robustness.check.check_mutant`).
"""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.check import Outcome, check_mutant
from tests.robustness.mutate import CSV_FORMATS, SIDE_FORMATS, HypothesisChooser, mutate

READ_LIMIT_S = 10.0


def _settings(n: int):
    return settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


def _run(seeds: dict, formats: tuple[str, ...], data) -> Outcome:
    pool = [s for fmt in formats for s in seeds.get(fmt, [])]
    if not pool:
        pytest.skip(f"no seed file of {formats}")
    ch = HypothesisChooser(data)
    seed, raw = ch.choice(pool)
    mutant = mutate(seed, ch, seed_bytes=raw)
    with tempfile.TemporaryDirectory() as folder:
        return check_mutant(mutant, Path(folder), timeout_s=READ_LIMIT_S)


@_settings(220)
@given(data=st.data())
def test_fit_mutants(seeds, data):
    outcome = _run(seeds, ("fit",), data)
    assert outcome.ok, outcome.report()


@_settings(120)
@given(data=st.data())
def test_tcx_and_gpx_mutants(seeds, data):
    outcome = _run(seeds, ("tcx", "gpx"), data)
    assert outcome.ok, outcome.report()


@_settings(320)
@given(data=st.data())
def test_csv_mutants_every_record_logged(seeds, data):
    outcome = _run(seeds, CSV_FORMATS, data)
    assert outcome.ok, outcome.report()


@_settings(50)
@given(data=st.data())
def test_garmin_json_mutants(seeds, data):
    outcome = _run(seeds, ("garmin_json",), data)
    assert outcome.ok, outcome.report()


@_settings(150)
@given(data=st.data())
def test_side_file_mutants(seeds, data):
    outcome = _run(seeds, SIDE_FORMATS, data)
    assert outcome.ok, outcome.report()


def test_corpus_covers_every_format(seeds):
    """The mutants start from every kind of real file there is."""
    for fmt in ("fit", "tcx", "gpx", "strava", "garmin_csv", "garmin_json", "csv", "strava_shoes", "shoes",
                "pain", "drills", "strava_zip", "apple_health", "apple_zip", "polar", "fitbit"):
        assert seeds.get(fmt), f"no seed of format {fmt}"
    real_fit = [s for s, _ in seeds["fit"] if s.member is None]
    assert len(real_fit) == 13 and len(seeds["strava"]) >= 14  # ../shared/data: 13 FIT, 14 Strava CSVs


def test_no_zip_member_was_written_outside():
    """Hostile member names (../../tmp/..., /tmp/...) never became files: nothing is extracted."""
    assert glob.glob("/tmp/runlog-zip-slip-*") == []
    assert glob.glob("/tmp/runlog-absolute-*") == []


@_settings(40)
@given(data=st.data())
def test_strava_export_zip_mutants(seeds, data):
    outcome = _run(seeds, ("strava_zip",), data)
    assert outcome.ok, outcome.report()


@_settings(60)
@given(data=st.data())
def test_apple_health_mutants(seeds, data):
    """Cut, flipped, DOCTYPE entity bombs, dropped closing tags, zip bombs and hostile member names."""
    outcome = _run(seeds, ("apple_health", "apple_zip"), data)
    assert outcome.ok, outcome.report()


@_settings(80)
@given(data=st.data())
def test_polar_and_fitbit_mutants(seeds, data):
    """Bare NaN, wrong types, deep nesting, truncation, gzip and zip wraps."""
    outcome = _run(seeds, ("polar", "fitbit"), data)
    assert outcome.ok, outcome.report()
