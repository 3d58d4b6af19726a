"""The per-runner step: one runner's files -> its at-risk region-day table (METHODS.md 5 and 7).

The same functions as one runner's report: :func:`analysis.pipeline.load_runs` and
:func:`analysis.pipeline.read_side_files` import, :func:`analysis.findings.model_frames`
builds daily load, flare-ups and region-days, and
:mod:`analysis.stats.primary_design` gives each at-risk logged day its estimand and
adjustment columns (days <= t-1). A runner with weekly injury reports or OSTRC-O2
answers instead of a diary gets the report-unit table of :mod:`analysis.cohort.weekly`. The step is a pure map over runners: it takes a
:class:`~analysis.cohort.discover.RunnerSpec` and the store folder, writes one Parquet
partition (``runner_id=ID/KEY.parquet``; KEY hashes the inputs and settings) and
returns a small dict. A runner whose files fail returns ``status="failed"`` with the
reason; it never raises, so one runner never drops the cohort.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cohort.discover import RunnerSpec, input_paths, runner_files
from analysis.cohort.weekly import (
    RAW_COLUMNS,  # noqa: F401 - every adjustment of the ladder; re-exported
    RAW_SHARE_COLUMN,
    raw_share,
)
from analysis.errors import RunlogError

#: bump when the table's content changes: every partition is then rebuilt
STEP_VERSION = "5"  # 4: the footwear column is the share minus the runner's usual share (METHODS.md 5); 5: weekly reports: no run after --until in that share

#: runs columns kept for ``runlog cohort runs``
RUN_COLUMNS = ("start_time", "date", "sport", "distance_m", "moving_time_s", "gear_name", "shoe_class",
               "minimalist_index", "source")


#: a runner's outcome files in the order the table takes them (METHODS.md 7): the finest time unit first
OUTCOME_FILES: tuple[str, ...] = ("pain", "injuries", "ostrc")


def outcome_note(side: dict) -> str | None:
    """Which outcome file a runner's table uses, when the folder holds more than one (else None).

    Nothing is dropped silently: the files not used are named.
    """
    present = [k for k in OUTCOME_FILES if k in side]
    if len(present) < 2:
        return None
    names = [Path(side[k]).name for k in present]
    return f"outcome from {names[0]}; {', '.join(names[1:])} not used (one outcome per runner)"


def runner_settings(spec: RunnerSpec, tz_default: str | None) -> dict:
    """tz, default_shoe, units and ostrc_outcome: the manifest, then ``runner.toml``, then ``tz_default``.

    ``ostrc_outcome`` (``substantial``, the default, or ``any``) is what counts as a
    problem in a runner's weekly OSTRC-O2 answers (:func:`analysis.cohort.weekly.ostrc_reports`).
    """
    side, _ = runner_files(spec.folder)
    settings: dict = {}
    if "settings" in side:
        try:
            settings = tomllib.loads(side["settings"].read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RunlogError(f"not valid TOML ({exc}): write e.g. tz = \"Europe/Berlin\"",
                              path=side["settings"]) from None
    from analysis.cohort.weekly import OSTRC_OUTCOMES

    if settings.get("ostrc_outcome", "substantial") not in OSTRC_OUTCOMES:
        raise RunlogError(f"ostrc_outcome {settings['ostrc_outcome']!r} is not one of {', '.join(OSTRC_OUTCOMES)}: "
                          'write ostrc_outcome = "substantial" or "any"', path=side["settings"])
    return {
        "tz": spec.tz or settings.get("tz") or tz_default,
        "default_shoe": spec.default_shoe or settings.get("default_shoe"),
        "units": settings.get("units", "km"),
        "ostrc_outcome": settings.get("ostrc_outcome", "substantial"),
    }


def partition_key(spec: RunnerSpec, settings: dict, since, until) -> str:
    """sha256 (16 hex) of the step version, settings, window and every input file's name and bytes."""
    h = hashlib.sha256()
    h.update(json.dumps([STEP_VERSION, settings, str(since), str(until)], sort_keys=True).encode())
    for p in input_paths(spec.folder):
        h.update(str(p.relative_to(spec.folder)).encode())
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def region_table(runs: pd.DataFrame, pain: pd.DataFrame, drills=None, *, since=None, until=None) -> pd.DataFrame:
    """At-risk logged days with 28 days of known km, one row per region-day, with all model columns.

    Columns: ``region``, ``date``, ``onset`` (0/1) and :data:`RAW_COLUMNS`
    (the footwear contrast of the single-runner model: barefoot-style share of km
    over t-7..t-1 minus the runner's usual share at that time, per 10 points, NaN
    where no km; km over t-7..t-1 per 10 km; the section-5 adjustments, uncentred).
    The usual share is :func:`analysis.stats.primary_design.slow_share` of this
    runner's own 7-day shares over the whole running history (the load arrays of
    ``runlog report``), so a runner's column here is the one its own report models.
    ``barefoot_share_raw_7d``, the uncentred share per 10 points, is kept beside for the
    unstratified contrast only.
    """
    from analysis.findings import model_frames, region_frame
    from analysis.schema import REGIONS
    from analysis.stats.primary_design import (
        ADJUSTMENT_LADDER,
        load_arrays,
        model_days,
        spec_for,
    )

    frames = model_frames(runs, pain, drills, start=since, end=until)
    loads = load_arrays(frames.history if frames.history is not None else frames.daily)
    spec = spec_for(tuple(name for name, _, _ in ADJUSTMENT_LADDER))
    spec.share_mean_pct = np.nan  # undefined share stays NaN here; the pooled model fills it per runner
    assert tuple(spec.columns) == RAW_COLUMNS
    parts = []
    rd = frames.region_days
    for region in REGIONS:
        if rd.empty or not (rd["region"] == region).any():
            continue
        frame = region_frame(frames, region)  # flare history from the whole diary, as the runner's own report
        days = model_days(frame, loads)
        if len(days.dates) == 0:
            continue
        raw = spec.raw(days.km_lags, days.barefoot_km_7d, days.days_since_flare, days.no_flare_yet, days.dates,
                       days.share_slow_pct)
        part = pd.DataFrame(raw, columns=list(RAW_COLUMNS))
        part.insert(0, "onset", days.onset.astype("int8"))
        part.insert(0, "date", days.dates.to_numpy())
        part.insert(0, "region", region)
        part[RAW_SHARE_COLUMN] = raw_share(days.km_lags, days.barefoot_km_7d)
        parts.append(part)
    cols = ["region", "date", "onset", *RAW_COLUMNS, RAW_SHARE_COLUMN]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def runner_step(spec: RunnerSpec, store: str | Path, *, tz_default: str | None = None, since=None,
                until=None) -> dict:
    """Import one runner and write its partitions; never raises for a runner's bad files.

    ``store`` is a folder or an fsspec URL (:mod:`analysis.cohort.storefs`); each
    partition is written to a temporary name and moved into place, so a reader never
    sees half a file.

    Returns
    -------
    dict
        ``runner_id``, ``status`` (``built``, ``cached`` or ``failed``), ``reason``,
        ``key``, ``rows`` (region-days written), ``runs``, ``note`` (:func:`outcome_note`).
    """
    from analysis.cohort.storefs import open_store

    out = {"runner_id": spec.runner_id, "status": "failed", "reason": None, "key": None, "rows": 0, "runs": 0,
           "note": None}
    try:
        if not spec.folder.is_dir():
            raise RunlogError("runner folder not found", path=spec.folder)
        out["note"] = outcome_note(runner_files(spec.folder)[0])
        settings = runner_settings(spec, tz_default)
        key = partition_key(spec, settings, since, until)
        out["key"] = key
        fs, root = open_store(store)
        days_dir = f"{root}/days/runner_id={spec.runner_id}"
        runs_dir = f"{root}/runs/runner_id={spec.runner_id}"
        days_file, runs_file = f"{days_dir}/{key}.parquet", f"{runs_dir}/{key}.parquet"
        if fs.isfile(days_file) and fs.isfile(runs_file):
            out.update(status="cached", rows=_rows(fs, days_file), runs=_rows(fs, runs_file))
            return out
        table, runs = _build(spec, settings, since, until)
        for folder, file, frame in ((days_dir, days_file, table), (runs_dir, runs_file, runs)):
            fs.makedirs(folder, exist_ok=True)
            for old in fs.glob(f"{folder}/*.parquet"):
                fs.rm(old)
            tmp = file[: -len(".parquet")] + ".tmp"
            with fs.open(tmp, "wb") as f:
                frame.to_parquet(f, index=False)
            fs.mv(tmp, file)
        out.update(status="built", rows=len(table), runs=len(runs))
    except RunlogError as exc:
        out["reason"] = exc.one_line()
    except Exception as exc:  # noqa: BLE001 - a runner's failure is reported by id, never drops the cohort
        out["reason"] = f"{type(exc).__name__}: {exc}"
    return out


def _rows(fs, path: str) -> int:
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as f:
        return pq.ParquetFile(f).metadata.num_rows


def runner_inputs(spec: RunnerSpec, settings: dict):
    """The :class:`analysis.pipeline.Inputs` of one runner's folder (what ``runlog report`` would take)."""
    from analysis.pipeline import Inputs

    side, exports = runner_files(spec.folder)
    if not exports:
        raise RunlogError("no activity export in the runner's folder", path=spec.folder)
    if not {"pain", "injuries", "ostrc"} & set(side):
        raise RunlogError("no pain.csv (or pain.xlsx), injuries.csv or ostrc.csv: the cohort model needs the "
                          "runner's diary, weekly injury reports or weekly OSTRC-O2 answers", path=spec.folder)
    return Inputs(sources=exports, pain=side.get("pain"), shoes=side.get("shoes"), drills=side.get("drills"),
                  gear_log=side.get("gear_log"), overrides=side.get("overrides"),
                  default_shoe=settings["default_shoe"])


def weekly_reports(spec: RunnerSpec, settings: dict) -> tuple[pd.DataFrame, bool]:
    """A weekly runner's reports for :func:`analysis.cohort.weekly.report_table` and its ``per_region``:
    ``injuries.csv`` (False), else ``ostrc.csv`` (True; its substantial problems, or any problem with
    ``ostrc_outcome = "any"`` in ``runner.toml``)."""
    from analysis.cohort.weekly import ostrc_reports

    side, _ = runner_files(spec.folder)
    if "injuries" in side:
        from analysis.io.injuries import read_injuries

        return read_injuries(side["injuries"], tz=settings["tz"]), False
    from analysis.io.ostrc import read_ostrc

    return ostrc_reports(read_ostrc(side["ostrc"]), outcome=settings.get("ostrc_outcome", "substantial")), True


def _build(spec: RunnerSpec, settings: dict, since, until) -> tuple[pd.DataFrame, pd.DataFrame]:
    from analysis.cohort.weekly import report_table
    from analysis.pipeline import fail_if_nothing, load_runs, read_side_files

    inputs = runner_inputs(spec, settings)
    result, _ = load_runs(inputs, tz=settings["tz"], progress=False, samples=False)
    fail_if_nothing(result)
    if inputs.pain is not None:  # a daily diary first: the finest time unit
        pain, drills = read_side_files(inputs)
        table = region_table(result.runs, pain, drills, since=since, until=until)
        table["days_at_risk"] = 1.0
        table["time_unit"] = "day"
    else:  # weekly injury reports, else weekly OSTRC-O2 answers (METHODS.md 7, "Weekly outcomes")
        reports, per_region = weekly_reports(spec, settings)
        table = report_table(result.runs, reports, since=since, until=until, per_region=per_region)
        table["time_unit"] = "report"
    table.insert(0, "runner_id", spec.runner_id)
    runs = result.runs.reset_index()
    keep = ["activity_id", *[c for c in RUN_COLUMNS if c in runs.columns]]
    runs = runs[keep].copy()
    for c in ("date", "gear_name", "shoe_class", "sport", "source"):
        if c in runs:
            runs[c] = runs[c].astype("string")
    runs.insert(0, "runner_id", spec.runner_id)
    return table, runs
