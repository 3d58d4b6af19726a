"""``import runlog``: one ``__all__``, documented names, and no shadowing by a user's own ``analysis.py``."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

import runlog

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "explore.ipynb"


def test_all_names_exist_are_documented_and_are_the_implementation():
    import analysis.pipeline
    import analysis.tables

    assert len(runlog.__all__) == len(set(runlog.__all__))
    for name in runlog.__all__:
        obj = getattr(runlog, name)
        if callable(obj) or inspect.ismodule(obj):
            assert (obj.__doc__ or "").strip(), f"runlog.{name} has no docstring"
    assert runlog.run is analysis.pipeline.run and runlog.write_tables is analysis.tables.write_tables
    assert runlog.__version__ == analysis.__version__
    for needed in ("resolve_inputs", "sample_inputs", "analyse", "run", "build_report", "write_json",
                   "write_tables", "tables", "data_dictionary", "SCHEMA_VERSION"):
        assert needed in runlog.__all__
    # typed: the signature carries annotations, and the marker ships
    assert inspect.signature(runlog.analyse).return_annotation in ("Analysis", runlog.Analysis)
    assert (REPO / "runlog" / "py.typed").is_file()


def _shadowed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "my_project"
    folder.mkdir()
    (folder / "analysis.py").write_text("WHO = 'the user'\n")
    return folder


def test_import_runlog_beside_a_users_analysis_py(tmp_path):
    folder = _shadowed_folder(tmp_path)
    code = (
        "import runlog, sys, json; "
        "inputs = runlog.sample_inputs(); "
        "print(json.dumps({'version': runlog.__version__, 'pain': inputs.pain.name, "
        "'impl': sys.modules['analysis'].__file__, 'sample': len(inputs.sources)}))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # plain "import analysis" from this folder gives the user's module: the shadowing is real
    mine = subprocess.run([sys.executable, "-c", "import analysis; print(analysis.WHO)"], cwd=folder, env=env,
                          capture_output=True, text=True, check=True)
    assert mine.stdout.strip() == "the user"
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["version"] == runlog.__version__ and got["pain"] == "pain.csv" and got["sample"] == 1
    assert Path(got["impl"]).resolve() == REPO / "analysis" / "__init__.py"


def test_a_notebook_beside_a_users_analysis_py_runs(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    folder = _shadowed_folder(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import runlog\n"
        "inputs = runlog.sample_inputs()\n"
        "print(runlog.SCHEMA_VERSION, inputs.pain.name, runlog.resolve_inputs([]).sample)"
    )]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert text.split() == [runlog.SCHEMA_VERSION, "pain.csv", "True"]


def test_the_notebook_uses_only_the_public_api():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import runlog" in source
    assert "from analysis" not in source and "import analysis" not in source
