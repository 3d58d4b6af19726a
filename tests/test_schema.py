import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError


def test_coerce_runs_adds_missing_columns_as_na_not_zero():
    runs = schema.coerce_runs({"activity_id": ["a"], "distance_m": [5000.0]})
    assert list(runs.columns[: len(schema.RUNS_DTYPES)]) == list(schema.RUNS_DTYPES)
    assert runs.index.name == "activity_id"
    assert pd.isna(runs.loc["a", "avg_heart_rate_bpm"])
    assert runs.loc["a", "distance_m"] == 5000.0
    schema.validate_runs(runs)


def test_coerce_runs_times_are_utc_and_dates_naive():
    runs = schema.coerce_runs(
        {"activity_id": ["a"], "start_time": ["2024-03-01T23:30:00+01:00"], "date": ["2024-03-01"]}
    )
    assert str(runs["start_time"].dtype) == "datetime64[ns, UTC]"
    assert runs.loc["a", "start_time"] == pd.Timestamp("2024-03-01T22:30:00Z")
    assert runs.loc["a", "date"] == pd.Timestamp("2024-03-01")


def test_validate_names_offending_column():
    runs = schema.coerce_runs({"activity_id": ["a"], "rpe": [11.0]})
    with pytest.raises(RunlogError, match="'rpe'"):
        schema.validate_runs(runs)
    runs = schema.coerce_runs({"activity_id": ["a", "a"]})
    with pytest.raises(RunlogError, match="activity_id"):
        schema.validate_runs(runs)


def test_cast_failure_names_column():
    with pytest.raises(RunlogError, match="'distance_m'"):
        schema.coerce_runs({"activity_id": ["a"], "distance_m": ["five km"]})


def test_pain_validation_rejects_out_of_range_and_unknown_region():
    ok = schema.coerce_pain({"date": ["2024-01-01"], "time_of_day": ["morning"], "region": ["plantar"],
                             "side": ["L"], "pain": [3]})
    schema.validate_pain(ok)
    bad = ok.assign(pain=pd.array([12], dtype="Int64"))
    with pytest.raises(RunlogError, match="'pain'"):
        schema.validate_pain(bad)
    bad = ok.assign(region=pd.array(["knee"], dtype="string"))
    with pytest.raises(RunlogError, match="'region'"):
        schema.validate_pain(bad)


def test_import_log_rejects_unknown_status():
    log = schema.coerce_import_log({"source_file": ["a.fit"], "status": ["lost"]})
    with pytest.raises(RunlogError, match="status"):
        schema.validate_import_log(log)


def test_runlog_error_one_line():
    err = RunlogError("pain 12 outside 0-10\n(second line)", path="pain.csv", row=4)
    assert err.one_line() == "pain.csv, row 4: pain 12 outside 0-10 (second line)"
    assert "\n" not in str(err)


def test_a_reference_names_a_run_whole_or_after_its_source_prefix():
    assert schema.names_run("strava:123", "strava:123")
    assert schema.names_run(" 123 ", "strava:123")  # blanks around a copied number do not count
    assert not schema.names_run("23", "strava:123")  # a tail of the number is not the number
    assert not schema.names_run("strava", "strava:123")
    assert not schema.names_run(None, "strava:123") and not schema.names_run(123, "strava:123")
    table = schema.id_suffixes(["strava:123", "garmin:123", "fit:9", "plain"])
    assert table == {"123": ["strava:123", "garmin:123"], "9": ["fit:9"]}
    # every key of the table names exactly the runs listed under it
    for key, runs in table.items():
        assert [r for r in ["strava:123", "garmin:123", "fit:9", "plain"] if schema.names_run(key, r)] == runs


def test_plausible_run_dates_are_1900_to_2099_in_every_form():
    edges = ["1899-12-31T23:59", "1900-01-01T00:00", "2099-12-31T23:59", "2100-01-01T00:00"]
    expected = [True, False, False, True]
    assert schema.implausible_dates(np.array(edges, dtype="datetime64[us]")).tolist() == expected
    assert schema.implausible_dates(pd.Series(pd.to_datetime(edges, utc=True))).tolist() == expected
    assert schema.implausible_dates(pd.Series(pd.to_datetime(edges))).tolist() == expected  # naive local dates
    assert not schema.implausible_dates(np.array(["NaT"], dtype="datetime64[us]")).any()
