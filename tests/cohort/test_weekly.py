"""Weekly injury reports as the outcome: the reader (FORMATS.md) and the report-unit table (METHODS.md 7)."""

import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.cohort.discover import find_runners
from analysis.cohort.step import report_table
from analysis.cohort.store import map_runners, read_table
from analysis.errors import RunlogError
from analysis.io.injuries import read_injuries


def test_reader_maps_areas_and_severity(tmp_path):
    f = tmp_path / "injuries.csv"
    f.write_text("date,region,side,severity\n2026-03-09,knee,L,minor\n2026-03-09,right_foot,,major\n"
                 "2026-03-16,,,none\n2026-03-23,shoulder,R,minor\n2026-03-30T23:30:00Z,groin_hip,,40\n")
    inj = read_injuries(f, tz="Europe/Berlin")
    assert list(inj["region"].fillna("-")) == ["patellar", "plantar", "-", "-", "glute"]
    assert list(inj["problem"]) == [True, True, False, False, True]
    assert inj.loc[1, "side"] == "R"
    assert inj.loc[3, "modelled"] == np.False_
    assert inj.loc[4, "date"] == pd.Timestamp("2026-03-31")  # 23:30 UTC is the next day in Berlin


def test_reader_names_bad_row(tmp_path):
    f = tmp_path / "injuries.csv"
    f.write_text("date,region,side,severity\n2026-03-09,knee,L,minor\n2026-03-16,elbowz,L,minor\n")
    with pytest.raises(RunlogError, match="row 3"):
        read_injuries(f)


def _runs(days: int = 120) -> pd.DataFrame:
    dates = pd.date_range("2026-01-01", periods=days, freq="D")
    return pd.DataFrame({"date": dates.date, "distance_m": 8000.0, "moving_time_s": 2700.0,
                         "sport": "running", "shoe_class": ["minimalist" if i % 3 == 0 else "traditional"
                                                            for i in range(days)],
                         "start_time": dates.tz_localize("UTC") + pd.Timedelta(hours=7)},
                        index=pd.Index([f"a{i}" for i in range(days)], name="activity_id"))


def test_report_table_onsets_by_hand():
    """Reports weekly from day 35; knee problems at reports 3 and 4 and 8: onsets at 3 and 8 (4 is not at risk)."""
    report_dates = pd.date_range("2026-02-05", periods=10, freq="7D")
    rows = [{"date": d, "region": "patellar" if k in (3, 4, 8) else None, "problem": k in (3, 4, 8),
             "modelled": True} for k, d in enumerate(report_dates)]
    table = report_table(_runs(), pd.DataFrame(rows))
    knee = table[table["region"] == "patellar"].set_index("date")
    # at risk: reports 2.. whose two previous reports had no problem: 2, 3, 7, 8 (not 4, 5, 6, 9... 9 follows 8)
    assert list(knee.index) == [report_dates[k] for k in (2, 3, 7, 8)]
    assert list(knee["onset"]) == [0, 1, 0, 1]
    assert (knee["km_7d"] == 5.6).all()  # 7 x 8 km per +10 km
    assert knee["days_at_risk"].eq(7).all()


def test_weekly_runner_in_cohort(clinic_master, tmp_path):
    clinic = tmp_path / "clinic"
    shutil.copytree(clinic_master / "r1", clinic / "d1")
    shutil.copytree(clinic_master / "r2", clinic / "w2")
    pain = pd.read_csv(clinic / "w2" / "pain.csv")
    (clinic / "w2" / "pain.csv").unlink()
    pain["date"] = pd.to_datetime(pain["date"])
    mondays = pd.date_range(pain["date"].min() + pd.Timedelta(days=7), pain["date"].max(), freq="W-MON")
    rows = []
    for m in mondays:
        week = pain[(pain["date"] < m) & (pain["date"] >= m - pd.Timedelta(days=7)) & (pain["pain"] >= 4)]
        areas = sorted(set(week["region"]))
        rows += [f"{m.date()},{a},,minor" for a in areas] or [f"{m.date()},,,none"]
    (clinic / "w2" / "injuries.csv").write_text("date,region,side,severity\n" + "\n".join(rows) + "\n")
    status = map_runners(find_runners(clinic), tmp_path / "store", workers=1)
    assert list(status["status"]) == ["built", "built"], status["reason"].tolist()
    days = read_table(tmp_path / "store", status)
    units = days.groupby("runner_id")["time_unit"].first().to_dict()
    assert units == {"d1": "day", "w2": "report"}
    assert days.loc[days["runner_id"] == "w2", "onset"].sum() > 0
