"""Privacy: runlog works with the network cut off, and never writes where someone runs.

Positions are read from the inputs with ``positions=True`` and searched, as
numbers rounded to 4-5 decimals (and as FIT semicircles), in every default
output: the runs CSV and Parquet of ``runlog runs -o``, what the commands print,
and the import cache. :mod:`tests.robustness.leaks` does the searching and can be
pointed at the findings JSON and the PDF report when those exist.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from analysis.ingest.loader import read_sources
from analysis.pipeline import Inputs, load_runs, sample_inputs
from tests.robustness.leaks import find_leaks, output_text, position_needles

POSITION_FILES = ("fit", "gpx", "tcx")


@pytest.fixture
def no_network(monkeypatch) -> list[tuple]:
    """Every attempt to open a socket raises (and is recorded)."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted (tests run offline)")

    class NoSocket(socket.socket):
        def __init__(self, *args, **kwargs):
            refuse(*args)

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture(scope="module")
def real_sources(shared_data) -> list[Path]:
    return [shared_data / d for d in POSITION_FILES] + [
        shared_data / "strava" / "azaidrahman_94col_activities.csv",
        shared_data / "garmin_csv" / "hlasse_da_Activities.csv",
        shared_data / "garmin_json" / "blueaz_summarizedActivities.json",
    ]


def _json_positions(path: Path) -> pd.DataFrame:
    """Latitudes/longitudes in a JSON input (e.g. Garmin's startLatitude), as a samples-like frame."""
    found: dict[str, list[float]] = {"latitude_deg": [], "longitude_deg": []}

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                low = k.lower()
                if isinstance(v, (int, float)) and ("latitude" in low or low.endswith("lat")):
                    found["latitude_deg"].append(float(v))
                elif isinstance(v, (int, float)) and ("longitude" in low or low.endswith(("lon", "lng"))):
                    found["longitude_deg"].append(float(v))
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return pd.DataFrame({k: pd.Series(v, dtype="float64") for k, v in found.items()})


@pytest.fixture(scope="module")
def needles(real_sources) -> set[str]:
    """Every position in the real inputs, in the text forms an output could hold."""
    res = read_sources(real_sources, positions=True, progress=False)
    found = position_needles(res.samples)
    for p in real_sources:
        if p.suffix == ".json":
            found |= position_needles(_json_positions(p), semicircles=False)
    assert len(found) > 10_000  # FIT, GPX and TCX tracks: thousands of points
    return found


def test_the_leak_finder_finds_positions(needles, real_sources, tmp_path):
    """The check can fail: samples written with their positions are caught."""
    res = read_sources([real_sources[1]], positions=True, progress=False)  # gpx/
    out = tmp_path / "leaky.csv"
    res.samples.head(50).to_csv(out)
    assert len(find_leaks(output_text(out), needles)) >= 5
    one = float(res.samples["latitude_deg"].dropna().iloc[7])
    assert find_leaks(f"lat {one:.6f} here", needles) and not find_leaks(f"x 1{one:.6f}", needles)


def test_positions_only_with_the_flag(real_sources):
    for src in real_sources[:3]:
        default = read_sources([src], progress=False).samples
        assert not {"latitude_deg", "longitude_deg"} & set(default.columns) or default[
            ["latitude_deg", "longitude_deg"]].isna().all().all(), src
        flagged = read_sources([src], positions=True, progress=False).samples
        assert flagged["latitude_deg"].notna().sum() > 1000, src


def test_positions_only_with_the_flag_in_a_strava_export(sample_dir):
    export = sample_dir / "export.zip"
    if not export.is_file():
        pytest.skip("data/sample/export.zip not generated yet")
    default = read_sources([export], progress=False).samples
    assert not {"latitude_deg", "longitude_deg"} & set(default.columns) or default[
        ["latitude_deg", "longitude_deg"]].isna().all().all()


def test_pipeline_runs_offline_on_real_files(no_network, real_sources):
    result, _ = load_runs(Inputs(sources=real_sources), tz="Europe/Berlin", progress=False)
    assert len(result.runs) > 100  # 11 FIT/GPX/TCX runs, 50 Strava runs, 41 Garmin runs, less merges
    assert no_network == []


def test_pipeline_runs_offline_on_the_sample(no_network, sample_dir):
    if not (sample_dir / "export.zip").is_file():
        pytest.skip("data/sample/export.zip not generated yet")
    result, catalog = load_runs(sample_inputs(sample_dir), tz="Europe/Copenhagen", progress=False, samples=False)
    assert len(result.runs) > 100 and catalog is not None
    assert no_network == []


def test_hostile_xml_makes_no_connection(no_network, tmp_path, shared_data):
    """An external entity pointing at the network (or a file) is never fetched."""
    from analysis.errors import RunlogError
    from analysis.io.gpx import read_gpx
    from analysis.io.tcx import read_tcx

    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else "\0"
    gpx = (shared_data / "gpx" / "tomtom_run.gpx").read_text()
    tcx = (shared_data / "tcx" / "garmin_fr620_run.tcx").read_text()
    doctype = '<!DOCTYPE x [<!ENTITY net SYSTEM "http://127.0.0.1:9/x"><!ENTITY f SYSTEM "file:///etc/hostname">]>'
    for reader, text, tag in ((read_gpx, gpx, "<gpx"), (read_tcx, tcx, "<TrainingCenterDatabase")):
        at = text.index(tag)
        end = text.index(">", at) + 1
        hostile = text[:at] + doctype + text[at:end] + "&net;&f;" + text[end:]
        try:
            res = reader(hostile.encode(), name="hostile")
        except RunlogError as exc:
            assert secret not in str(exc)
            continue
        assert secret not in res.runs.astype(str).to_csv() + res.log.to_csv()
    assert no_network == []


def _cli_runs(args: list[str], capsys) -> str:
    assert main(["runs", "--no-progress", "--tz", "Europe/Berlin", *args]) == 0
    return capsys.readouterr().out


def test_runs_outputs_hold_no_positions(no_network, needles, real_sources, tmp_path, capsys):
    csv_out, parquet_out = tmp_path / "runs.csv", tmp_path / "runs.parquet"
    printed = _cli_runs([*map(str, real_sources), "-o", str(csv_out)], capsys)
    printed += _cli_runs([*map(str, real_sources), "-o", str(parquet_out)], capsys)
    assert main(["check", "--tz", "Europe/Berlin", "--no-progress", *map(str, real_sources)]) == 0
    printed += capsys.readouterr().out
    assert len(pd.read_csv(csv_out)) > 100
    for name, text in (("runs.csv", output_text(csv_out)), ("runs.parquet", output_text(parquet_out)),
                       ("printed output", printed)):
        assert find_leaks(text, needles) == [], f"positions in {name}"
        assert "latitude" not in text.lower() and "longitude" not in text.lower(), name
    assert no_network == []


def test_the_import_cache_holds_no_positions(needles, real_sources, tmp_path, capsys, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(cache_dir))
    _cli_runs([str(p) for p in real_sources[:3]], capsys)
    chunks = sorted(cache_dir.rglob("*.parquet"))
    assert chunks, "the CLI was expected to fill the cache"
    for chunk in chunks:
        columns = set(pd.read_parquet(chunk).columns)
        assert not {"latitude_deg", "longitude_deg"} & columns, chunk.name
        if ".samples." not in chunk.name:  # per-second floats (altitude, speed) match positions by chance
            assert find_leaks(output_text(chunk), needles) == [], chunk.name
