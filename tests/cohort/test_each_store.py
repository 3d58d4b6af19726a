"""``--each DIR`` (every runner's own report) and stores named by fsspec URL (DESIGN.md "A clinic or a cohort")."""

import csv
import io
import json
import shutil
import zipfile

import pandas as pd
import pytest

from analysis.cli import main
from analysis.cohort.discover import find_runners
from analysis.cohort.run import run_cohort
from analysis.cohort.store import map_runners, read_table
from analysis.errors import RunlogError

#: a person's name written into every activity name of r1's export: it must reach no output
PERSON = "Janet Q. Example"


def _name_activities(export, who: str) -> None:
    """Rewrite a simulated Strava export so every 'Activity Name' holds ``who``."""
    with zipfile.ZipFile(export) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    rows = list(csv.reader(io.StringIO(members["activities.csv"].decode("utf-8"))))
    col = rows[0].index("Activity Name")
    for r in rows[1:]:
        r[col] = f"{who}'s {r[col]}"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    members["activities.csv"] = buf.getvalue().encode("utf-8")
    with zipfile.ZipFile(export, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


def test_each_writes_every_included_runners_own_json(clinic, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    _name_activities(clinic / "r1" / "export.zip", PERSON)
    each, out_json = tmp_path / "each", tmp_path / "c.json"
    rc = main(["cohort", "report", str(clinic), "--no-pdf", "--json", str(out_json), "--each", str(each),
               "--workers", "1"])
    assert rc == 0
    assert sorted(p.name for p in each.iterdir()) == ["r1.json", "r2.json", "r3.json"]  # no PDF, no 'broken'
    cohort = json.loads(out_json.read_text())
    for rid in ("r1", "r2", "r3"):
        own = json.loads((each / f"{rid}.json").read_text())
        assert own["schema_version"]
        # the runner's own onsets are the events the cohort counted for that runner (the same functions)
        for region, data in cohort["regions"].items():
            events = {r["events"] for r in data["per_runner"] if r["runner_id"] == rid}
            if events:
                assert events == {own["regions"][region]["onsets"]}, (rid, region)
    texts = [out_json.read_text(), *(p.read_text() for p in each.iterdir())]
    assert not any(PERSON in t for t in texts), "a name from an export reached an output"
    err = capsys.readouterr().err
    assert "runner r3 (3/3): its own report" in err


def test_each_with_pdf_one_runner(clinic_master, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    clinic = tmp_path / "one"
    shutil.copytree(clinic_master / "r2", clinic / "r2")
    each = tmp_path / "each"
    assert main(["cohort", "report", str(clinic), "-o", str(tmp_path / "c.pdf"), "--each", str(each),
                 "--workers", "1"]) == 0
    assert (each / "r2.pdf").read_bytes()[:4] == b"%PDF"
    assert json.loads((each / "r2.json").read_text())["regions"]


def test_file_url_store_same_as_folder(clinic, tmp_path, monkeypatch):
    """``--store file:///...`` writes into that folder (not a folder called 'file:') and gives the same JSON."""
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    url_store = tmp_path / "url_store"
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["cohort", "report", str(clinic), "--no-pdf", "--json", str(a), "--workers", "1",
                 "--store", url_store.as_uri()]) == 0
    assert main(["cohort", "report", str(clinic), "--no-pdf", "--json", str(b), "--workers", "1",
                 "--store", str(tmp_path / "plain_store")]) == 0
    assert not (tmp_path / "file:").exists()
    assert sorted(p.name for p in (url_store / "days").iterdir()) == ["runner_id=r1", "runner_id=r2",
                                                                      "runner_id=r3"]
    ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ja["regions"] == jb["regions"] and ja["excluded"] == jb["excluded"]
    # the second run on the URL store finds every partition unchanged
    status = map_runners(find_runners(clinic), url_store.as_uri(), workers=1).set_index("runner_id")
    assert (status.drop("broken")["status"] == "cached").all()


def test_memory_url_store_read_by_duckdb(clinic, tmp_path):
    """A non-local fsspec filesystem (memory://, one process) is written by the step and read by DuckDB."""
    pytest.importorskip("fsspec")
    status = map_runners(find_runners(clinic), "memory://cohort-test/store", workers=1)
    days = read_table("memory://cohort-test/store", status)
    ref_status = map_runners(find_runners(clinic), tmp_path / "ref", workers=1)
    ref = read_table(tmp_path / "ref", ref_status)
    key = ["runner_id", "region", "date"]
    pd.testing.assert_frame_equal(days.sort_values(key).reset_index(drop=True),
                                  ref.sort_values(key).reset_index(drop=True))
    runs = read_table("memory://cohort-test/store", status, "runs")
    assert set(runs["runner_id"]) == {"r1", "r2", "r3"}


def test_unknown_store_protocol_is_one_line(clinic, tmp_path, capsys):
    rc = main(["cohort", "report", str(clinic), "--no-pdf", "--json", str(tmp_path / "x.json"),
               "--store", "nosuchprotocol://bucket/store", "--workers", "1"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot open the cohort store" in err[0]


def test_no_usable_runner_is_one_error(clinic_master, tmp_path):
    clinic = tmp_path / "bad"
    shutil.copytree(clinic_master / "broken", clinic / "broken")
    with pytest.raises(RunlogError, match="no usable runner: all 1 failed"):
        run_cohort(clinic, store=tmp_path / "store", workers=1)


def test_embedded_clinic_each_and_url_store(tmp_path, monkeypatch):
    """Two of the embedded clinic's runners (a runners.csv manifest), --each and a file:// store together."""
    from analysis.cohort.sample import SAMPLE_RUNNERS, sample_clinic

    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    sample = sample_clinic(tmp_path / "sample")
    assert len(find_runners(sample)) == SAMPLE_RUNNERS
    clinic = tmp_path / "two"
    clinic.mkdir()
    (clinic / "runners.csv").write_text(f"runner_id,path\nP1,{sample / 'r01'}\nP4,{sample / 'r04'}\n")
    store, each, out = (tmp_path / "store").as_uri(), tmp_path / "each", tmp_path / "c.json"
    assert main(["cohort", "report", str(clinic), "--no-pdf", "--json", str(out), "--each", str(each),
                 "--store", store, "--workers", "2"]) == 0
    res = json.loads(out.read_text())
    assert res["included"] == 2 and res["excluded"] == []
    assert sorted(p.name for p in each.iterdir()) == ["P1.json", "P4.json"]
    ids = {r["runner_id"] for v in res["regions"].values() for r in v["per_runner"]}
    assert ids == {"P1", "P4"}  # the manifest's ids, never the folder names
    assert sorted(p.name for p in (tmp_path / "store" / "days").iterdir()) == ["runner_id=P1", "runner_id=P4"]
