"""The per-runner map: a failing runner is excluded by id, partitions are keyed by inputs, pool and Dask agree."""

import numpy as np
import pandas as pd
import pytest

from analysis.cohort.discover import find_runners
from analysis.cohort.store import map_runners, read_table


def test_failed_runner_reported_and_cohort_kept(clinic, tmp_path):
    status = map_runners(find_runners(clinic), tmp_path / "store", workers=1)
    by_id = status.set_index("runner_id")
    assert by_id.loc["broken", "status"] == "failed"
    assert "pain.csv" in by_id.loc["broken", "reason"]
    assert (by_id.drop("broken")["status"] == "built").all()
    days = read_table(tmp_path / "store", status)
    assert set(days["runner_id"]) == {"r1", "r2", "r3"}
    assert set(days["onset"].unique()) <= {0, 1}
    assert days["km_7d"].ge(0).all()
    _footwear_is_share_minus_a_seasonal_usual_share(days)


def _footwear_is_share_minus_a_seasonal_usual_share(days: pd.DataFrame) -> None:
    """The daily table's footwear column (METHODS.md 5 and 7): the 7-day share minus the runner's usual
    share, one smooth function of the date per runner (a trend and two harmonics of the day of the year,
    the same on every region's rows), not zero, and undefined exactly where the share is."""
    assert (days["barefoot_share_7d"].isna() == days["barefoot_share_raw_7d"].isna()).all()
    for rid, d in days.dropna(subset=["barefoot_share_7d"]).groupby("runner_id"):
        usual = 10 * (d["barefoot_share_raw_7d"] - d["barefoot_share_7d"]).to_numpy(float)
        date = pd.DatetimeIndex(pd.to_datetime(d["date"]))
        per_date = pd.Series(usual).groupby(date.to_numpy()).agg(["min", "max"])
        assert (per_date["max"] - per_date["min"]).max() < 1e-9, rid  # one usual share per runner and date
        angle = 2 * np.pi * date.day_of_year.to_numpy(float) / 365.25
        Z = np.column_stack([np.ones(len(d)), (date - date.min()).days.to_numpy(float), np.sin(angle),
                             np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)])
        coef, *_ = np.linalg.lstsq(Z, usual, rcond=None)
        assert np.abs(Z @ coef - usual).max() < 1e-6, rid
        assert usual.std() > 0.5, rid  # the runner's share does follow the season / a trend here


def test_rerun_redoes_only_the_changed_runner(clinic, tmp_path):
    store = tmp_path / "store"
    first = map_runners(find_runners(clinic), store, workers=1).set_index("runner_id")
    pain = clinic / "r2" / "pain.csv"
    lines = pain.read_text(encoding="utf-8").splitlines()
    pain.write_text("\n".join(lines[:-5]) + "\n", encoding="utf-8")  # the last entries removed
    second = map_runners(find_runners(clinic), store, workers=1).set_index("runner_id")
    assert second.loc["r2", "status"] == "built"
    assert second.loc["r2", "key"] != first.loc["r2", "key"]
    assert (second.loc[["r1", "r3"], "status"] == "cached").all()
    assert len(list((store / "days" / "runner_id=r2").glob("*.parquet"))) == 1


def test_process_pool_same_table_as_in_process(clinic, tmp_path):
    a = map_runners(find_runners(clinic), tmp_path / "a", workers=1)
    b = map_runners(find_runners(clinic), tmp_path / "b", workers=2)
    da = read_table(tmp_path / "a", a).sort_values(["runner_id", "region", "date"]).reset_index(drop=True)
    db = read_table(tmp_path / "b", b).sort_values(["runner_id", "region", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(da, db)


def test_dask_local_cluster_two_workers(clinic, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask[distributed] not installed (extra 'cohort')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        status = map_runners(find_runners(clinic), tmp_path / "store", dask_address=cluster.scheduler_address)
    assert list(status["runner_id"]) == ["broken", "r1", "r2", "r3"]
    assert (status.set_index("runner_id").drop("broken")["status"] == "built").all()
    ref = map_runners(find_runners(clinic), tmp_path / "ref", workers=1)
    assert list(status["key"]) == list(ref["key"])


def test_manifest(clinic, tmp_path):
    (clinic / "runners.csv").write_text("runner_id,path,tz\nA7,r1,Europe/Berlin\nB9,r3,\n", encoding="utf-8")
    runners = find_runners(clinic)
    assert [(r.runner_id, r.folder.name, r.tz) for r in runners] == [("A7", "r1", "Europe/Berlin"),
                                                                     ("B9", "r3", None)]


def test_a_second_outcome_file_is_named_as_not_used(clinic, tmp_path):
    """A folder with a diary and OSTRC answers uses the diary and says the OSTRC file was not used."""
    (clinic / "r1" / "ostrc.csv").write_text("date,region,q1,q2,q3,q4\n2024-01-08,knee,0,0,0,0\n", encoding="utf-8")
    status = map_runners(find_runners(clinic), tmp_path / "store", workers=1).set_index("runner_id")
    assert status.loc["r1", "status"] == "built"
    assert status.loc["r1", "note"] == "outcome from pain.csv; ostrc.csv not used (one outcome per runner)"
    assert status.loc[["r2", "r3"], "note"].isna().all()
