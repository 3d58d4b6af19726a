"""Shared fixtures: the real files in ../shared/data, read in place."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

from analysis import schema
from analysis.pipeline import Analysis, analyse

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_TZ = "Europe/Copenhagen"
SHARED_DATA = Path(os.environ.get("RUNLOG_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()

#: a small drills log (tests/io/test_drills.py reads it, tests/test_drills.py computes its adherence)
DRILLS_LOG = """date,drill,sets,reps,minutes,notes
2026-03-02,Toe_Yoga,3,10,,
2026-03-02,short foot,2,,"2,5",standing
2026-03-04,Toe drop,2,8,,
2026-03-10,calf raises,3,15,,
"""


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; tests using it skip (saying why) when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference files not found at {SHARED_DATA} (../shared/data beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The embedded sample, data/sample."""
    return REPO / "data" / "sample"


@pytest.fixture
def drills_log(tmp_path) -> Path:
    """:data:`DRILLS_LOG` written to a file."""
    path = tmp_path / "drills.csv"
    path.write_text(DRILLS_LOG, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Tests never write to the user's real cache folder."""
    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


# ------------------------------------------- the sample and a tiny runner through the pipeline (session)


def sample_cache_dir(config, tmp_path_factory) -> Path:
    """Decoded sample kept in pytest's own cache folder (.pytest_cache), so re-runs are quick."""
    cache = getattr(config, "cache", None)
    return (
        Path(cache.mkdir("runlog-sample-cache"))
        if cache is not None
        else tmp_path_factory.mktemp("sample-cache")
    )


@functools.lru_cache(maxsize=1)
def load_sample_report(cache_dir: str) -> Analysis:
    """The embedded sample through the whole pipeline, once per test session."""
    from analysis.ingest.cache import Cache
    from analysis.pipeline import run, sample_inputs

    return run(sample_inputs(SAMPLE), tz=SAMPLE_TZ, cache=Cache(Path(cache_dir)))


@pytest.fixture(scope="session")
def sample_data(request, tmp_path_factory) -> Analysis:
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
def tiny_data() -> Analysis:
    runs, pain, drills = tiny_frames()
    return analyse(runs, pain, drills)
