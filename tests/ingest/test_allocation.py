"""The import's allocation settings: on during an import (Linux), the libraries' own put back after."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pytest

from analysis.ingest import loader
from analysis.ingest.allocation import import_allocation

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="set on Linux only")


def _hugepage() -> bool:
    from numpy._core.multiarray import _set_madvise_hugepage

    before = _set_madvise_hugepage(True)
    _set_madvise_hugepage(before)
    return before


@linux
def test_settings_inside_and_restored_after():
    pool = pa.default_memory_pool().backend_name
    hugepage = _hugepage()
    with import_allocation():
        assert pa.default_memory_pool().backend_name == "system"
        assert _hugepage() is False
        arr = pa.array(np.arange(1000, dtype=np.int64))  # allocated from the system pool
    assert pa.default_memory_pool().backend_name == pool
    assert _hugepage() is hugepage
    assert arr.to_numpy().sum() == 499500  # a buffer from the import's pool outlives it


@linux
def test_restored_when_the_import_raises(tmp_path):
    pool = pa.default_memory_pool().backend_name
    with pytest.raises(loader.RunlogError):
        loader.read_sources([tmp_path / "missing.csv"])
    assert pa.default_memory_pool().backend_name == pool


@linux
def test_read_sources_reads_under_the_settings(tmp_path, monkeypatch):
    seen = []
    real = loader._read_item

    def spy(item, **kw):
        seen.append((pa.default_memory_pool().backend_name, _hugepage()))
        return real(item, **kw)

    monkeypatch.setattr(loader, "_read_item", spy)
    path = tmp_path / "runs.csv"
    path.write_text("start_time,distance_m\n2025-03-01T07:30:00Z,5000\n")
    res = loader.read_sources([path])
    assert seen == [("system", False)]
    assert res.runs["distance_m"].tolist() == [5000.0]
