"""The PDF report and the ``runlog report`` command: pages, words, numbers equal to the findings JSON."""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis import report, schema
from analysis.cli import main
from analysis.pipeline import analyse
from analysis.plots import REGION_LABELS, fmt_ci, fmt_num
from analysis.schema import REGIONS
from analysis.stats.design import NEVER_LOGGED
from analysis.textpdf import TextPage
from tests.conftest import tiny_frames

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_TZ = "Europe/Copenhagen"
A4_PT = (595.3, 841.9)


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
    assert 8 <= len(reader.pages) <= 14
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
    # page 1 opens with this week's lines (METHODS.md 9), so the flags may flow onto page 2
    assert "This week: progress, hold or reduce" in first
    assert first.index("This week") < first.index("Flare-ups (onsets per region)")
    for region, entry in findings["this_week"]["regions"].items():
        assert entry["rule"].split(" on ")[0] in first, region
    summary = pages[0] + pages[1]
    assert "24-hour pain rule" in summary and "Single-run spikes" in summary and "guard-rails" in summary


def test_summary_numbers_equal_the_json(sample_pdf):
    _, pages, findings = sample_pdf
    first = pages[0]
    for region, f in findings["regions"].items():
        for rate in f["rates"] if not f["sufficient"] else []:  # a modelled region shows its rate ratio only
            if rate["shoe_class"] in ("barefoot-style", "traditional"):
                assert fmt_ci(rate["ci"]) in first, (region, rate)
                assert f"{fmt_num(rate['per_1000km'])} " in first
        rr = f["rate_ratio"]
        if rr["estimate"] is not None:
            lo, hi = rr["ci"]
            if lo > 0 and hi / lo <= 10:
                assert f"rate ratio {fmt_num(rr['estimate'])} ({fmt_ci(rr['ci'])})" in first
            else:  # page 1's rule for every estimate: a 10-fold interval is no number to act on
                assert f"rate ratio too imprecise to estimate ({fmt_ci(rr['ci'])})" in first
        if f["sufficient"]:
            # both pre-specified estimands, each with its interval, onsets and smallest detectable OR
            for e in f["primary"]:
                if e["status"] == "estimated":
                    assert f"odds ratio {fmt_num(e['estimate'])} ({fmt_ci(e['ci'])}), {e['events']} onsets" in first
                else:
                    assert f"too imprecise to estimate ({fmt_ci(e['ci'])}" in first
                assert f"smallest detectable {fmt_num(e['min_detectable'])}" in first
            for r in f["absolute_risk"]:
                assert f"{100 * r['risk_28d']:.0f} % ({100 * r['ci'][0]:.0f} % to {100 * r['ci'][1]:.0f} %)" in first
    # nothing is ranked or picked by p: no "strongest", no q-values on page 1
    assert "strongest" not in first and "q =" not in first
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
    first_methods = next(i for i, p in enumerate(pages) if p.startswith("Methods and caveats"))
    first_quality = next(i for i, p in enumerate(pages) if p.startswith("Data quality"))
    methods = " ".join(pages[first_methods:first_quality])  # the methods may run over two pages
    assert "Association, not causation" in methods and "ABAB" in methods and "Daza 2018" in methods
    quality = next(p for p in pages if p.startswith("Data quality"))
    assert (
        "Import log" in quality
        and "Pain diary coverage" in quality
        and "rule that assigned the shoe" in quality
    )
    sufficient = [r for r, f in findings["regions"].items() if f["sufficient"]]
    forest = next(p for p in pages if "Pre-specified estimands and exploratory terms" in p)
    for region in sufficient:
        q = [e["q"] for e in findings["regions"][region]["exploratory"]["effects"] if e["q"] is not None]
        assert q and all(f"q {fmt_num(v)}" in forest for v in q)
        assert all(f"detectable {fmt_num(e['min_detectable'])}" in forest
                   for e in findings["regions"][region]["primary"] if e["status"] == "estimated")
    assert "Morning pain and load (pre-specified, secondary)" in methods


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


def test_a_region_never_logged_is_one_line_and_an_imprecise_rate_ratio_no_number():
    never = {"onsets": 0, "sufficient": False, "message": "insufficient data: region never logged",
             "rates": [], "rate_ratio": None}
    assert report.region_sentences("glute", never) == [
        "Gluteal tendons: not in the diary (no entry on any day), so nothing to estimate."
    ]
    one_onset = {
        "onsets": 1, "sufficient": False, "message": "insufficient data: 1 onset, about 10 needed",
        "rates": [
            {"shoe_class": "barefoot-style", "onsets": 0, "distance_km": 30.0, "per_1000km": 0.0, "ci": [0.0, 152.0]},
            {"shoe_class": "traditional", "onsets": 1, "distance_km": 456.0, "per_1000km": 2.19, "ci": [0.0555, 12.2]},
        ],
        "rate_ratio": {"estimate": 0.0, "ci": [0.0, 732.0]},
    }
    text = " ".join(report.region_sentences("achilles", one_onset))
    assert "rate ratio too imprecise to estimate (95 % CI 0 to 732)" in text
    assert "rate ratio 0 " not in text
    # 0.8 to 7.9 spans under 10-fold: a number; 0.5 to 5.1 just over: words
    assert report._rate_ratio_words({"estimate": 2.5, "ci": [0.8, 7.9]}) == "rate ratio 2.5 (95 % CI 0.8 to 7.9)"
    assert "too imprecise" in report._rate_ratio_words({"estimate": 1.6, "ci": [0.5, 5.1]})
    assert "too imprecise" in report._rate_ratio_words({"estimate": 1.6, "ci": None})


def test_no_footwear_comparison_says_why_and_how_to_fix():
    # every at-risk km in shoes runlog could not place: not "no running", but which km there were and the fix
    unknown = {"onsets": 1, "sufficient": False, "message": "insufficient data: 88 logged diary days (< 90)",
               "rates": [{"shoe_class": "unknown", "onsets": 0, "distance_km": 42.46, "per_1000km": 0.0,
                          "ci": [0.0, 86.9]}],
               "rate_ratio": {"estimate": None, "ci": None}}
    first = report.region_sentences("plantar", unknown)[0]
    assert first == ("Plantar fascia, 1 flare-up onset: no barefoot-style or traditional km on at-risk days to "
                     "compare footwear (at-risk km: 42.5 km unknown; name the shoes with --shoes, --gear-log or "
                     "--default-shoe).")
    rested = {**unknown, "rates": []}
    assert report.region_sentences("plantar", rested)[0].endswith(": no running on at-risk days to compare footwear.")


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
    modelled = {
        "onsets": 16,
        "sufficient": True,
        "rates": [],
        "rate_ratio": {"estimate": 2.5, "ci": [0.8, 7.9]},
        "model": {"n_events": 15, "n_days": 300, "adjustments": ["days_since_flare"], "parameters": 3},
        "primary": [
            _primary("barefoot_share_7d", 1.42, [1.1, 1.83], 15, 1.3),
            _primary("km_7d", 1.1, [0.4, 6.1], 15, 2.4, status="too imprecise"),
        ],
        "absolute_risk": [
            {"scenario": "last 4 weeks", "risk_28d": 0.21, "ci": [0.1, 0.38], "status": "estimated"},
            {"scenario": "half the barefoot-style share", "risk_28d": 0.17, "ci": [0.08, 0.31],
             "status": "estimated"},
            {"scenario": "+20 % weekly km", "risk_28d": 0.23, "ci": [0.1, 0.41], "status": "estimated"},
        ],
        "absolute_risk_plan": {"km_28d": 120.4, "barefoot_share_pct": 35.2},
    }
    text = " ".join(report.region_sentences("achilles", modelled))
    assert text.startswith(
        "Achilles tendon, 16 flare-up onsets; model on 15 of them and 300 at-risk days, also adjusted for "
        "time since the last flare-up:"
    )
    assert (
        "Barefoot-style share of the last 7 days' km, per +10 points above the runner's usual share at that "
        "time: odds ratio 1.42 (95 % CI 1.1 to 1.83), "
        "15 onsets, smallest detectable 1.3; unadjusted rate ratio 2.5 (95 % CI 0.8 to 7.9)." in text
    )
    assert (
        "Distance, per +10 km in the last 7 days: too imprecise to estimate (95 % CI 0.4 to 6.1, 15 onsets), "
        "smallest detectable 2.4." in text
    )
    assert "odds ratio 1.1 " not in text  # a too-imprecise estimate is not headlined
    assert (
        "Chance of a new flare-up within 28 days (95 % CI): 21 % (10 % to 38 %) if the last 4 weeks (120 km, "
        "35 % barefoot-style) are repeated, 17 % (8 % to 31 %) with half the barefoot-style share, 23 % "
        "(10 % to 41 %) with 20 % more km." in text
    )


def test_tiny_frames_summary_says_insufficient_everywhere(tiny_data):
    sentences = [s for r in REGIONS for s in report.region_sentences(r, tiny_data.findings["regions"][r])]
    never = sum(f["message"] == NEVER_LOGGED for f in tiny_data.findings["regions"].values())
    assert never >= 1  # the tiny diary leaves regions out
    assert sum(s.startswith("Insufficient data for a model") for s in sentences) == 4 - never
    assert sum("not in the diary (no entry on any day)" in s for s in sentences) == never
    assert tiny_data.findings["regions"]["patellar"]["onsets"] == 0
    assert any("24-hour pain rule" in f for f in report.flags(tiny_data))


def test_report_without_diary():
    runs, _, _ = tiny_frames(21)
    data = analyse(runs)
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
    never = sum(f["message"] == NEVER_LOGGED for f in findings["regions"].values())
    # six weeks are too few anywhere; a region with no diary entry says so instead
    assert pages[0].count("Insufficient data for a model") == 4 - never
    assert pages[0].count("not in the diary (no entry on any day)") == never
    # --units mi reaches this week's lines too (they printed km)
    assert " mi run, " in pages[0] and "next week mi (barefoot-style)" in pages[0]
    # the data-quality page does not call a region the runner never logs "too patchy"
    assert " ".join(pages).count("never logged: not analysed") == never
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


def _primary(estimand, estimate, ci, events=12, detect=1.5, status="estimated") -> dict:
    return {
        "estimand": estimand,
        "unit": "+10 km" if estimand == "km_7d" else "+10 points",
        "estimate": estimate,
        "ci": ci,
        "p": 0.01,
        "status": status,
        "events": events,
        "min_detectable": detect,
        "message": None,
    }


def test_region_sentences_show_both_estimands_in_a_fixed_order_whatever_their_p():
    base = {"onsets": 12, "sufficient": True, "rates": [], "model": {"n_events": 12, "n_days": 250}}
    weak_first = dict(
        base,
        primary=[
            dict(_primary("barefoot_share_7d", 1.05, [0.8, 1.4]), p=0.7),
            dict(_primary("km_7d", 1.8, [1.2, 2.7]), p=0.001),
        ],
    )
    text = report.region_sentences("plantar", weak_first)
    assert text[0].endswith("too few onsets to adjust for more:")
    assert text[1].startswith("Barefoot-style share") and text[2].startswith("Distance")
    joined = " ".join(text)
    assert "strongest" not in joined and "Associated with" not in joined and "q =" not in joined
    # no model: no estimate, no chance in 28 days
    none = dict(base, sufficient=False, message="insufficient data: 6 onsets, about 10 needed", primary=[])
    assert report.region_sentences("plantar", none)[-1] == (
        "Insufficient data for a model (6 onsets, about 10 needed): rates only, no effect estimates."
    )


def test_sensitivity_table_rows_and_changed_conclusions():
    def region(onsets, rr, ci=None, rr_ci=None):
        rows = [] if ci is None else [_primary("km_7d", 1.5, ci)]
        return {"onsets": onsets, "rate_ratio": {"estimate": rr, "ci": rr_ci}, "primary": rows}

    findings = {
        "regions": {"plantar": region(12, 1.8, [1.1, 2.0], [0.9, 3.6]), "achilles": region(3, None)},
        "guards": {
            "sensitivity": {
                "plus_1_point": {
                    "changes": {"rise_points": 3},
                    # a rate ratio whose interval spans 45-fold is no number, as on page 1
                    "regions": {"plantar": region(10, 1.5, [0.9, 2.1], [0.2, 9.0]), "achilles": region(2, None)},
                }
            }
        },
    }
    header, rows, notes = report.sensitivity_table(findings)
    assert header == ["flare-up definition", REGION_LABELS["plantar"], REGION_LABELS["achilles"]]
    assert rows == [
        ["as used (default)", "12 (RR 1.8)", "3"],
        ["pain thresholds 1 point higher", "10 (RR imprecise)", "2"],
    ]
    assert notes == [
        f"{REGION_LABELS['plantar']}, pain thresholds 1 point higher: Distance, per +10 km in the last 7 days "
        "no longer has a CI excluding 1."
    ]
    assert report.sensitivity_table({"regions": {}, "guards": {}}) == (
        ["flare-up definition"],
        [["as used (default)"]],
        [],
    )


def test_sensitivity_table_a_variant_that_failed_loses_nothing():
    main = {"onsets": 12, "rate_ratio": {"estimate": 1.8}, "primary": [_primary("km_7d", 1.5, [1.1, 2.0])]}
    failed = {
        "onsets": 11,
        "rate_ratio": {"estimate": 1.7},
        "message": "insufficient data: the model did not converge",
        "primary": [{"estimand": "km_7d", "estimate": None, "ci": None, "p": None, "status": "insufficient data"}],
    }
    imprecise = {
        "onsets": 11,
        "rate_ratio": {"estimate": 1.7},
        "primary": [_primary("km_7d", 1.5, [1.01, 20.0], status="too imprecise")],
    }
    for variant in (failed, imprecise):
        findings = {
            "regions": {"plantar": main},
            "guards": {"sensitivity": {"one_day": {"changes": {}, "regions": {"plantar": variant}}}},
        }
        assert report.sensitivity_table(findings)[2] == []


def test_no_pdf_json_equals_the_json_of_a_full_report(sample_pdf, tmp_path, monkeypatch):
    """`runlog report --no-pdf --json` computes through the same analyse() as the PDF run: same numbers."""
    monkeypatch.setenv("TZ", SAMPLE_TZ)
    out = tmp_path / "f.json"
    assert main(["report", "--no-pdf", "--json", str(out), "--tz", SAMPLE_TZ, "--no-progress"]) == 0
    assert json.loads(out.read_text()) == sample_pdf[2]
    assert json.loads(out.read_text())["dynamics"]["available"] is True


# ---------------------------------------------------------------- period and layout (item 9)


def test_appendix_lists_every_24h_rule_breach(sample_pdf):
    _, pages, findings = sample_pdf
    breaches = findings["flags"]["rule_24h_breaches"]
    assert breaches
    start = next(i for i, p in enumerate(pages) if "Appendix: every 24-hour-rule breach" in p)
    appendix = " ".join(pages[start:])
    assert f"{len(breaches)} runs broke the rule" in appendix
    for b in breaches:
        assert f"{b['date']} {b['activity_id']}" in appendix
    summary = pages[0] + pages[1]
    assert "every date is listed in the appendix" in summary


def test_report_and_readme_point_to_methods_in_the_repository(sample_pdf):
    _, pages, _ = sample_pdf
    methods = (REPO / "docs" / "methods.md").read_text(encoding="utf-8")
    assert "## 4. Pain and flare-ups" in methods and "24-hour rule" in methods
    text = " ".join(pages)
    assert "docs/methods.md" in text and "METHODS.md" not in text and "../shared" not in text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/methods.md" in readme and "../shared/METHODS.md" not in readme


def test_captions_and_text_stay_on_the_page(sample_data):
    """No caption, title or paragraph of any page runs past the page's edges."""
    import matplotlib as mpl

    from analysis import plots

    with mpl.rc_context(plots.STYLE):
        pages = [
            *report._summary_pages(sample_data, "km"),
            *report._figure_pages(sample_data, "km"),
            *report._methods_pages(sample_data),
            *report._quality_pages(sample_data),
        ]
    for n, page in enumerate(pages, start=1):
        if isinstance(page, TextPage):  # written by reportlab: each line's box by the embedded font's metrics
            width, height = page.size_in[0] * 72, page.size_in[1] * 72
            for line in page.lines:
                left, bottom, right, top = line.box_pt(page.size_in)
                assert left >= 0 and right <= width + 0.5, (n, line.text[:60], right, width)
                assert bottom >= 0 and top <= height + 0.5, (n, line.text[:60])
            continue
        renderer = page.canvas.get_renderer()
        width, height = page.bbox.width, page.bbox.height
        texts = [*page.texts, *(t for sub in page.subfigs for t in sub.texts)]
        for t in texts:
            if not t.get_text().strip():
                continue
            box = t.get_window_extent(renderer)
            assert box.x0 >= 0 and box.x1 <= width + 0.5, (n, t.get_text()[:60], box.x1, width)
            assert box.y0 >= 0 and box.y1 <= height + 0.5, (n, t.get_text()[:60])


def test_data_quality_page_repeats_what_reading_the_diary_found():
    import matplotlib as mpl

    from analysis import plots
    from analysis.io.pain_diary import read_pain_diary
    from analysis.pipeline import analyse
    from tests.conftest import tiny_frames

    runs, _, drills = tiny_frames()
    diary = b"date;time_of_day;region;side;pain\n2026-03-02;morning;achilles;R;2,5\n2026-03-03;morning;achilles;R;\n"
    data = analyse(runs, read_pain_diary(diary, name="pain.csv"), drills)
    with mpl.rc_context(plots.STYLE):
        pages = report._quality_pages(data)
    text = [t for page in pages for t in page.texts]
    assert "Diary: 1 rows with an empty pain cell: not logged (no entry, never pain 0)." in text
    assert "Diary: 1 pain values with a fraction rounded half up to whole points (row 2: 2,5 -> 3)." in text




def test_week_page_has_a_questionnaire_panel_only_when_questionnaires_are_given(sample_data, sample_pdf,
                                                                                 monkeypatch):
    import dataclasses

    import pandas as pd

    _, pages, _ = sample_pdf
    text = " ".join(pages)
    assert sample_data.questionnaires is None
    assert "Every week's decision" in text
    assert "and questionnaires" not in text and "no questionnaires given" not in text

    drawn = []  # (title, caption, [(figure, height in)]) of every figure page
    monkeypatch.setattr(report, "_draw", lambda data, name, units: name)
    monkeypatch.setattr(report, "_figure_page", lambda title, caption, draw: drawn.append((title, caption, draw)))
    scores = pd.DataFrame({"date": pd.to_datetime(["2024-10-01", "2024-12-01", "2024-12-01"]),
                           "instrument": ["VISA-A", "VISA-A", "FAAM-Sport"], "score": [50.0, 60.0, 70.0]})
    # the decisions table takes the room the questionnaires leave (none for the sample's 4 regions with 2 of them)
    for questionnaires, figures in ((None, ["plot_week_decisions", "plot_week_table"]),
                                    (scores, ["plot_week_decisions", "plot_questionnaires"])):
        drawn.clear()
        with_q = dataclasses.replace(sample_data, questionnaires=questionnaires)
        assert (report._week_table_weeks(with_q) > 0) == ("plot_week_table" in figures)
        report._figure_pages(with_q, "km")
        title, caption, draw = next(d for d in drawn if d[0].startswith("Every week's decision"))
        assert [name for name, _ in draw] == figures
        assert ("questionnaire" in title + caption) == (questionnaires is not None)
    assert dict(draw)["plot_questionnaires"] == pytest.approx(1.4 + 1.6 * 2)  # two instruments' panels


def test_methods_page_describes_the_onset_rule_the_findings_used():
    """The methods text follows parameters.flare_rule, not the default (rule='methods' reads as such)."""
    from types import SimpleNamespace

    from analysis import flareups

    used = SimpleNamespace(findings={"parameters": {"flare_rule": dict(flareups.METHODS_RULE)}})
    text = flareups.describe_rule(report._rule_in_use(used))
    assert "as first specified" in text and "previous 28 logged" in text
    default = flareups.describe_rule(report._rule_in_use(SimpleNamespace(findings={})))
    assert "adaptive rule" in default and "previous 112 logged" in default


def test_second_process_takes_the_first_half_of_the_figure_pages():
    """The text pages are this process's (reportlab, a few hundredths of a second); the second process
    takes the first half of the figure pages, rounded up."""
    def figure():
        raise AssertionError("not drawn to share the pages")

    sample_like = [TextPage()] * 2 + [figure] * 7 + [TextPage()] * 5
    assert report._second_share(sample_like) == [2, 3, 4, 5]
    assert report._second_share([figure] * 4) == [0, 1]
    assert report._second_share([TextPage()] * 5) == []  # nothing for a second process


def test_pages_drawn_in_two_processes_join_in_order_with_the_same_bytes_as_in_one(tmp_path, monkeypatch):
    """The PDF is the same bytes with and without the second process, and holds each page as drawn alone."""
    import io

    import matplotlib as mpl

    from analysis import background, plots

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runs, pain, drills = tiny_frames()
    data = analyse(runs, pain, drills)
    monkeypatch.setenv("RUNLOG_SERIAL", "0")  # a second process even on a busy machine (where it can fork)
    forked = report.build_report(data, tmp_path / "forked.pdf").read_bytes()
    monkeypatch.setenv("RUNLOG_SERIAL", "1")
    assert not background.can_fork()
    serial = report.build_report(data, tmp_path / "serial.pdf").read_bytes()
    assert forked == serial
    with mpl.rc_context(plots.STYLE):
        pages = report._page_makers(data, "km")
        text = [i for i, page in enumerate(pages) if isinstance(page, TextPage)]
        figures = [i for i in range(len(pages)) if i not in text]
        figure_pdf = PdfReader(io.BytesIO(report._pdf_part(pages, figures, data, {})))
        text_pdf = PdfReader(io.BytesIO(report._text_part(pages, text, data, {})))
    expected = {i: figure_pdf.pages[k].extract_text() for k, i in enumerate(figures)}
    expected |= {i: text_pdf.pages[k].extract_text() for k, i in enumerate(text)}
    assert text and report._second_share(pages)  # text pages, and figure pages for the second process
    joined = PdfReader(io.BytesIO(forked))
    assert len(joined.pages) == len(pages)
    assert [p.extract_text() for p in joined.pages] == [expected[i] for i in range(len(pages))]
    assert joined.metadata["/Producer"].startswith("Matplotlib") and "/ID" not in joined.trailer
    # no reproducible PDF asked for and no second process: the figure pages drawn here, joined with the text
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    alone = PdfReader(report.build_report(data, tmp_path / "alone.pdf"))
    texts = [p.extract_text() for p in alone.pages]
    assert texts[1:] == [expected[i] for i in range(1, len(pages))]  # page 1 names the day made


def test_week_table_takes_no_more_weeks_than_the_diary_has(tiny_data):
    # the tiny diary has 6 weeks in 2 regions: room for 8 weeks left 4 empty rows' height spread over the 12 rows
    weeks = tiny_data.week_decisions["week_end"].nunique()
    assert weeks == 6 and report._week_table_weeks(tiny_data) == weeks


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # matplotlib draws them as boxes
def test_a_text_page_with_characters_the_fonts_lack_keeps_them_in_the_pdfs_text(tiny_data, tmp_path, monkeypatch):
    """reportlab writes a character DejaVu lacks as an empty glyph, lost from the text; such a page is drawn by
    matplotlib, which keeps it (a shoe named in Chinese stays searchable)."""
    made = report._page_makers

    def with_a_chinese_shoe(data, units):
        pages = made(data, units)
        pages[0].text(0.1, 0.5, "Shoe: 跑鞋 赤足", fontsize=9)
        return pages

    monkeypatch.setattr(report, "_page_makers", with_a_chinese_shoe)
    reader = PdfReader(report.build_report(tiny_data, tmp_path / "r.pdf"))
    first = reader.pages[0].extract_text()
    assert "跑鞋 赤足" in first and "page 1 of" in first
    assert "Data quality" in " ".join(p.extract_text() for p in reader.pages[1:])  # the other text pages: reportlab


def test_pain_trend_line_says_which_adjustments_the_region_got():
    """The methods page's pain-trend line names the region's own adjustments (the JSON's ``adjusted_for``)."""
    term = {"term": "km_7d", "estimate": 0.25, "ci": [0.05, 0.45]}
    full = {"pain_trend": {"outcome": "morning pain", "n_days": 400, "terms": [term],
                           "adjusted_for": ["season", "days since the last flare-up"]}}
    (line,) = report.pain_trend_sentences("plantar", full)
    assert line.startswith(f"{REGION_LABELS['plantar']} (morning pain, 400 days; adjusted for season, "
                           "days since the last flare-up): per +10 km in total +0.25 points")
    bare = {"pain_trend": {**full["pain_trend"], "n_days": 200, "adjusted_for": []}}
    (line,) = report.pain_trend_sentences("achilles", bare)
    assert "200 days; no adjustment the data allowed (season needs a year of diary, flare history a flare-up))" in line
    # the whole flare history in two words (the methods paragraph above the lines spells it out)
    every = {"pain_trend": {**full["pain_trend"], "adjusted_for": [
        "season", "days since the last flare-up", "no flare-up yet", "flare-up days among the 7 before"]}}
    (line,) = report.pain_trend_sentences("patellar", every)
    assert "400 days; adjusted for season, flare history)" in line
    from analysis.findings import _PAIN_TREND_ADJUSTMENT_WORDS, PAIN_TREND_FLARE_HISTORY_WORDS
    assert set(PAIN_TREND_FLARE_HISTORY_WORDS) == set(_PAIN_TREND_ADJUSTMENT_WORDS.values()) - {"season"}
    # a findings JSON written before the key existed: no claim either way
    old = {"pain_trend": {k: v for k, v in full["pain_trend"].items() if k != "adjusted_for"}}
    (line,) = report.pain_trend_sentences("glute", old)
    assert "adjust" not in line and "(morning pain, 400 days)" in line
