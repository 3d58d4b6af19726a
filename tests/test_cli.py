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
