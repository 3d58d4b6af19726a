"""The commands on the embedded sample and on mixed real sources (issues [C], [D])."""

import shutil
import zipfile

import pandas as pd
import pytest

from analysis.cli import main
from analysis.ingest.loader import read_sources
from analysis.pipeline import load_runs, sample_inputs


@pytest.fixture(scope="module")
def sample_runs():
    result, _ = load_runs(sample_inputs(), tz="Europe/Copenhagen", progress=False, samples=False)
    return result.runs


def test_shoes_km_match_the_runs(sample_runs, capsys):
    assert main(["shoes", "--no-progress", "--tz", "Europe/Copenhagen"]) == 0
    out = capsys.readouterr().out
    km = sample_runs[sample_runs["gear_name"].notna()].groupby("gear_name")["distance_m"].sum() / 1000
    for shoe, total in km.items():
        line = next(ln for ln in out.splitlines() if ln.startswith(shoe))
        assert f"{total:.1f}" in line.split()
    no_shoe = sample_runs["gear_name"].isna().sum()
    counts = [int(ln.split()[5]) for ln in out.splitlines() if ln.startswith("(no shoe")]
    assert sum(counts) == no_shoe


def test_strava_export_and_the_same_fit_files_give_each_run_once(tmp_path):
    export = tmp_path / "strava_export"
    watch = tmp_path / "watch"
    export.mkdir()
    watch.mkdir()
    with zipfile.ZipFile(sample_inputs().sources[0]) as zf:
        (export / "activities.csv").write_bytes(zf.read("activities.csv"))  # the CSV only: no samples
        fits = sorted(n for n in zf.namelist() if n.endswith(".fit.gz"))[:12]
        for i, n in enumerate(fits):
            (watch / f"watch_{i:02d}.fit.gz").write_bytes(zf.read(n))
    csv_only = read_sources([export], progress=False)
    both = read_sources([tmp_path], progress=False)
    assert list(both.runs.index) == list(csv_only.runs.index)  # each run once, Strava ids kept
    table = pd.read_csv(export / "activities.csv", dtype=str)
    by_file = dict(zip(table["Filename"], table["Activity ID"], strict=True))
    ids = [f"strava:{by_file[n]}" for n in fits]
    merged = both.runs.loc[ids]
    assert merged["gear_name"].notna().all()  # gear from the export
    assert set(both.samples["activity_id"]) == set(ids)  # samples from the FIT files
    dup = both.log[both.log["source_file"].str.contains("watch_")]
    assert len(dup) == 12 and (dup["status"] == "duplicate").all()


def test_runs_on_a_mix_of_kinds(shared_data, tmp_path, capsys):
    mix = tmp_path / "mix"
    mix.mkdir()
    for rel in ("fit/garmin_fenix2_run_dynamics.fit", "tcx/garmin_fr620_run.tcx", "gpx/strava_run.gpx",
                "strava/joboso_99col_activities.csv", "garmin_csv/hlasse_da_Activities.csv",
                "garmin_json/blueaz_summarizedActivities.json"):
        shutil.copy(shared_data / rel, mix / rel.replace("/", "_"))
    (mix / "runs.csv").write_text("start_time,distance_m,moving_time_s,gear_name\n2024-05-01T07:00:00Z,8000,2700,Xero\n")
    assert main(["runs", str(mix), "--no-progress", "--tz", "UTC", "-o", str(tmp_path / "r.csv")]) == 0
    runs = pd.read_csv(tmp_path / "r.csv")
    assert set(runs["source"]) == {"fit", "tcx", "gpx", "strava", "garmin_csv", "csv"}
    assert len(runs) == 1 + 1 + 1 + 44 + 41 + 1


def test_report_since_until_sets_the_window_and_load_before_it_still_counts(tmp_path):
    """[J] 2: --since/--until set the analysis window; onsets and the period stay inside it; the
    window is in the JSON's parameters; the first days' 28-day load rests on the runs before it."""
    import json

    out = tmp_path / "w.json"
    args = ["report", "--no-progress", "--tz", "UTC", "--no-pdf", "--json", str(out)]
    assert main([*args, "--since", "2024-01-01", "--until", "2024-06-30"]) == 0
    f = json.loads(out.read_text(encoding="utf-8"))
    assert f["period"]["start"] == "2024-01-01" and f["period"]["end"] == "2024-06-30"
    assert f["parameters"]["window"]["since"] == "2024-01-01"
    assert f["parameters"]["window"]["until"] == "2024-06-30"
    onsets = [e["onset"] for r in f["regions"].values() if isinstance(r, dict)
              for e in (r.get("episodes") or [])]
    assert onsets and all("2024-01-01" <= d <= "2024-06-30" for d in onsets)
    assert main([*args]) == 0
    whole = json.loads(out.read_text(encoding="utf-8"))
    assert whole["parameters"]["window"]["since"] is None
    # flare-ups are found on the whole diary and counted in the window: the same onsets as the
    # whole run's inside those dates (a diary cut at --since would lose its baseline)
    for region, block in whole["regions"].items():
        inside = [e["onset"] for e in block.get("episodes") or [] if "2024-01-01" <= e["onset"] <= "2024-06-30"]
        assert [e["onset"] for e in f["regions"][region].get("episodes") or []] == inside
    # the running dynamics compare the window's runs only
    n = [d["dynamics"]["metrics"][0]["n_runs_a"] + d["dynamics"]["metrics"][0]["n_runs_b"] for d in (f, whole)]
    assert 0 < n[0] < n[1]


@pytest.mark.parametrize("flags, words", [
    (["--since", "2024-13-01"], "--since '2024-13-01' is not a date"),
    (["--since", "2024-06-01", "--until", "2024-01-01"], "is after --until"),
    (["--since", ""], "--since '' is not a date"),
    (["--since", "2024-06-01T12:00+05:00"], "is not a date"),
    (["--since", "2030-01-01"], "the analysis window 2030-01-01 to 2024-12-31 is empty"),
    (["--until", "2020-01-01"], "the diary covers 2023-01-02 to 2024-12-31"),
])
def test_report_bad_window_is_one_line_exit_2(flags, words, capsys):
    assert main(["report", "--no-progress", "--no-pdf", "--json", "x.json", *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    # one error line, last (a window checked against the diary comes after the progress lines)
    assert words in err[-1] and err[-1].startswith("runlog: ") and not any("Traceback" in ln for ln in err)
    assert sum(words in ln for ln in err) == 1
