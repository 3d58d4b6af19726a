"""Write a simulated runner's folder: the Strava export, diary, drills, catalog, truth.

* ``export.zip`` (and/or ``export/``): ``activities.csv`` and ``shoes.csv``
  (:mod:`analysis.simulate.strava_csv`) and ``activities/<upload id>.fit.gz`` /
  ``.gpx`` (:mod:`analysis.simulate.files`). FIT files are gzip-compressed with
  a zero mtime; the zip has a fixed member order and timestamps, ``.gz``
  members stored and text deflated: the bytes depend on the seed only.
* ``shoes.csv`` beside the export: runlog's catalog (DESIGN.md "shoes").
* ``pain.csv`` (long diary), ``drills.csv`` and ``truth.json``.
"""

from __future__ import annotations

import gzip
import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.schema import REGIONS
from analysis.simulate.files import fit_bytes, gpx_text
from analysis.simulate.params import TERM_UNIT, TERMS, SimParams
from analysis.simulate.samples import run_samples
from analysis.simulate.strava_csv import activities_csv, filename_of, strava_shoes_csv

ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def catalog_csv(p: SimParams) -> str:
    """runlog's shoes catalog (DESIGN.md "shoes"), every spec, MI and class filled in."""
    rows = [{
        "name": s.name, "aliases": s.aliases, "brand": s.brand, "model": s.model,
        "weight_g": s.weight_g, "stack_mm": s.stack_mm, "drop_mm": s.drop_mm,
        "stability_features": s.stability_features, "flex_score": s.flex_score,
        "minimalist_index": s.minimalist_index, "shoe_class": s.shoe_class,
        "retired": "true" if s.retired else "false",
    } for s in p.shoes]
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")


def _zip_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def export_members(runner, *, write_files: bool = True) -> Iterator[tuple[str, bytes]]:
    """(member path, bytes) of the Strava export, in a fixed order."""
    p = runner.params
    yield "activities.csv", activities_csv(runner.runs, runner.others, p).encode("utf-8")
    yield "shoes.csv", strava_shoes_csv(p).encode("utf-8")
    if not write_files:
        return
    for i, run in enumerate(runner.runs.to_dict("records")):
        if not run["file_kind"]:
            continue
        rec = run_samples(run, p, runner.seed, i)
        name = filename_of(run)
        if run["file_kind"] == "fit":
            yield name, gzip.compress(fit_bytes(run, rec, serial=3_000_000 + runner.seed % 1_000_000), mtime=0)
        else:
            yield name, gpx_text(run, rec).encode("utf-8")


def truth_dict(runner) -> dict:
    """Everything planted, for validation: JSON-ready."""
    p = runner.params
    params = p.to_dict()
    ep = runner.episodes
    start = pd.Timestamp(p.start)

    def day(d: int) -> str:
        return (start + pd.Timedelta(days=int(d))).date().isoformat()

    runs = []
    for r in runner.runs.to_dict("records"):
        runs.append({
            "strava_id": str(r["strava_id"]), "filename": filename_of(r), "date": r["date"].date().isoformat(),
            "start_time_utc": r["start_time"].isoformat(), "tz": r["tz"], "kind": r["kind"],
            "distance_m": r["distance_m"], "moving_time_s": r["moving_time_s"], "shoe": r["shoe"] or None,
            "shoe_class": r["shoe_class"], "gear_recorded": bool(r["gear_recorded"]),
            "rpe": None if pd.isna(r["rpe"]) else r["rpe"],
            "spike_ratio": None if pd.isna(r["spike_ratio"]) else round(float(r["spike_ratio"]), 4),
            "spike_bin": r["spike_bin"],
        })
    onsets = {reg: [{"date": day(e.onset_day), "sides": list(e.sides)}
                    for e in ep[ep["region"] == reg].itertuples(index=False)] for reg in REGIONS}
    episodes = [{"region": e.region, "onset": day(e.onset_day), "last_elevated": day(e.last_day),
                 "end": day(e.end_day), "at_risk_again": day(e.at_risk_day), "peak": int(e.peak),
                 "sides": list(e.sides)} for e in ep.itertuples(index=False)]
    return {
        "synthetic": True,
        "generator": "analysis.simulate",
        "seed": runner.seed,
        "null": runner.null,
        "start": p.start,
        "end": day(len(runner.daily) - 1),
        "days": len(runner.daily),
        "tz": p.tz,
        "hazard": {
            "model": "logit P(onset on at-risk day t) = intercept + sum coef * feature / unit; "
                     "features from days <= t-1; NA share counts 0",
            "terms": list(TERMS),
            "units": TERM_UNIT,
            "intercepts": p.intercepts,
            "coefficients": p.coefficients,
            "odds_ratios": {r: {t: round(math.exp(c), 4) for t, c in cs.items()}
                            for r, cs in p.coefficients.items()},
            "burn_in_days": p.burn_in_days,
            "settle_days": p.settle_days,
            "refractory_days": p.refractory_days,
        },
        "onset_counts": {reg: len(v) for reg, v in onsets.items()},
        "onsets": onsets,
        "episodes": episodes,
        "diary": runner.diary_facts,
        "drill_days": int(runner.daily["drill_day"].sum()),
        "dynamics": {"cadence_factor": p.cadence_factor, "stance_factor": p.stance_factor,
                     "oscillation_factor": p.oscillation_factor},
        "runs": runs,
        "params": {k: v for k, v in params.items()
                   if k not in ("coefficients", "intercepts", "cadence_factor", "stance_factor",
                                "oscillation_factor")},
    }


def _csv_text(frame: pd.DataFrame) -> str:
    out = frame.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n")


def write_runner(runner, out_dir: str | Path, *, write_files: bool = True, export: str = "zip") -> Path:
    """Write a simulated runner's files into ``out_dir``.

    Parameters
    ----------
    runner : Runner
        From :func:`analysis.simulate.simulate_runner`.
    out_dir : str or Path
        Created if missing. Receives ``export.zip`` (and/or ``export/``),
        ``shoes.csv`` (catalog), ``pain.csv``, ``drills.csv`` and ``truth.json``.
    write_files : bool
        Write the per-run FIT/GPX files (slow part). Without them the export
        holds ``activities.csv`` and ``shoes.csv`` only, and ``Filename``
        cells point at files that are not there.
    export : {"zip", "folder", "both"}
        The Strava export as ``export.zip`` (what Strava delivers), as an
        unpacked ``export/`` folder, or both.

    Returns
    -------
    Path
        ``out_dir``.
    """
    if export not in ("zip", "folder", "both"):
        raise ValueError("export must be 'zip', 'folder' or 'both'")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    members = export_members(runner, write_files=write_files)
    zf = zipfile.ZipFile(out / "export.zip", "w") if export in ("zip", "both") else None
    try:
        for name, data in members:
            if zf is not None:
                _zip_member(zf, name, data)
            if export in ("folder", "both"):
                path = out / "export" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    finally:
        if zf is not None:
            zf.close()
    (out / "shoes.csv").write_text(catalog_csv(runner.params), encoding="utf-8")
    (out / "pain.csv").write_text(_csv_text(runner.pain), encoding="utf-8")
    (out / "drills.csv").write_text(_csv_text(runner.drills), encoding="utf-8")
    (out / "truth.json").write_text(json.dumps(truth_dict(runner), indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    return out
