"""notebooks/explore.ipynb runs top to bottom on the sample (so it never rots) and is kept without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from tests.conftest import SAMPLE, sample_cache_dir

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    source = "\n".join(c.source for c in code)
    assert "Try your own data" in "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # library calls only: no metric is computed in a cell (DESIGN.md)
    for forbidden in (".rolling(", ".ewm(", ".groupby(", "np."):
        assert forbidden not in source


def test_notebook_executes_top_to_bottom(request, tmp_path_factory, monkeypatch):
    if not (SAMPLE / "pain.csv").is_file():
        pytest.skip("data/sample is missing")
    from nbclient import NotebookClient

    # the kernel inherits the environment: the sample decoded by the other tests is re-used
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(sample_cache_dir(request.config, tmp_path_factory)))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # the kernel imports runlog from this checkout (not whatever is installed), from the notebook's folder
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(NOTEBOOK.parents[1]),
                                                                   os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [
        o
        for o in outputs
        if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})
    ]
    assert len(images) >= 10  # every figure rendered
    texts = " ".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    assert "insufficient data" in texts and "runs," in texts
    assert "latitude" not in texts and "longitude" not in texts
