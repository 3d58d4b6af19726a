"""The synthetic runner: determinism, planted truth, real formats, the embedded sample."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import zipfile
from pathlib import Path

import fitdecode
import gpxpy
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.schema import REGIONS
from analysis.simulate import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    TERMS,
    make_params,
    simulate_daily,
    simulate_runner,
    write_runner,
)
from analysis.simulate.__main__ import main
from analysis.simulate.params import TERM_UNIT
from analysis.simulate.strava_csv import STRAVA_COLUMNS_94, activities_csv

STRAVA_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 50-day runner written with its files, as a folder and a zip."""
    runner = simulate_runner(11, days=50, gpx_rate=0.2)
    out = write_runner(runner, tmp_path_factory.mktemp("small"), export="both")
    return runner, out


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _fit_messages(data: bytes) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as fr:
        for frame in fr:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_files(small, tmp_path):
    runner, first = small
    again = write_runner(simulate_runner(11, days=50, gpx_rate=0.2), tmp_path / "again", export="both")
    a, b = _files(first), _files(again)
    assert a.keys() == b.keys()
    assert any(k.endswith(".fit.gz") for k in a) and any(k.endswith(".gpx") for k in a)
    assert [k for k in a if a[k] != b[k]] == []
    other = write_runner(simulate_runner(12, days=50), tmp_path / "other", write_files=False)
    assert (other / "pain.csv").read_bytes() != a["pain.csv"]


def test_simulate_daily_matches_runner():
    runner = simulate_runner(5, days=120, samples=False)
    pd.testing.assert_frame_equal(simulate_daily(5, days=120), runner.daily)


# --- the planted hazard ------------------------------------------------------------------------------


def _pooled_glm(null: bool, runners: int = 110) -> dict[str, tuple]:
    """GLM of onset on the TRUE features of at-risk days, pooled over runners (2 years each)."""
    daily = pd.concat([simulate_daily(s, days=DEFAULT_DAYS, null=null) for s in range(1000, 1000 + runners)])
    fits = {}
    for region in REGIONS:
        rows = daily[daily[f"at_risk_{region}"]]
        x = pd.DataFrame({t: rows[t] / TERM_UNIT[t] for t in TERMS}).fillna(0.0)  # NA share counts 0
        model = sm.GLM(rows[f"onset_{region}"], sm.add_constant(x), family=sm.families.Binomial()).fit()
        fits[region] = (model, int(rows[f"onset_{region}"].sum()))
    return fits


def _wald_p(model, truth: np.ndarray) -> float:
    diff = model.params.to_numpy() - truth
    chi2 = float(diff @ np.linalg.solve(model.cov_params().to_numpy(), diff))
    return float(stats.chi2.sf(chi2, len(truth)))


def test_planted_hazard_recovered_from_true_daily_series():
    p = make_params()
    fits = _pooled_glm(null=False)
    for region, (model, onsets) in fits.items():
        truth = np.array([p.intercepts[region]] + [p.coefficients[region][t] for t in TERMS])
        z = (model.params.to_numpy() - truth) / model.bse.to_numpy()
        assert onsets > 150, region
        assert np.abs(z).max() < 4, (region, dict(zip(model.params.index, z.round(2), strict=True)))
        assert _wald_p(model, truth) > 0.001, region
    # and the planted effects are not zero: the load and barefoot-share terms are clearly detected
    assert fits["plantar"][0].pvalues["km_lag_1_3"] < 1e-4
    assert fits["achilles"][0].pvalues["barefoot_share_lag_1_7"] < 1e-4


def test_null_runner_has_no_effect():
    p = make_params(null=True)
    assert all(c == 0.0 for r in REGIONS for c in p.coefficients[r].values())
    for region, (model, onsets) in _pooled_glm(null=True).items():
        truth = np.array([p.intercepts[region]] + [0.0] * len(TERMS))
        assert onsets > 150, region
        assert _wald_p(model, truth) > 0.001, region
    daily = simulate_daily(3, null=True)
    for region in REGIONS:
        h = daily[f"hazard_{region}"].dropna()
        assert np.allclose(h, 1 / (1 + math.exp(-p.intercepts[region])))


def test_no_onset_inside_an_episode():
    p = make_params()
    for seed in range(8):
        runner = simulate_runner(seed, samples=False)
        d = runner.daily
        for region in REGIONS:
            onset = d[f"onset_{region}"].to_numpy() == 1
            assert d[f"at_risk_{region}"].to_numpy()[onset].all()
            assert not onset[: p.burn_in_days].any()
            ep = runner.episodes[runner.episodes["region"] == region].sort_values("onset_day")
            gaps = ep["onset_day"].to_numpy()[1:] - ep["end_day"].to_numpy()[:-1]
            assert (gaps > p.refractory_days).all()
            # the day after an onset is inside the flare, never at risk
            after = np.flatnonzero(onset) + 1
            after = after[after < len(d)]
            assert not d[f"at_risk_{region}"].to_numpy()[after].any()
            assert d[f"in_flare_{region}"].to_numpy()[after].all()


# --- files in real formats ---------------------------------------------------------------------------


def test_activities_csv_layout_and_values(small):
    runner, out = small
    text = (out / "export" / "activities.csv").read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    assert tuple(records[0]) == STRAVA_COLUMNS_94 and len(records[0]) == 94
    first_km, second_m = records[0].index("Distance"), [i for i, c in enumerate(records[0]) if c == "Distance"][1]
    rows = {r[0]: r for r in records[1:]}
    assert len(rows) == len(runner.runs) + len(runner.others)
    for run in runner.runs.to_dict("records"):
        row = rows[str(run["strava_id"])]
        assert row[3] == "Run"
        assert float(row[second_m]) == pytest.approx(run["distance_m"], abs=0.05)
        assert row[first_km] == f"{run['distance_m'] / 1000:.2f}"
        assert STRAVA_DATE.match(row[1])
        assert pd.Timestamp(row[1], tz="UTC") == run["start_time"]
        if run["file_kind"]:
            assert float(row[records[0].index("Average Cadence")]) == pytest.approx(run["avg_cadence_spm"] / 2,
                                                                                    abs=0.06)
        if run["shoe_class"] == "barefoot":
            assert row[11] == "" and re.search(r"(?i)barefoot|barfu|barfod", row[2])
        elif run["gear_recorded"]:
            assert row[11] == run["shoe"]


def test_fit_files_decode_with_strides_and_dynamics(small):
    runner, out = small
    runs = runner.runs.reset_index(drop=True)
    fits = runs[runs["file_kind"] == "fit"]
    assert len(fits) >= 10
    for run in fits.head(6).to_dict("records"):
        data = gzip.decompress((out / "export" / f"activities/{run['upload_id']}.fit.gz").read_bytes())
        msgs = _fit_messages(data)
        rec = msgs["record"]
        moving = [r for r in rec if r["cadence"]]
        spm = np.array([2 * (r["cadence"] + r["fractional_cadence"]) for r in moving])
        assert 140 < spm.mean() < 200  # strides x 2 = steps/min; strides alone would be ~85
        assert all(r["stance_time"] and r["vertical_oscillation"] and r["step_length"] for r in moving)
        frame = runner.samples[runner.samples["activity_id"] == f"strava:{run['strava_id']}"]
        np.testing.assert_allclose(spm, frame["cadence_spm"].to_numpy()[frame["cadence_spm"].to_numpy() > 0])
        np.testing.assert_allclose([r["distance"] for r in rec], frame["distance_m"], atol=0.006)
        session = msgs["session"][0]
        assert session["sport"] == "running"
        assert session["total_distance"] == pytest.approx(run["distance_m"], abs=0.01)
        activity = msgs["activity"][0]
        offset = (activity["local_timestamp"] - activity["timestamp"]).total_seconds()
        assert offset == run["start_local"].utcoffset().total_seconds() and offset in (3600, 7200)
        assert {"file_id", "lap", "event", "device_info"} <= msgs.keys()


def test_gpx_files_are_strava_style_loops(small):
    runner, out = small
    gpx_runs = runner.runs[runner.runs["file_kind"] == "gpx"]
    assert len(gpx_runs) >= 1
    for run in gpx_runs.to_dict("records"):
        text = (out / "export" / f"activities/{run['upload_id']}.gpx").read_text(encoding="utf-8")
        gpx = gpxpy.parse(text)
        assert gpx.creator == "StravaGPX" and gpx.tracks[0].type == "9"
        assert gpx.length_2d() == pytest.approx(run["distance_m"], rel=0.005)
        assert "<gpxtpx:hr>" in text and "<gpxtpx:cad>" in text
        lat = [pt.latitude for pt in gpx.tracks[0].segments[0].points]
        assert abs(np.mean(lat) - 55.4) < 0.02  # the made-up point in the North Sea


def test_zip_and_folder_hold_the_same_export(small):
    _, out = small
    with zipfile.ZipFile(out / "export.zip") as zf:
        names = zf.namelist()
        assert names[:2] == ["activities.csv", "shoes.csv"]
        for name in names:
            assert zf.read(name) == (out / "export" / name).read_bytes()


def test_pain_diary_integers_with_gaps(small):
    runner = simulate_runner(4, samples=False)
    pain = runner.pain
    assert pain["pain"].between(0, 10).all() and pain["pain"].notna().all()
    assert set(pain["time_of_day"]) == {"morning", "during", "after"}
    assert set(pain["side"]) == {"L", "R", "B"}
    days = pd.date_range(runner.params.start, periods=DEFAULT_DAYS)
    missed = 1 - pain["date"].nunique() / len(days)
    assert 0.02 < missed < 0.12
    start = pd.Timestamp(runner.params.start)
    onsets = {start + pd.Timedelta(days=int(d)) for d in runner.episodes["onset_day"]}
    assert onsets <= set(pain["date"])  # onset days are always logged
    # outside flares the background never reaches 3 and mornings never jump by 2
    flare = np.zeros(len(days), dtype=bool)
    for e in runner.episodes.itertuples():
        flare[e.onset_day:e.end_day + 1] = True
    calm = pain[~flare[(pain["date"] - start).dt.days.to_numpy()]]
    assert calm["pain"].max() <= 2
    morning = calm[(calm["time_of_day"] == "morning") & (calm["side"] != "B")]
    wide = morning.pivot_table(index="date", columns=["region", "side"], values="pain").reindex(days)
    assert (wide.diff().abs().max().max()) <= 1
    # write -> text: integers, blanks for NA
    _, out = small
    text = (out / "pain.csv").read_text()
    assert text.startswith("date,time_of_day,region,side,pain,activity_id,notes\n")
    assert re.search(r"^\d{4}-\d\d-\d\d,during,\w+,[LRB],\d+,\d{10,},", text, re.M)


def test_dynamics_follow_shoe_class():
    runner = simulate_runner(3, days=300, samples=True)
    cls = runner.runs.assign(activity_id="strava:" + runner.runs["strava_id"].astype(str))
    s = runner.samples.merge(cls[["activity_id", "shoe_class"]], on="activity_id")
    s = s[(s["elapsed_s"] > 600) & (s["speed_mps"] > 0)]
    x = pd.get_dummies(s["shoe_class"]).drop(columns="traditional").astype(float)
    x["speed_mps"] = s["speed_mps"]
    fit = sm.OLS(np.log(s["cadence_spm"]), sm.add_constant(x)).fit()
    p = runner.params
    for klass in ("barefoot", "minimalist", "partial"):
        if klass in fit.params:
            assert fit.params[klass] == pytest.approx(math.log(p.cadence_factor[klass]), abs=0.01)
    band = s[(s["speed_mps"] > 2.8) & (s["speed_mps"] < 3.1)]
    bs = band[band["shoe_class"].isin(["barefoot", "minimalist"])]
    tr = band[band["shoe_class"] == "traditional"]
    assert bs["step_length_mm"].mean() < tr["step_length_mm"].mean()
    assert bs["stance_time_ms"].mean() < tr["stance_time_ms"].mean()


def test_cli_writes_folder_and_null(tmp_path, capsys):
    assert main(["--seed", "5", "--days", "40", "--out", str(tmp_path / "n"), "--null", "--no-files"]) == 0
    truth = json.loads((tmp_path / "n" / "truth.json").read_text())
    assert truth["null"] is True and truth["seed"] == 5 and truth["days"] == 40
    assert all(v == 0 for r in truth["hazard"]["coefficients"].values() for v in r.values())
    readme = (tmp_path / "n" / "README.md").read_text()
    assert "simulated" in readme and "--null" in readme and "no effect planted" in readme.lower()
    assert {p.name for p in (tmp_path / "n").iterdir()} == {"export.zip", "shoes.csv", "pain.csv", "drills.csv",
                                                            "truth.json", "README.md"}


def test_unknown_parameter_is_refused():
    with pytest.raises(TypeError, match="unknown simulation parameter"):
        simulate_runner(1, days=10, not_a_knob=3)


# --- the embedded sample -----------------------------------------------------------------------------


def test_sample_is_what_the_code_writes(sample_dir, tmp_path):
    """data/sample matches a fresh run of the documented command (all but the activity files)."""
    if not (sample_dir / "truth.json").is_file():
        pytest.skip("data/sample not generated")
    truth = json.loads((sample_dir / "truth.json").read_text())
    readme = (sample_dir / "README.md").read_text()
    assert truth["seed"] == DEFAULT_SEED and truth["days"] == DEFAULT_DAYS and truth["synthetic"] is True
    assert f"python -m analysis.simulate --seed {DEFAULT_SEED} --out data/sample" in readme
    assert "simulated" in readme
    runner = simulate_runner(DEFAULT_SEED, samples=False)
    fresh = write_runner(runner, tmp_path, write_files=False)
    for name in ("pain.csv", "drills.csv", "shoes.csv", "truth.json"):
        assert (fresh / name).read_bytes() == (sample_dir / name).read_bytes(), name
    with zipfile.ZipFile(sample_dir / "export.zip") as zf:
        assert zf.read("activities.csv").decode() == activities_csv(runner.runs, runner.others, runner.params)
        files = [n for n in zf.namelist() if n.startswith("activities/")]
    assert len(files) == int((runner.runs["file_kind"] != "").sum())
    size = sum(p.stat().st_size for p in sample_dir.iterdir())
    assert size < 8 * 2**20


def test_sample_story(sample_dir):
    if not (sample_dir / "truth.json").is_file():
        pytest.skip("data/sample not generated")
    truth = json.loads((sample_dir / "truth.json").read_text())
    counts = truth["onset_counts"]
    assert sum(n >= 10 for n in counts.values()) >= 2
    assert any(2 <= n <= 4 for n in counts.values())
    first = min(pd.Timestamp(e["onset"]) for e in truth["episodes"])
    assert first < pd.Timestamp(truth["start"]) + pd.Timedelta(days=90)  # early flare-ups
    runs = pd.DataFrame(truth["runs"])
    runs["year"] = pd.to_datetime(runs["date"]).dt.year
    share = runs.assign(bs=runs["shoe_class"].isin(["barefoot", "minimalist"]) * runs["distance_m"]) \
        .groupby("year")[["bs", "distance_m"]].sum()
    assert (share["bs"] / share["distance_m"]).is_monotonic_increasing  # the gradual transition


def test_sample_reads_with_strava_reader(sample_dir):
    from analysis.ingest.strava_export import read_strava_export

    if not (sample_dir / "export.zip").is_file():
        pytest.skip("data/sample not generated")
    truth = pd.DataFrame(json.loads((sample_dir / "truth.json").read_text())["runs"])
    result = read_strava_export(sample_dir / "export.zip", tz="Europe/Copenhagen", read_files=False)
    runs = result.runs
    assert runs.index.is_unique and len(runs) == len(truth)
    got = runs["distance_m"].reindex("strava:" + truth["strava_id"]).to_numpy(dtype=float)
    np.testing.assert_allclose(got, truth["distance_m"].to_numpy(dtype=float), rtol=0.005)
    assert (result.log["status"] == "not_a_run").sum() > 0  # walks and rides


def test_sample_flare_detection(sample_dir):
    flareups = pytest.importorskip("analysis.flareups")
    diary = pytest.importorskip("analysis.io.pain_diary")
    if not (sample_dir / "pain.csv").is_file():
        pytest.skip("data/sample not generated")
    truth = json.loads((sample_dir / "truth.json").read_text())
    daily = flareups.daily_pain(diary.read_pain_diary(sample_dir / "pain.csv"))
    found = flareups.detect_flareups(daily)
    true_on = {(e["region"], pd.Timestamp(e["onset"])) for e in truth["episodes"]}
    got_on = {(r, pd.Timestamp(d)) for r, d in zip(found["region"], found["onset_date"], strict=True)}

    def near(item, pool):
        return any((item[0], item[1] + pd.Timedelta(days=k)) in pool for k in (-1, 0, 1))

    recall = np.mean([near(t, got_on) for t in true_on])
    precision = np.mean([near(g, true_on) for g in got_on])
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)


def test_sample_fit_offsets_date_runs_abroad_and_at_midnight(sample_dir):
    """A FIT file's own UTC offset dates the runs whose home-zone or UTC date is wrong."""
    fit = pytest.importorskip("analysis.io.fit")
    if not (sample_dir / "export.zip").is_file():
        pytest.skip("data/sample not generated")
    truth = json.loads((sample_dir / "truth.json").read_text())
    tricky = [r for r in truth["runs"] if r["tz"] != truth["tz"] or r["kind"] == "newyear"]
    shifted = 0
    with zipfile.ZipFile(sample_dir / "export.zip") as zf:
        for run in tricky:
            result = fit.read_fit(zf.read(run["filename"]), name=run["filename"])
            assert result.runs["date"].iloc[0] == pd.Timestamp(run["date"])
            utc = pd.Timestamp(run["start_time_utc"])
            home = utc.tz_convert(truth["tz"]).tz_localize(None).normalize()
            shifted += int(home != pd.Timestamp(run["date"]) or utc.normalize().tz_localize(None)
                           != pd.Timestamp(run["date"]))
    assert shifted >= 2  # the New Year's run (UTC date) and an evening run abroad (home date)
