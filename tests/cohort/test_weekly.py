"""Weekly injury reports as the outcome: the reader (FORMATS.md) and the report-unit table (METHODS.md 7)."""

import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.cohort.discover import find_runners
from analysis.cohort.store import map_runners, read_table
from analysis.cohort.weekly import report_table
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


#: ten OSTRC weeks (2026-W06 .. W15, Mondays 2026-02-02 .. 04-06). Knee: substantial problems in weeks
#: 3, 4 and 8 (Q1 = 25; Q3 = 17; Q2 = 17), a minor one (not substantial) in week 6. Achilles, as two
#: areas (ankle and lower leg, raw answers 0-3): substantial in week 5 only (lower leg Q2 = 2 -> 17).
#: Glute and plantar are never asked.
_KNEE = {3: "25,0,0,8", 4: "8,8,17,17", 6: "8,0,8,8", 8: "0,17,0,8"}


def _ostrc_csv() -> str:
    lines = ["week,region,q1,q2,q3,q4"]
    for k in range(10):
        lines.append(f"2026-W{6 + k:02d},knee,{_KNEE.get(k, '0,0,0,0')}")
        lines.append(f"2026-W{6 + k:02d},ankle,0,0,0,0")
        lines.append(f"2026-W{6 + k:02d},lower leg,{'0,2,1,1' if k == 5 else '0,0,0,0'}")
    return "\n".join(lines) + "\n"


def test_ostrc_weekly_onsets_by_hand(tmp_path):
    from analysis.cohort.weekly import ostrc_reports
    from analysis.io.ostrc import read_ostrc

    f = tmp_path / "ostrc.csv"
    f.write_text(_ostrc_csv())
    mondays = pd.date_range("2026-02-02", periods=10, freq="7D")
    table = report_table(_runs(), ostrc_reports(read_ostrc(f)), per_region=True)
    assert set(table["region"]) == {"patellar", "achilles"}  # regions never asked have no reports
    knee = table[table["region"] == "patellar"].set_index("date")
    # substantial at 3, 4, 8: at risk 2, 3 (onset), 7, 8 (onset); week 6's minor problem does not block 7, 8
    assert list(knee.index) == [mondays[k] for k in (2, 3, 7, 8)]
    assert list(knee["onset"]) == [0, 1, 0, 1]
    assert (knee["km_7d"] == 5.6).all()  # the 7 days before each Monday: 7 x 8 km, per +10 km
    ach = table[table["region"] == "achilles"].set_index("date")
    # ankle and lower leg merge; substantial at 5: at risk 2-5 (onset at 5), then 8, 9
    assert list(ach.index) == [mondays[k] for k in (2, 3, 4, 5, 8, 9)]
    assert list(ach["onset"]) == [0, 0, 0, 1, 0, 0]
    # any problem as the outcome: knee problems at 3, 4, 6, 8 -> at risk 2, 3 only
    anyp = report_table(_runs(), ostrc_reports(read_ostrc(f), outcome="any"), per_region=True)
    knee_any = anyp[anyp["region"] == "patellar"]
    assert list(knee_any["date"]) == [mondays[2], mondays[3]] and list(knee_any["onset"]) == [0, 1]


def test_weekly_window_keeps_the_previous_reports(tmp_path):
    """--since drops earlier rows, but reports before it still count as the two previous ones."""
    from analysis.cohort.weekly import ostrc_reports
    from analysis.io.ostrc import read_ostrc

    f = tmp_path / "ostrc.csv"
    f.write_text(_ostrc_csv())
    mondays = pd.date_range("2026-02-02", periods=10, freq="7D")
    table = report_table(_runs(), ostrc_reports(read_ostrc(f)), per_region=True, since=mondays[3])
    knee = table[table["region"] == "patellar"]
    assert list(knee["date"]) == [mondays[k] for k in (3, 7, 8)] and list(knee["onset"]) == [1, 0, 1]


def test_ostrc_runner_same_table_as_injury_reports(clinic_master, tmp_path):
    """One runner's weekly problems written as injuries.csv and as ostrc.csv: the same at-risk table."""
    pain = pd.read_csv(clinic_master / "r2" / "pain.csv")
    pain["date"] = pd.to_datetime(pain["date"])
    mondays = pd.date_range(pain["date"].min() + pd.Timedelta(days=7), pain["date"].max(), freq="W-MON")
    areas = {"plantar": "foot", "achilles": "lower leg", "patellar": "knee", "glute": "hip"}
    inj, ost = ["date,region,side,severity"], ["week,region,q1,q2,q3,q4"]
    for m in mondays:  # the week the questionnaire covers starts on Monday m
        week = pain[(pain["date"] >= m) & (pain["date"] < m + pd.Timedelta(days=7)) & (pain["pain"] >= 4)]
        hit = set(week["region"])
        inj += [f"{m.date()},{areas[r]},,major" for r in sorted(hit)] or [f"{m.date()},,,none"]
        ost += [f"{m.date()},{areas[r]},{'0,17,8,8' if r in hit else '0,0,0,0'}" for r in areas]
    clinic = tmp_path / "clinic"
    for rid, name, text in (("inj", "injuries.csv", inj), ("ost", "ostrc.csv", ost)):
        shutil.copytree(clinic_master / "r2", clinic / rid)
        (clinic / rid / "pain.csv").unlink()
        (clinic / rid / name).write_text("\n".join(text) + "\n")
    status = map_runners(find_runners(clinic), tmp_path / "store", workers=1)
    assert list(status["status"]) == ["built", "built"], status["reason"].tolist()
    days = read_table(tmp_path / "store", status)
    assert set(days["time_unit"]) == {"report"}
    a, b = (days[days["runner_id"] == rid].drop(columns="runner_id").sort_values(["region", "date"])
            .reset_index(drop=True) for rid in ("inj", "ost"))
    assert a["onset"].sum() >= 3
    pd.testing.assert_frame_equal(a, b)


def test_runner_with_only_ostrc_bad_outcome_setting(clinic_master, tmp_path):
    clinic = tmp_path / "clinic"
    shutil.copytree(clinic_master / "r1", clinic / "o1")
    (clinic / "o1" / "pain.csv").unlink()
    (clinic / "o1" / "ostrc.csv").write_text(_ostrc_csv())
    (clinic / "o1" / "runner.toml").write_text('tz = "Europe/Berlin"\nostrc_outcome = "severe"\n')
    status = map_runners(find_runners(clinic), tmp_path / "store", workers=1)
    assert status.loc[0, "status"] == "failed"
    assert "ostrc_outcome 'severe'" in status.loc[0, "reason"] and "runner.toml" in status.loc[0, "reason"]


def test_injury_file_flare_history_in_days(tmp_path):
    """Through the reader (whose dates need not be nanoseconds): days since the last problem report, by hand."""
    dates = pd.date_range("2026-02-05", periods=10, freq="7D")
    f = tmp_path / "injuries.csv"
    f.write_text("date,region,side,severity\n" + "\n".join(
        f"{d.date()},knee,L,minor" if k in (3, 4, 8) else f"{d.date()},,,none" for k, d in enumerate(dates)) + "\n")
    knee = report_table(_runs(), read_injuries(f))
    knee = knee[knee["region"] == "patellar"]
    assert list(knee["onset"]) == [0, 1, 0, 1]
    # reports 2, 3: no problem yet, days since the first report + 1 (15, 22); 7, 8: since report 4 (21, 28)
    np.testing.assert_allclose(knee["days_since_flare"], np.log([15, 22, 21, 28]))
    assert list(knee["no_flare_yet"]) == [1, 1, 0, 0]


# --- the footwear column: the 7-day share minus the runner's usual share (METHODS.md 5 and 7) -------------


def _two_shoe_runs(dates: pd.DatetimeIndex, bare_pct: np.ndarray, km: np.ndarray | float = 10.0) -> pd.DataFrame:
    """One barefoot-style and one traditional run a day, splitting the day's km by ``bare_pct``."""
    km = np.broadcast_to(np.asarray(km, float), len(dates))
    start = dates.tz_localize("UTC") + pd.Timedelta(hours=7)
    bare = pd.DataFrame({"date": dates.date, "distance_m": 10.0 * km * bare_pct, "moving_time_s": 1800.0,
                         "sport": "running", "shoe_class": "minimalist", "start_time": start})
    trad = bare.assign(distance_m=10.0 * km * (100 - bare_pct), shoe_class="traditional",
                       start_time=start + pd.Timedelta(hours=10))
    runs = pd.concat([bare, trad], ignore_index=True)
    runs.index = pd.Index([f"a{i}" for i in range(len(runs))], name="activity_id")
    return runs[runs["distance_m"] > 0]


def test_a_purely_seasonal_share_gives_a_footwear_column_near_zero():
    """Three years in which the barefoot-style share only follows the season (10-70 %): the 7-day share
    swings by 60 points, the footwear column (share minus the usual share at that time) stays near 0."""
    dates = pd.date_range("2024-01-01", periods=3 * 365, freq="D")
    theta = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
    runs = _two_shoe_runs(dates, 40 - 30 * np.cos(theta))
    mondays = dates[(dates.day_of_week == 0) & (dates > dates[0] + pd.Timedelta(days=30))]
    reports = pd.DataFrame({"date": mondays, "region": "achilles", "problem": False, "modelled": True})
    table = report_table(runs, reports, per_region=True)
    assert len(table) == len(mondays) - 2  # the first two reports have no two before them
    raw = table["barefoot_share_raw_7d"]
    assert raw.max() - raw.min() > 5.5  # per 10 points: the uncentred share swings by > 55 points
    assert table["barefoot_share_7d"].abs().max() < 0.1  # < 1 point from the runner's usual share


def test_report_table_footwear_column_by_hand():
    """Under a year of running: the usual share is a straight line fitted to every day's 7-day share
    (not only the report days) up to the last report (the table's load history ends there), computed
    here with pandas rolling sums and numpy least squares."""
    runs = _runs()  # 8 km a day, minimalist on every third day
    report_dates = pd.date_range("2026-02-05", periods=10, freq="7D")
    reports = pd.DataFrame({"date": report_dates, "region": None, "problem": False, "modelled": True})
    table = report_table(runs, reports)
    knee = table[table["region"] == "patellar"].set_index("date")
    days = pd.DatetimeIndex(pd.to_datetime(runs["date"]))
    km = pd.Series(8.0, index=days).resample("D").sum()
    bare = pd.Series(np.where(runs["shoe_class"] == "minimalist", 8.0, 0.0), index=days).resample("D").sum()
    share = (100 * bare.rolling(7).sum().shift(1) / km.rolling(7).sum().shift(1)).dropna()
    share = share[share.index <= report_dates.max()]
    t = (share.index - km.index[0]).days.to_numpy(float) / 365.25
    coef = np.polyfit(t, share.to_numpy(), 1)
    usual = np.polyval(coef, (knee.index - km.index[0]).days.to_numpy(float) / 365.25)
    expected_raw = share.reindex(knee.index).to_numpy() / 10
    np.testing.assert_allclose(knee["barefoot_share_raw_7d"], expected_raw, atol=1e-9)
    assert set(np.round(expected_raw * 10, 2)) <= {28.57, 42.86}  # 2 or 3 minimalist days of 7
    np.testing.assert_allclose(knee["barefoot_share_7d"], expected_raw - usual / 10, atol=1e-9)


def _seasonal_clinic(seed: int, log_rr_share: float, *, n_runners: int = 30, n_days: int = 3 * 365) -> pd.DataFrame:
    """Weekly achilles reports of runners whose frailty raises both risk and barefoot-style share, whose share
    follows the season (two harmonics) and whose risk has a summer block (a shape one sine/cosine pair of
    the model cannot follow); truth: log rate per report = ... + log_rr_share x (7-day share) / 10 points."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=n_days, freq="D")
    doy = dates.day_of_year.to_numpy(float)
    theta = 2 * np.pi * doy / 365.25
    summer = ((doy >= 150) & (doy <= 240)).astype(float)
    parts = []
    for r in range(n_runners):
        frailty = rng.normal(0, 0.5)
        base = 100 / (1 + np.exp(1.2 - 1.5 * frailty))
        ran = rng.random(n_days) < 0.6
        km = np.where(ran, rng.gamma(3, 8 / 3, n_days), 0.0)
        p_bare = np.clip(base + 20 * (-np.cos(theta) - 0.5 * np.cos(2 * theta)), 0, 100)
        bare_pct = np.where(rng.random(n_days) * 100 < p_bare, 100.0, 0.0)
        runs = _two_shoe_runs(dates, bare_pct, km)
        mondays = np.flatnonzero((dates.day_of_week == 0) & (np.arange(n_days) >= 35))
        c, cb = np.r_[0, np.cumsum(km)], np.r_[0, np.cumsum(km * bare_pct / 100)]
        km7, bs7 = c[mondays] - c[mondays - 7], cb[mondays] - cb[mondays - 7]
        share = 100 * bs7 / np.where(km7 > 0, km7, 1)
        lin = -4.2 + frailty + summer[mondays] + log_rr_share * share / 10 + 0.1 * km7 / 10
        problem = rng.random(len(mondays)) < 1 - np.exp(-np.exp(lin))
        reports = pd.DataFrame({"date": dates[mondays], "region": "achilles", "problem": problem,
                                "modelled": True})
        parts.append(report_table(runs, reports, per_region=True).assign(runner_id=f"r{r:02d}"))
    return pd.concat(parts, ignore_index=True)


def test_pooled_model_on_the_centred_column_keeps_a_planted_effect_and_a_null():
    """Through the weekly table (the step's own columns): a planted within-runner footwear effect is
    recovered, and with none the interval covers 1 although share and risk both follow the season."""
    from analysis.cohort.model import cohort_region

    planted = cohort_region(_seasonal_clinic(1, 0.25))
    share = planted["primary"][0]
    assert share["estimand"] == "barefoot_share_7d"
    assert share["ci"][0] > 1.1 and share["ci"][0] < np.exp(0.25) < share["ci"][1] * 1.02
    het = share["heterogeneity"]  # the per-runner fits read the same centred column
    assert het["runners"] >= 5 and het["estimate"] > 1.1
    null = cohort_region(_seasonal_clinic(2, 0.0))
    lo, hi = null["primary"][0]["ci"]
    assert lo < 1.0 < hi


def test_until_keeps_later_runs_out_of_the_usual_share():
    """With --until, runs after it must not shape the table: the same table as from runs and reports
    cut at that date (the usual barefoot-style share is fitted to the history up to the window's end)."""
    dates = pd.date_range("2024-01-01", periods=2 * 365, freq="D")
    share = np.where(np.arange(len(dates)) < 400, 10.0, 70.0)  # a late move to barefoot-style running
    runs = _two_shoe_runs(dates, share)
    mondays = dates[(dates.day_of_week == 0) & (dates > dates[0] + pd.Timedelta(days=30))]
    reports = pd.DataFrame({"date": mondays, "region": "achilles", "problem": False, "modelled": True})
    until = pd.Timestamp("2024-12-31")
    windowed = report_table(runs, reports, until=until.date(), per_region=True)
    cut = report_table(runs[pd.to_datetime(runs["date"]) <= until], reports[reports["date"] <= until],
                       per_region=True)
    pd.testing.assert_frame_equal(windowed.reset_index(drop=True), cut.reset_index(drop=True))
