"""Fixtures of the robustness tests: the seed corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.mutate import Seed, corpus

TEMPLATES = Path(__file__).resolve().parents[2] / "data" / "templates"


@pytest.fixture(scope="session")
def seeds(shared_data, sample_dir, tmp_path_factory) -> dict[str, list[tuple[Seed, bytes]]]:
    """Every real file (../shared/data), the sample and the templates, with their bytes, by format."""
    found = corpus(shared_data, sample_dir, TEMPLATES, generic_seed_dir=tmp_path_factory.mktemp("seed"))
    by_format: dict[str, list[tuple[Seed, bytes]]] = {}
    for seed in found:
        by_format.setdefault(seed.fmt, []).append((seed, seed.data))
    return by_format
