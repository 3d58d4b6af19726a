"""The cohort sequence: find runners -> map the step -> read the store -> pooled model (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.cohort.discover import find_runners
from analysis.cohort.model import cohort_json
from analysis.cohort.store import map_runners, read_table, resolve_store
from analysis.errors import RunlogError


@dataclass
class CohortResult:
    """``status`` one row per runner (built/cached/failed, reason), ``days`` the pooled region-days,
    ``json`` the cohort JSON (DESIGN.md "Cohort JSON"), ``store`` the store (a folder or an fsspec URL)."""

    clinic: Path
    store: str
    status: pd.DataFrame
    days: pd.DataFrame
    json: dict


def run_cohort(clinic: str | Path | None = None, *, store: str | Path | None = None, tz: str | None = None,
               since=None, until=None, workers: int | None = None, dask_address: str | None = None,
               on_result: Callable[[dict], None] | None = None) -> CohortResult:
    """Import every runner of ``clinic`` (default: the simulated sample clinic) and fit the cohort model."""
    if clinic is None:
        from analysis.cohort.sample import sample_clinic

        clinic = sample_clinic()
    clinic = Path(clinic)
    runners = find_runners(clinic)
    store = resolve_store(store, clinic)
    since = pd.Timestamp(since) if since is not None else None
    until = pd.Timestamp(until) if until is not None else None
    status = map_runners(runners, store, tz_default=tz, since=since, until=until, workers=workers,
                         dask_address=dask_address, on_result=on_result)
    _fail_if_no_runner(status)
    days = read_table(store, status, "days")
    result = cohort_json(days, status)
    result["parameters"] = {"since": None if since is None else since.date().isoformat(),
                            "until": None if until is None else until.date().isoformat(), "tz": tz}
    return CohortResult(clinic, store, status, days, result)


def cohort_runs(clinic: str | Path | None = None, *, store=None, tz=None, workers=None,
                dask_address=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs of every runner with ``runner_id``, per-runner status) through the same step and store."""
    if clinic is None:
        from analysis.cohort.sample import sample_clinic

        clinic = sample_clinic()
    clinic = Path(clinic)
    store = resolve_store(store, clinic)
    status = map_runners(find_runners(clinic), store, tz_default=tz, workers=workers, dask_address=dask_address)
    _fail_if_no_runner(status)
    return read_table(store, status, "runs"), status


def _fail_if_no_runner(status: pd.DataFrame) -> None:
    """No usable runner: one line (exit 2) with the first runner's reason, not an empty report."""
    failed = status[status["status"] == "failed"]
    if len(failed) == len(status):
        first = failed.iloc[0]
        raise RunlogError(f"no usable runner: all {len(status)} failed (first, {first['runner_id']}: "
                          f"{first['reason']}); fix their files or see 'runlog check'")
