"""Provenance in every output: versioned findings schema, input hashes, byte-identical reruns."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader

from analysis import __version__, provenance, report
from analysis.cli import build_parser
from analysis.pipeline import Inputs, analyse
from analysis.provenance import SCHEMA_VERSION, findings_schema, input_records, inputs_digest
from tests.conftest import SAMPLE, sample_cache_dir, tiny_frames

REPO = Path(__file__).resolve().parents[1]
COMMITTED_SCHEMA = REPO / "tests" / "findings.schema.json"


@pytest.fixture(scope="module")
def sample_pdf(sample_data, tmp_path_factory) -> tuple[Path, list[str], dict]:
    """The sample's PDF, its text per page (whitespace collapsed) and the findings JSON read back."""
    out = tmp_path_factory.mktemp("report")
    pdf = report.build_report(sample_data, out / "report.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages]
    return pdf, pages, json.loads(report.write_json(sample_data.findings, out / "findings.json").read_text())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the findings JSON's head


def test_findings_start_with_versions_inputs_and_parameters(sample_data):
    f = sample_data.findings
    assert list(f)[:4] == ["schema_version", "runlog_version", "inputs", "parameters"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", f["schema_version"]) and f["schema_version"] == SCHEMA_VERSION
    assert f["runlog_version"] == __version__
    assert "timestamp" not in f  # only with --timestamp
    by_role = {r["role"]: r for r in f["inputs"]}
    assert set(by_role) == {"activities", "pain_diary", "shoes", "drills"}
    for role, name in (("activities", "export.zip"), ("pain_diary", "pain.csv"), ("shoes", "shoes.csv"),
                       ("drills", "drills.csv")):
        rec = by_role[role]
        assert rec["path"] == f"sample:{name}" and rec["sample"] is True
        assert rec["bytes"] == (SAMPLE / name).stat().st_size
        assert rec["sha256"] == _sha(SAMPLE / name)  # hashed here independently
    p = f["parameters"]
    assert p["tz"] == "Europe/Copenhagen" and p["seed"] == 0 and p["model"]["estimator"] == "firth"
    # runlog's default onset rule (adaptive: METHODS.md 4's rule measured too many false onsets in noisy
    # diaries, benchmarks/README.md), recorded with every parameter
    assert p["flare_rule"]["rule"] == "adaptive" and p["flare_rule"]["baseline_days"] == 112
    assert p["flare_rule"]["rise_points"] == 2.0 and p["flare_rule"]["spread"] == "sd"
    assert p["retire_km"] == 800.0


def test_sample_json_validates_against_the_shipped_schema(sample_pdf):
    _, _, findings = sample_pdf  # the JSON as written and read back
    schema = findings_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(findings)
    broken = {**findings, "inputs": [{**findings["inputs"][0], "sha256": "not a hash"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in findings.items() if k != "parameters"}, schema)


def test_schema_equals_the_committed_copy_and_its_version_is_in_the_changelog():
    shipped = findings_schema()
    assert shipped == json.loads(COMMITTED_SCHEMA.read_text(encoding="utf-8")), (
        "the findings contract changed: bump SCHEMA_VERSION, write CHANGELOG.md, copy the schema to tests/"
    )
    assert shipped["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert f"findings schema {SCHEMA_VERSION}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_key_of_the_schema_has_a_description():
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if "description" not in sub and "$ref" not in sub:
                    missing.append(f"{where}.{key}")
                walk(sub, f"{where}.{key}")
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{where}[]")
            for name, sub in (node.get("$defs") or {}).items():
                walk(sub, f"$defs.{name}")

    walk(findings_schema(), "")
    assert not missing


def test_the_optional_keys_of_concurrent_work_validate():
    schema = findings_schema()
    props = schema["properties"]
    assert {"this_week", "weekly_decisions", "questionnaires"} <= set(props)
    assert not set(schema["required"]) & {"this_week", "weekly_decisions", "questionnaires"}


# ---------------------------------------------------------------- hashes and the digest


def test_one_changed_cell_of_the_diary_changes_the_digest(tmp_path):
    pain = tmp_path / "pain.csv"
    shutil.copyfile(SAMPLE / "pain.csv", pain)
    inputs = Inputs(sources=[SAMPLE / "export.zip"], pain=pain)
    before = input_records(inputs)
    lines = pain.read_text().splitlines(keepends=True)
    row = lines[5]
    cells = row.rstrip("\n").split(",")
    col = next(i for i, c in enumerate(cells) if c.strip().isdigit())
    cells[col] = str((int(cells[col]) + 1) % 10)
    lines[5] = ",".join(cells) + "\n"
    pain.write_text("".join(lines))
    after = input_records(inputs)
    assert before[0] == after[0]  # the export did not change
    assert before[1]["sha256"] != after[1]["sha256"] and after[1]["sha256"] == _sha(pain)
    assert inputs_digest(before) != inputs_digest(after)
    assert re.fullmatch(r"[0-9a-f]{12}", inputs_digest(after))
    expected = hashlib.sha256("".join(f"{r['role']}\0{r['sha256']}\n" for r in after).encode()).hexdigest()
    assert inputs_digest(after) == expected[:12]


def test_a_warm_run_reads_no_file_again_for_its_hash(tmp_path, monkeypatch):
    calls = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda p: calls.append(Path(p).name) or real(p))
    folder = tmp_path / "export"
    folder.mkdir()
    for i in range(3):
        (folder / f"run{i}.gpx").write_text(f"<gpx>{i}</gpx>")
    inputs = Inputs(sources=[folder], pain=SAMPLE / "pain.csv")
    first = input_records(inputs, cache_folder=tmp_path / "cache")
    assert sorted(calls) == ["pain.csv", "run0.gpx", "run1.gpx", "run2.gpx"]
    calls.clear()
    second = input_records(inputs, cache_folder=tmp_path / "cache")
    assert calls == [] and second == first
    assert first[0]["files"] == 3 and first[0]["bytes"] == sum(len(f"<gpx>{i}</gpx>") for i in range(3))
    (folder / "run1.gpx").write_text("<gpx>changed</gpx>")
    third = input_records(inputs, cache_folder=tmp_path / "cache")
    assert calls == ["run1.gpx"] and third[0]["sha256"] != first[0]["sha256"]


# ---------------------------------------------------------------- byte-identical reruns


def test_two_runs_write_identical_json_and_pdfs(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    runs, pain, drills = tiny_frames()
    paths = []
    for i in range(2):
        data = analyse(runs.copy(), pain.copy(), drills.copy())
        paths.append((report.write_json(data.findings, tmp_path / f"f{i}.json"),
                      report.build_report(data, tmp_path / f"r{i}.pdf")))
    assert paths[0][0].read_bytes() == paths[1][0].read_bytes()
    assert paths[0][1].read_bytes() == paths[1][1].read_bytes()
    meta = PdfReader(paths[0][1]).metadata
    assert meta["/CreationDate"].startswith("D:20260101000000")
    assert "01 Jan 2026" in PdfReader(paths[0][1]).pages[0].extract_text()


def test_the_sample_reruns_to_the_same_json_bytes(sample_data, tmp_path, request, tmp_path_factory):
    from analysis.ingest.cache import Cache
    from analysis.pipeline import run, sample_inputs

    cache = Cache(sample_cache_dir(request.config, tmp_path_factory))  # warm: decoded by the session fixture
    again = run(sample_inputs(SAMPLE), tz="Europe/Copenhagen", cache=cache)
    a = report.write_json(sample_data.findings, tmp_path / "a.json").read_bytes()
    b = report.write_json(again.findings, tmp_path / "b.json").read_bytes()
    assert a == b


def test_timestamp_only_when_asked():
    args = build_parser().parse_args(["report", "--timestamp", "--no-pdf", "--json", "x.json"])
    assert args.timestamp is True
    assert build_parser().parse_args(["report"]).timestamp is False
    runs, pain, drills = tiny_frames()
    f = analyse(runs, pain, drills, timestamp="2026-01-01T00:00:00Z").findings
    assert list(f)[:3] == ["schema_version", "runlog_version", "timestamp"]
    jsonschema.validate(json.loads(json.dumps(f)), findings_schema())


def test_page_one_footer_prints_versions_and_the_inputs_digest(sample_pdf):
    _, pages, findings = sample_pdf
    digest = inputs_digest(findings)
    line = f"runlog {__version__} - findings schema {SCHEMA_VERSION} - inputs {digest}"
    assert line in pages[0]
    assert all(f"inputs {digest}" not in p for p in pages[1:])
