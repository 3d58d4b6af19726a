import subprocess
import sys

import pandas as pd

from analysis.cli import main


def test_runs_on_fit_folder_lists_runs_and_log(shared_data, capsys):
    assert main(["runs", str(shared_data / "fit"), "--no-progress", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "2015-08-15" in out and "9.01" in out  # the fenix 2 run, 9008.2 m
    assert "not a run" in out and "import log:" in out


def test_missing_file_one_line_exit_2(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "missing.fit")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.fit" in err[0] and "no such file" in err[0]


def test_console_script_never_prints_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n")
    proc = subprocess.run([sys.executable, "-m", "analysis.cli", "runs", str(bad)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "bad.csv" in proc.stderr


def test_a_folder_of_unreadable_files_names_the_first_and_counts_the_rest(tmp_path, capsys):
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "a.gpx").write_text('<gpx version="1.1"><trk><trkseg></trkseg></trk></gpx>')
    (folder / "b.tcx").write_text("<TrainingCenterDatabase><Activities/>")
    (folder / "c.fit").write_bytes(b"not a fit file at all")
    assert main(["runs", str(folder), "--no-progress", "--tz", "UTC"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a.gpx" in err[0] and "no track points" in err[0]
    assert "and 2 other file(s) failed too" in err[0]


def test_a_folder_of_planned_routes_is_no_runs_not_an_error(tmp_path, capsys):
    folder = tmp_path / "routes"
    folder.mkdir()
    (folder / "loop.gpx").write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><rte><rtept lat="1" lon="2"/>'
        '<rtept lat="1.01" lon="2"/></rte></gpx>')
    assert main(["runs", str(folder), "--no-progress", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "no runs found" in out and "1 not a run" in out


def test_runs_output_parquet_and_csv(shared_data, tmp_path):
    for name in ("runs.parquet", "runs.csv"):
        out = tmp_path / name
        assert main(["runs", str(shared_data / "fit"), "--no-progress", "--tz", "UTC", "-o", str(out)]) == 0
        df = pd.read_parquet(out) if name.endswith("parquet") else pd.read_csv(out)
        assert len(df) == 9
        assert not {"latitude_deg", "longitude_deg"} & set(df.columns)


def test_units_miles(shared_data, capsys):
    assert main(["runs", str(shared_data / "fit"), "--units", "mi", "--no-progress", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "5.60" in out  # 9008.2 m = 5.597 mi


def test_help_reads_well(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("runs", "check", "shoes"):
        assert cmd in out


def test_report_no_pdf_writes_the_same_findings_and_never_loads_matplotlib(sample_data, request,
                                                                          tmp_path_factory, tmp_path):
    """``runlog report --no-pdf --json`` (with its second processes for dynamics, sensitivity and the
    exploratory models) gives the findings of the in-process pipeline, without importing matplotlib, and
    statsmodels and scipy.stats (which statsmodels imports) only in the second processes that fit its models
    (issue [P]: imports only where used)."""
    import json
    import os

    from tests.conftest import SAMPLE_TZ, sample_cache_dir

    out = tmp_path / "findings.json"
    code = (
        "import sys\nfrom analysis.cli import main\n"
        f"rc = main(['report', '--tz', {SAMPLE_TZ!r}, '--no-progress', '--no-pdf', '--json', {str(out)!r}])\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
        "print('STATSMODELS', sorted(m for m in sys.modules if m.split('.')[0] == 'statsmodels'))\n"
        "print('SCIPY_STATS', sorted(m for m in sys.modules if m == 'scipy.stats' or m.startswith('scipy.stats.')))\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "RUNLOG_CACHE_DIR": str(sample_cache_dir(request.config, tmp_path_factory)),
           "RUNLOG_SERIAL": "0"}  # the second processes whatever the load
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LOADED []" in proc.stdout
    assert "STATSMODELS []" in proc.stdout
    assert "SCIPY_STATS []" in proc.stdout  # ~0.4 s of import; analysis.stats.dist has what the report needs
    assert json.loads(out.read_text()) == json.loads(json.dumps(sample_data.findings))


def test_one_blas_thread_unless_the_user_chose_otherwise(monkeypatch, capsys):
    """runlog's matrices are a few columns wide: the CLI asks OpenBLAS for one thread while a command runs,
    unless set; a caller's environment is left as it was (no OPENBLAS_NUM_THREADS=1 for its later processes)."""
    import os

    import analysis.cli as cli

    seen = []
    monkeypatch.setattr(cli, "cmd_runs", lambda args: seen.append(os.environ.get("OPENBLAS_NUM_THREADS")) or 0)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert main(["runs"]) == 0
    assert seen == ["1"] and "OPENBLAS_NUM_THREADS" not in os.environ
    assert main([]) == 0
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert main(["runs"]) == 0
    assert seen == ["1", "4"] and os.environ["OPENBLAS_NUM_THREADS"] == "4"
    capsys.readouterr()


def test_report_on_files_that_hold_no_run_writes_findings_not_a_traceback(tmp_path, capsys, monkeypatch):
    # one track point: "too short" for the merge, so the report has no runs at all
    gpx = tmp_path / "one_point.gpx"
    gpx.write_text('<?xml version="1.0"?>\n<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
                   '<trk><type>running</type><trkseg><trkpt lat="48.1" lon="11.5"><time>2025-03-01T07:00:00Z</time>'
                   '</trkpt></trkseg></trk></gpx>\n')
    out = tmp_path / "f.json"
    assert main(["report", str(gpx), "--no-pdf", "--no-progress", "--no-cache", "--tz", "UTC",
                 "--json", str(out)]) == 0
    assert out.is_file()
    capsys.readouterr()
    # and the PDF: page 1 says there is no run, and matplotlib warns of nothing (an empty legend, a flat axis)
    import warnings

    from pypdf import PdfReader

    pdf = tmp_path / "r.pdf"
    diary = tmp_path / "pain.csv"  # 60 days of mornings: the weekly and load figures are drawn, with no run
    diary.write_text("date,time_of_day,region,side,pain\n" + "".join(
        f"{d:%Y-%m-%d},morning,achilles,R,1\n" for d in pd.date_range("2025-01-01", periods=60)))
    monkeypatch.setenv("RUNLOG_SERIAL", "1")  # every page drawn here, where the warnings filter holds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["report", str(gpx), "--pain", str(diary), "--no-progress", "--no-cache", "--tz", "UTC",
                     "-o", str(pdf)]) == 0
    first = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "No runs in the analysis period" in first and "0 runs, 0 km ()" not in first
