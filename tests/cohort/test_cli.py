"""``runlog cohort report`` and ``runlog cohort runs`` end to end on a tiny clinic."""

import json

import pandas as pd

from analysis.cli import main


def test_report_json_and_pdf(clinic, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    out_json, out_pdf = tmp_path / "c.json", tmp_path / "c.pdf"
    rc = main(["cohort", "report", str(clinic), "--json", str(out_json), "-o", str(out_pdf), "--workers", "1"])
    assert rc == 0
    res = json.loads(out_json.read_text())
    assert res["runners"] == 4 and res["included"] == 3
    assert res["excluded"][0]["runner_id"] == "broken" and res["excluded"][0]["reason"]
    assert set(res["regions"]) == {"plantar", "achilles", "patellar", "glute"}
    region = res["regions"]["achilles"]
    for key in ("runners_with_onsets", "onsets", "person_years", "primary", "per_runner"):
        assert key in region
    assert [r["estimand"] for r in region["primary"]] == ["barefoot_share_7d", "km_7d"]
    for row in region["primary"]:  # each estimand its own heterogeneity block (DESIGN.md fields)
        assert {"tau", "i2", "prediction_interval", "same_direction_share"} <= set(row["heterogeneity"])
    assert out_pdf.read_bytes()[:4] == b"%PDF"
    assert "excluded (" in capsys.readouterr().err
    # the footwear column in words, as a runner's own findings say it (METHODS.md 5 and 7)
    from analysis.stats.primary_design import FOOTWEAR_CONTRAST

    assert res["footwear_contrast"] == FOOTWEAR_CONTRAST and "usual share" in res["footwear_contrast"]


def test_cohort_report_methods_say_what_the_footwear_column_is():
    from analysis.cohort.report import summary_pages

    result = {"runners": 1, "included": 1, "excluded": [], "regions": {}, "footwear_contrast": "THE CONTRAST"}
    text = " ".join(t for page in summary_pages(result) for t in page.texts)
    assert "where the share is THE CONTRAST" in " ".join(text.split())


def test_runs_table(clinic, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "runs.parquet"
    assert main(["cohort", "runs", str(clinic), "-o", str(out), "--workers", "1"]) == 0
    runs = pd.read_parquet(out)
    assert set(runs["runner_id"]) == {"r1", "r2", "r3"}
    assert runs["distance_m"].gt(0).all()


def test_missing_clinic_exit_2(tmp_path, capsys):
    assert main(["cohort", "report", str(tmp_path / "nope"), "--no-pdf", "--json", str(tmp_path / "x.json")]) == 2
    assert "no such clinic folder" in capsys.readouterr().err
