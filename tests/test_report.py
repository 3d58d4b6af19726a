"""The PDF report and the ``runlog report`` command: pages, words, numbers equal to the findings JSON."""

from __future__ import annotations

import functools
import gzip
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis import report, schema
from analysis.cli import main
from analysis.plots import REGION_LABELS, fmt_ci, fmt_num
from analysis.schema import REGIONS

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_TZ = "Europe/Copenhagen"
A4_PT = (595.3, 841.9)


# ---------------------------------------------------------------- shared fixtures (test_plots imports these)


def sample_cache_dir(config, tmp_path_factory) -> Path:
    """Decoded sample kept in pytest's own cache folder (.pytest_cache), so re-runs are quick."""
    cache = getattr(config, "cache", None)
    return (
        Path(cache.mkdir("runlog-sample-cache"))
        if cache is not None
        else tmp_path_factory.mktemp("sample-cache")
    )


@functools.lru_cache(maxsize=1)
def load_sample_report(cache_dir: str) -> report.ReportData:
    """The embedded sample through the whole pipeline, once per test session."""
    from analysis.ingest.cache import Cache
    from analysis.pipeline import load_runs, sample_inputs

    inputs = sample_inputs(SAMPLE)
    result, catalog = load_runs(
        inputs, tz=SAMPLE_TZ, progress=False, cache=Cache(Path(cache_dir)), samples=True
    )
    pain, drills = report.read_side_files(inputs)
    return report.compute_report(
        result.runs,
        pain,
        drills,
        samples=result.samples,
        log=result.log,
        catalog=catalog,
        sources=[p.name for p in inputs.sources],
    )


@pytest.fixture(scope="session")
def sample_data(request, tmp_path_factory) -> report.ReportData:
    if not (SAMPLE / "pain.csv").is_file():
        pytest.skip("data/sample is missing (python -m analysis.simulate --out data/sample)")
    return load_sample_report(str(sample_cache_dir(request.config, tmp_path_factory)))


def tiny_frames(days: int = 42) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Six weeks: runs in three shoe classes, a diary for plantar and Achilles only, a few drill days."""
    start = pd.Timestamp("2026-03-02")  # a Monday
    runs, pain = [], []
    for d in range(0, days, 2):
        day = start + pd.Timedelta(days=d)
        cls = ("traditional", "minimalist", "barefoot")[d % 3]
        km = 5 + (d % 7)
        runs.append(
            {
                "activity_id": f"csv:{d:04d}",
                "start_time": (day + pd.Timedelta(hours=7)).tz_localize("UTC"),
                "date": day,
                "sport": "running",
                "name": "barefoot run" if cls == "barefoot" else f"run {d}",
                "distance_m": km * 1000.0,
                "moving_time_s": km * 330.0,
                "shoe_class": cls,
                "shoe_rule": "gear_name",
                "gear_name": {"traditional": "Brooks Ghost 15", "minimalist": "Xero HFS"}.get(cls),
                "minimalist_index": {"traditional": 20.0, "minimalist": 85.0}.get(cls),
                "source": "csv",
            }
        )
    for d in range(days):
        day = start + pd.Timedelta(days=d)
        for region in ("plantar", "achilles"):
            for side in ("L", "R"):
                level = 6 if (region == "plantar" and side == "L" and 20 <= d <= 23) else 1
                pain.append(
                    {"date": day, "time_of_day": "morning", "region": region, "side": side, "pain": level}
                )
    drills = pd.DataFrame(
        {
            "date": [start + pd.Timedelta(days=d) for d in (1, 2, 8, 15)],
            "drill": "short foot",
            "sets": 2,
            "reps": 10,
            "minutes": 5.0,
            "notes": None,
        }
    )
    drills = drills.astype(
        {"drill": "string", "sets": "Int64", "reps": "Int64", "minutes": "Float64", "notes": "string"}
    )
    return (
        schema.coerce_runs(pd.DataFrame(runs).set_index("activity_id")),
        schema.coerce_pain(pd.DataFrame(pain)),
        drills,
    )


@pytest.fixture(scope="session")
def tiny_data() -> report.ReportData:
    runs, pain, drills = tiny_frames()
    return report.compute_report(runs, pain, drills)


@pytest.fixture(scope="session")
def sample_pdf(sample_data, tmp_path_factory) -> tuple[Path, list[str], dict]:
    """The sample's PDF, its text per page (whitespace collapsed) and the findings JSON read back."""
    out = tmp_path_factory.mktemp("report")
    pdf = report.build_report(sample_data, out / "report.pdf")
    reader = PdfReader(pdf)
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    findings = json.loads(report.write_json(sample_data.findings, out / "findings.json").read_text())
    return pdf, pages, findings


# ---------------------------------------------------------------- the sample's PDF


def test_pdf_is_a4_numbered_with_metadata(sample_pdf):
    pdf, pages, _ = sample_pdf
    reader = PdfReader(pdf)
    assert 8 <= len(reader.pages) <= 12
    for i, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_PT, abs=1)
        assert f"page {i} of {len(reader.pages)}" in pages[i - 1]
    meta = reader.metadata
    assert meta.title == report.REPORT_TITLE
    assert meta.creation_date is not None and meta.creation_date.year >= 2025


def test_summary_page_names_regions_and_says_insufficient_data(sample_pdf):
    _, pages, findings = sample_pdf
    first = pages[0]
    assert "2561 km" in first or f"{findings['data']['distance_km']:.0f} km" in first
    for region in REGIONS:
        assert REGION_LABELS[region] in first
    starved = [r for r, f in findings["regions"].items() if not f["sufficient"]]
    assert starved, "the sample plants at least one region with too few onsets"
    for region in starved:
        onsets = findings["regions"][region]["onsets"]
        assert f"{REGION_LABELS[region]}, {onsets} flare-up onset" in first
    assert first.count("Insufficient data for a model") == len(starved)
    assert "insufficient data" in first.lower()
    assert "24-hour pain rule" in first and "Single-run spikes" in first and "guard-rails" in first


def test_summary_numbers_equal_the_json(sample_pdf):
    _, pages, findings = sample_pdf
    first = pages[0]
    for region, f in findings["regions"].items():
        for rate in f["rates"]:
            if rate["shoe_class"] in ("barefoot-style", "traditional"):
                assert fmt_ci(rate["ci"]) in first, (region, rate)
                assert f"{fmt_num(rate['per_1000km'])} " in first
        rr = f["rate_ratio"]
        if rr["estimate"] is not None:
            assert f"rate ratio {fmt_num(rr['estimate'])} ({fmt_ci(rr['ci'])})" in first
        if f["sufficient"]:
            model = [e for e in f["effects"] if e["primary"] and e["estimate"] is not None]
            shown = [e for e in model if f"odds ratio {fmt_num(e['estimate'])} ({fmt_ci(e['ci'])})" in first]
            assert shown, region  # the strongest (or every clear) term with its CI
            assert f"Model ({f['model']['n_events']} onsets)" in first or "Associated with" in first
    assert fmt_num(1253.48) == "1253" and fmt_num(0.00382781) == "0.00383" and fmt_num(None) == "-"


def test_figures_methods_and_data_quality_pages(sample_pdf):
    _, pages, findings = sample_pdf
    text = " ".join(pages)
    assert "Weekly distance by footwear class" in text and "km/week" in text
    assert "Daily pain by region and side" in text and "not logged" in text
    assert "Acute and chronic load" in text and "EWMA" in text
    assert "guard-rails" in text and "not a validated schedule" in text
    assert "flare-up onsets per 1000 km" in text and "odds ratio" in text
    assert "Shoe mileage and retire alerts" in text
    methods = next(p for p in pages if p.startswith("Methods and caveats"))
    assert "Association, not causation" in methods and "ABAB" in methods and "Daza 2018" in methods
    quality = next(p for p in pages if p.startswith("Data quality"))
    assert (
        "Import log" in quality
        and "Pain diary coverage" in quality
        and "rule that assigned the shoe" in quality
    )
    sufficient = [r for r, f in findings["regions"].items() if f["sufficient"]]
    forest = next(p for p in pages if "Effects in the hazard model" in p)
    for region in sufficient:
        q = [e["q"] for e in findings["regions"][region]["effects"] if e["primary"] and e["q"] is not None]
        assert all(f"q {fmt_num(v)}" in forest for v in q)


def test_dynamics_reported_when_samples_exist(sample_pdf):
    _, pages, findings = sample_pdf
    dyn = findings["dynamics"]
    assert dyn["available"]
    cadence = next(m for m in dyn["metrics"] if m["metric"] == "cadence_spm")
    assert f"cadence {fmt_num(cadence['difference'])} steps/min ({fmt_ci(cadence['ci'])})" in pages[0]


def test_gps_positions_never_in_outputs(sample_data, sample_pdf):
    pdf, pages, findings = sample_pdf
    assert not set(schema.POSITION_COLUMNS) & set(sample_data.runs.columns)
    with zipfile.ZipFile(SAMPLE / "export.zip") as z:
        name = next(n for n in z.namelist() if n.endswith((".gpx", ".gpx.gz")))
        raw = z.read(name)
    raw = gzip.decompress(raw) if name.endswith(".gz") else raw
    lat, lon = (float(v) for v in re.search(rb'lat="([-\d.]+)"\s+lon="([-\d.]+)"', raw).groups())
    blob = " ".join(pages) + json.dumps(findings)
    for value in (f"{lat:.3f}", f"{lon:.4f}"):
        assert value not in blob
    assert "latitude" not in blob.lower() and "longitude" not in blob.lower()


# ---------------------------------------------------------------- small frames, by hand


def test_region_sentences_plain_words():
    starved = {
        "onsets": 3,
        "sufficient": False,
        "message": "insufficient data: 3 onsets (< 10)",
        "rates": [
            {
                "shoe_class": "barefoot-style",
                "onsets": 1,
                "distance_km": 100.0,
                "per_1000km": 10.0,
                "ci": [0.253, 55.7],
            }
        ],
        "rate_ratio": {"estimate": None, "ci": None},
    }
    text = " ".join(report.region_sentences("patellar", starved))
    assert text.startswith(
        "Patellar tendon, 3 flare-up onsets: 10 per 1000 km after barefoot-style runs "
        "(95 % CI 0.253 to 55.7; 1 onset)"
    )
    assert "Insufficient data for a model (3 onsets (< 10))" in text
    clear = {
        "onsets": 12,
        "sufficient": True,
        "rates": [],
        "model": {"n_events": 12},
        "effects": [
            {
                "term": "km_lag_1_3",
                "estimate": 1.42,
                "ci": [1.1, 1.83],
                "p": 0.001,
                "q": 0.009,
                "primary": True,
            }
        ],
    }
    text = " ".join(report.region_sentences("achilles", clear))
    assert (
        "each +10 km in the 3 days before, odds ratio 1.42 (95 % CI 1.1 to 1.83), q = 0.009, 12 onsets"
        in text
    )


def test_tiny_frames_summary_says_insufficient_everywhere(tiny_data):
    sentences = [s for r in REGIONS for s in report.region_sentences(r, tiny_data.findings["regions"][r])]
    assert sum(s.startswith("Insufficient data for a model") for s in sentences) == 4
    assert tiny_data.findings["regions"]["patellar"]["onsets"] == 0
    assert any("24-hour pain rule" in f for f in report.flags(tiny_data))


def test_report_without_diary():
    runs, _, _ = tiny_frames(21)
    data = report.compute_report(runs)
    assert len(data.pain) == 0 and not data.pain_daily["logged"].any() and len(data.episodes) == 0
    assert all(not f["sufficient"] and f["onsets"] == 0 for f in data.findings["regions"].values())
    assert "no run could be checked" in report.flags(data)[0]


def test_write_json_is_atomic_and_round_trips(tmp_path):
    (tmp_path / "sub").mkdir()  # an output folder must exist (analysis.outputs)
    path = report.write_json({"a": [1.5, None], "b": "x"}, tmp_path / "sub" / "f.json")
    assert json.loads(path.read_text()) == {"a": [1.5, None], "b": "x"}
    assert [p.name for p in path.parent.iterdir()] == ["f.json"]  # no temporary file left behind
    assert path.stat().st_mode & 0o044  # readable like any other output, not private
    with pytest.raises(ValueError):
        report.write_json({"a": float("nan")}, tmp_path / "nan.json")
    assert not (tmp_path / "nan.json").exists()


# ---------------------------------------------------------------- the command


def _tiny_files(tmp_path: Path) -> tuple[Path, Path]:
    runs, pain, _ = tiny_frames()
    src = tmp_path / "runs.csv"
    table = runs.reset_index()[["start_time", "distance_m", "moving_time_s", "gear_name", "name", "sport"]]
    table.assign(start_time=table["start_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(src, index=False)
    diary = tmp_path / "pain.csv"
    pain.assign(date=pain["date"].dt.strftime("%Y-%m-%d"))[
        ["date", "time_of_day", "region", "side", "pain"]
    ].to_csv(diary, index=False)
    return src, diary


def test_cli_report_writes_pdf_and_json(tmp_path, monkeypatch, capsys):
    src, diary = _tiny_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "report",
            str(src),
            "--pain",
            str(diary),
            "--tz",
            "UTC",
            "--no-progress",
            "--json",
            "f.json",
            "--units",
            "mi",
        ]
    )
    assert code == 0
    out, err = capsys.readouterr()
    assert (
        f"wrote {(tmp_path / 'report.pdf').resolve()}" in out
        and f"wrote {(tmp_path / 'f.json').resolve()}" in out
    )
    assert "runlog:" in err  # progress on stderr, not stdout
    findings = json.loads((tmp_path / "f.json").read_text())
    assert findings["data"]["runs"] == 21 and set(findings["regions"]) == set(REGIONS)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "report.pdf").pages]
    assert all(f"page {i} of {len(pages)}" in p for i, p in enumerate(pages, start=1))
    text = " ".join(pages)
    shown = [
        r
        for f in findings["regions"].values()
        for r in f["rates"]
        if r["shoe_class"] in ("barefoot-style", "traditional")
    ]
    assert shown and all(fmt_ci(r["ci"]) in text for r in shown)
    assert pages[0].count("Insufficient data for a model") == 4  # six weeks are too few anywhere
    miles = findings["data"]["distance_km"] * 1000 / 1609.344
    assert f"21 runs, {miles:.0f} mi" in pages[0] and "mi/week" in text
    assert (
        "insufficient data in every region for a model" in text and "Running dynamics not available" in text
    )


def test_cli_report_no_pdf_json_only(tmp_path, capsys):
    src, diary = _tiny_files(tmp_path)
    assert (
        main(
            [
                "report",
                str(src),
                "--tz",
                "UTC",
                "--no-progress",
                "--no-pdf",
                "--json",
                str(tmp_path / "nodiary.json"),
            ]
        )
        == 0
    )
    assert "no pain diary given" in capsys.readouterr().err
    nodiary = json.loads((tmp_path / "nodiary.json").read_text())
    assert all(f["onsets"] == 0 and not f["sufficient"] for f in nodiary["regions"].values())
    (tmp_path / "out").mkdir()  # an output folder must exist (analysis.outputs)
    code = main(
        [
            "report",
            str(src),
            "--pain",
            str(diary),
            "--tz",
            "UTC",
            "--no-progress",
            "--no-pdf",
            "--json",
            str(tmp_path / "out" / "f.json"),
            "-o",
            str(tmp_path / "never.pdf"),
        ]
    )
    assert code == 0
    assert (tmp_path / "out" / "f.json").is_file() and not (tmp_path / "never.pdf").exists()
    assert "report.pdf" not in capsys.readouterr().out


def test_cli_report_no_pdf_needs_json_and_bad_input_is_one_line(tmp_path, capsys):
    src, _ = _tiny_files(tmp_path)
    assert main(["report", str(src), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--no-pdf needs --json" in err[0]
    assert main(["report", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.csv" in err[0]


def _effect(term: str, estimate: float, ci: list[float], p: float, q: float, note: str | None = None) -> dict:
    return {
        "term": term,
        "unit": "+10 km",
        "estimate": estimate,
        "ci": ci,
        "p": p,
        "q": q,
        "primary": True,
        "note": note,
    }


def test_region_sentences_word_the_direction_and_skip_separated_bins():
    base = {"onsets": 12, "sufficient": True, "rates": [], "model": {"n_events": 12}}
    protective = dict(base, effects=[_effect("drill_days_lag_1_7", 0.6, [0.4, 0.9], 0.001, 0.01)])
    text = " ".join(report.region_sentences("plantar", protective))
    assert "Associated with fewer flare-ups: each extra drill day in the week before, odds ratio 0.6" in text
    harmful = dict(base, effects=[_effect("km_lag_1_3", 1.8, [1.2, 2.7], 0.001, 0.01)])
    assert "Associated with more flare-ups" in " ".join(report.region_sentences("plantar", harmful))
    # a spike bin that no onset followed has the smallest p here, but its estimate is
    # an artefact of the penalty: the km term is named as the strongest instead
    mixed = dict(
        base,
        effects=[
            _effect(
                "spike_large",
                3.0,
                [0.01, 900.0],
                0.01,
                0.2,
                "quasi-separation: 0 onsets on the 3 at-risk days",
            ),
            _effect("km_lag_1_3", 1.3, [0.9, 1.9], 0.2, 0.4),
        ],
    )
    text = " ".join(report.region_sentences("plantar", mixed))
    assert "strongest: each +10 km" in text and "spike" not in text


def test_sensitivity_table_rows_and_changed_conclusions():
    def region(onsets, rr, ci=None):
        effects = [] if ci is None else [_effect("km_lag_1_3", 1.5, ci, 0.01, 0.04)]
        return {"onsets": onsets, "rate_ratio": {"estimate": rr}, "effects": effects}

    findings = {
        "regions": {"plantar": region(12, 1.8, [1.1, 2.0]), "achilles": region(3, None)},
        "guards": {
            "sensitivity": {
                "plus_1_point": {
                    "changes": {"rise_points": 3},
                    "regions": {"plantar": region(10, 1.5, [0.9, 2.1]), "achilles": region(2, None)},
                }
            }
        },
    }
    header, rows, notes = report.sensitivity_table(findings)
    assert header == ["flare-up definition", REGION_LABELS["plantar"], REGION_LABELS["achilles"]]
    assert rows == [
        ["as used (default)", "12 (RR 1.8)", "3"],
        ["pain thresholds 1 point higher", "10 (RR 1.5)", "2"],
    ]
    assert notes == [
        f"{REGION_LABELS['plantar']}, pain thresholds 1 point higher: each +10 km in the 3 days before "
        "no longer has a CI excluding 1."
    ]
    assert report.sensitivity_table({"regions": {}, "guards": {}}) == (
        ["flare-up definition"],
        [["as used (default)"]],
        [],
    )


def test_sensitivity_table_a_variant_that_failed_loses_nothing():
    main = {
        "onsets": 12,
        "rate_ratio": {"estimate": 1.8},
        "effects": [_effect("km_lag_1_3", 1.5, [1.1, 2.0], 0.01, 0.04)],
    }
    failed = {
        "onsets": 11,
        "rate_ratio": {"estimate": 1.7},
        "message": "did not converge",
        "effects": [{"term": "km_lag_1_3", "estimate": None, "ci": None, "p": None}],
    }
    findings = {
        "regions": {"plantar": main},
        "guards": {"sensitivity": {"one_day": {"changes": {}, "regions": {"plantar": failed}}}},
    }
    assert report.sensitivity_table(findings)[2] == []
