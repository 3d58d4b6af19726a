"""`runlog cohort` speed and scale (issue [N] item 6): per-runner cost, linearity, the pooled fit, Dask overhead.

Not an alias of ``benchmarks/cohort.py`` (that one is the validity benchmark: coverage and false
positives of the pooled model). This script times the cohort machinery, everything measured in the
same run on this machine, with the load average printed beside each figure:

1. **Per-runner cost, warm** (imports done, one runner stepped first): the cohort step
   (:func:`analysis.cohort.step.runner_step`, one process) per runner, against one runner's
   ``runlog report --no-pdf --json`` done in process (:func:`analysis.pipeline.run` + the JSON) on
   the same runners. Target: ratio <= 1.
2. **Total time against runners**: ``run_cohort`` (map with ``--workers``, DuckDB read, pooled model
   for the four regions) on clinics of ``--sizes`` runners x ``--days`` days, each in a fresh child
   process with a fresh store, wall time and peak memory (the child's and its workers' max RSS);
   the exponent b of time ~ runners^b fitted by least squares on the log scale. Target: b <= 1.1.
3. **The pooled fit at scale**: ``--pooled-runners`` runners x ``--days`` days of one region's
   at-risk days from :mod:`benchmarks.generators.clinic`, written as a cohort store (one Parquet
   partition per runner); a fresh child reads it with DuckDB (:func:`analysis.cohort.store.read_table`)
   and fits the conditional Poisson model stratified by runner (:func:`analysis.cohort.model.pooled_fit`):
   wall time and peak RSS. Target: under 10 s and 2 GB on 2 cores for 10,000 runners x 2 years.
   The whole region (per-runner fits and the meta-analysis too, :func:`analysis.cohort.model.cohort_region`)
   is timed beside it.
4. **Dask**: the smallest clinic through a ``LocalCluster`` (2 worker processes) against the process
   pool, each with a fresh store; the cluster's start-up printed apart.

Runner folders come from :mod:`analysis.simulate` (Strava CSV exports without per-run files, diary,
shoes; seeds 500000 + i) and are kept in ``--work`` (re-used when the script is run again).

Usage::

    PYTHONPATH=. python benchmarks/cohort_speed.py --quick             # 10 and 30 runners, 2,000 pooled
    PYTHONPATH=. python benchmarks/cohort_speed.py --sizes 10,100 --pooled-runners 10000
    PYTHONPATH=. python benchmarks/cohort_speed.py --sizes 10,100,1000 # the issue's sizes (about 1 h here)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED0 = 500000
TARGET_EXPONENT = 1.1
TARGET_POOLED_S = 10.0
TARGET_POOLED_GB = 2.0


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _maxrss_mb() -> tuple[float, float]:
    """(this process, its largest waited-for child) peak RSS in MB (Linux: ru_maxrss in kB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def runner_pool(work: Path, n: int, days: int) -> list[Path]:
    """The first ``n`` simulated runner folders (written once into ``work/runners``)."""
    from analysis.simulate import simulate_runner
    from analysis.simulate.writers import write_runner

    base = work / f"runners_{days}d"
    out = []
    t0, made = time.perf_counter(), 0
    for i in range(n):
        folder = base / f"r{i:05d}"
        if not (folder / ".complete").is_file():
            runner = simulate_runner(SEED0 + i, days=days, samples=False, tz="UTC")
            write_runner(runner, folder, write_files=False)
            (folder / "runner.toml").write_text('tz = "UTC"\n', encoding="utf-8")
            (folder / ".complete").write_text("ok\n", encoding="utf-8")
            made += 1
        out.append(folder)
    if made:
        print(f"  (simulated {made} runner folders in {time.perf_counter() - t0:.0f} s)", flush=True)
    return out


def clinic_of(work: Path, folders: list[Path]) -> Path:
    """A clinic of these runner folders (a runners.csv manifest: clinics of 10 and 100 share runners)."""
    clinic = work / f"clinic_{len(folders)}_{folders[0].parent.name}"
    clinic.mkdir(parents=True, exist_ok=True)
    lines = ["runner_id,path"] + [f"{f.name},{f}" for f in folders]
    (clinic / "runners.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return clinic


# --- 1. per-runner cost -------------------------------------------------------------------------------

def per_runner_cost(folders: list[Path], store: Path) -> dict:
    """Warm seconds per runner: the cohort step against run() + JSON (one runner's report --no-pdf --json)."""
    from analysis.cohort.discover import RunnerSpec
    from analysis.cohort.step import runner_inputs, runner_settings, runner_step
    from analysis.pipeline import run
    from analysis.report import write_json

    specs = [RunnerSpec(f.name, f) for f in folders]
    runner_step(specs[0], store / "warm")  # imports and first-call costs, not timed
    run(runner_inputs(specs[0], runner_settings(specs[0], None)), tz="UTC", progress=False)
    t0, c0 = time.perf_counter(), time.process_time()
    for s in specs:
        res = runner_step(s, store / "timed")
        assert res["status"] == "built", res
    step_s, step_cpu = (time.perf_counter() - t0) / len(specs), (time.process_time() - c0) / len(specs)
    t0, c0 = time.perf_counter(), time.process_time()
    for s in specs:
        analysis = run(runner_inputs(s, runner_settings(s, None)), tz="UTC", progress=False)
        write_json(analysis.findings, store / f"{s.runner_id}.json")
    report_s, report_cpu = (time.perf_counter() - t0) / len(specs), (time.process_time() - c0) / len(specs)
    return {"step_s": step_s, "report_s": report_s, "step_cpu": step_cpu, "report_cpu": report_cpu,
            "runners": len(specs)}


# --- 2. total time against runners (child process per size) ----------------------------------------

def total_child(clinic: str, store: str, workers: int) -> dict:
    from analysis.cohort.run import run_cohort

    t0 = time.perf_counter()
    res = run_cohort(clinic, store=store, workers=workers)
    wall = time.perf_counter() - t0
    own, kids = _maxrss_mb()
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime
    onsets = sum(v["onsets"] for v in res.json["regions"].values())
    return {"wall_s": wall, "cpu_s": cpu, "rss_mb": own, "worker_rss_mb": kids, "included": res.json["included"],
            "onsets": onsets, "rows": len(res.days)}


def _child(args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def exponent(sizes: list[int], walls: list[float]) -> float:
    """Least-squares slope of log(wall) on log(runners)."""
    import numpy as np

    return float(np.polyfit(np.log(sizes), np.log(walls), 1)[0])


# --- 3. the pooled fit at scale ----------------------------------------------------------------------

def write_pooled_store(work: Path, runners: int, days: int, seed: int) -> tuple[Path, Path]:
    """One region's at-risk days of ``runners`` as a cohort store, and a status table (written once)."""
    import pandas as pd

    from benchmarks.generators.clinic import simulate_runner as sim_days

    store = work / f"pooled_{runners}x{days}_{seed}"
    status_file = store / "status.parquet"
    if status_file.is_file():
        return store, status_file
    import numpy as np

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    rows = []
    for i in range(runners):
        rid = f"p{i:05d}"
        d = sim_days(rng, rid, days=days, beta_share=0.15, tau=0.1, beta_km=0.15, confounding=1.5)
        d.insert(1, "region", "achilles")
        d["days_at_risk"] = 1.0
        folder = store / "days" / f"runner_id={rid}"
        folder.mkdir(parents=True, exist_ok=True)
        d.to_parquet(folder / "k.parquet", index=False)
        rows.append({"runner_id": rid, "status": "built", "reason": None, "key": "k", "rows": len(d), "runs": 0})
        if (i + 1) % 2000 == 0:
            print(f"  (pooled store: {i + 1} of {runners} runners, {time.perf_counter() - t0:.0f} s)", flush=True)
    pd.DataFrame(rows).to_parquet(status_file, index=False)
    return store, status_file


def pooled_child(store: str, status_file: str, whole: bool) -> dict:
    import warnings

    import pandas as pd

    from analysis.cohort.model import cohort_region, pooled_fit
    from analysis.cohort.store import read_table

    status = pd.read_parquet(status_file)
    t0, c0 = time.perf_counter(), time.process_time()
    days = read_table(store, status, "days")
    t1, c1 = time.perf_counter(), time.process_time()
    rss_read = _maxrss_mb()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pooled_fit(days)
    t2, c2 = time.perf_counter(), time.process_time()
    out = {"rows": len(days), "onsets": int(days["onset"].sum()), "read_s": t1 - t0, "fit_s": t2 - t1,
           "read_cpu_s": c1 - c0, "fit_cpu_s": c2 - c1, "iterations": fit["fit"].iterations,
           "estimate": fit["rows"][0]["estimate"], "adjustments": fit["adjustments"], "rss_read_mb": rss_read}
    out["rss_fit_mb"] = _maxrss_mb()[0]
    if whole:
        t3 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            region = cohort_region(days)
        out["region_s"] = time.perf_counter() - t3
        out["per_runner_estimated"] = sum(r["status"] != "insufficient data" for r in region["per_runner"]) // 2
    out["rss_mb"] = _maxrss_mb()[0]
    return out


# --- 4. Dask against the process pool ---------------------------------------------------------------

def dask_overhead(clinic: Path, work: Path, workers: int) -> dict | None:
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    from analysis.cohort.discover import find_runners
    from analysis.cohort.store import map_runners

    runners = find_runners(clinic)
    t0 = time.perf_counter()
    pool = map_runners(runners, tempfile.mkdtemp(dir=work), workers=workers)
    pool_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        start_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        dsk = map_runners(runners, tempfile.mkdtemp(dir=work), dask_address=cluster.scheduler_address)
        dask_s = time.perf_counter() - t1
    assert list(pool["key"]) == list(dsk["key"])
    return {"runners": len(runners), "pool_s": pool_s, "dask_s": dask_s, "cluster_start_s": start_s}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100,1000", help="clinic sizes, runners (default 10,100,1000)")
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cost-runners", type=int, default=5, help="runners timed for the per-runner cost")
    ap.add_argument("--pooled-runners", type=int, default=10000)
    ap.add_argument("--pooled-seed", type=int, default=910000)
    ap.add_argument("--no-whole", action="store_true", help="time only the pooled fit, not the whole region")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--work", default=None, help="folder for runner folders and stores (kept; default a temp)")
    ap.add_argument("--quick", action="store_true", help="sizes 10,30; 2,000 pooled runners; 3 cost runners")
    ap.add_argument("--total-child", nargs=3, metavar=("CLINIC", "STORE", "WORKERS"), help=argparse.SUPPRESS)
    ap.add_argument("--pooled-child", nargs=3, metavar=("STORE", "STATUS", "WHOLE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.total_child:
        print(json.dumps(total_child(args.total_child[0], args.total_child[1], int(args.total_child[2]))))
        return 0
    if args.pooled_child:
        print(json.dumps(pooled_child(args.pooled_child[0], args.pooled_child[1], args.pooled_child[2] == "1")))
        return 0
    if args.quick:
        args.sizes, args.pooled_runners, args.cost_runners = "10,30", 2000, 3
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="cohort_speed_"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RUNLOG_CACHE_DIR", str(work / "cache"))
    print(f"cohort speed: {os.cpu_count()} cores, {args.workers} workers, {args.days} days per runner, "
          f"work {work}; {_load()}", flush=True)
    folders = runner_pool(work, max(sizes), args.days)

    print("\n1. per-runner cost, warm, one process", flush=True)
    c = per_runner_cost(folders[: args.cost_runners], Path(tempfile.mkdtemp(dir=work)))
    print(f"  cohort step {c['step_s']:.2f} s/runner ({c['step_cpu']:.2f} s CPU); one runner's report --no-pdf "
          f"--json (in process) {c['report_s']:.2f} s/runner ({c['report_cpu']:.2f} s CPU); ratio "
          f"{c['step_s'] / c['report_s']:.2f} (target <= 1) "
          f"over {c['runners']} runners; {_load()}", flush=True)

    print(f"\n2. total time (run_cohort, --workers {args.workers}, fresh store, child process per size)", flush=True)
    walls = []
    for n in sizes:
        clinic = clinic_of(work, folders[:n])
        r = _child(["--total-child", str(clinic), tempfile.mkdtemp(dir=work), str(args.workers)])
        walls.append(r["wall_s"])
        print(f"  {n:>5} runners: {r['wall_s']:7.1f} s wall ({r['wall_s'] / n:.2f} s/runner; CPU of all processes "
              f"{r['cpu_s']:.0f} s), {r['rows']} region-days, "
              f"{r['onsets']} onsets; peak RSS {r['rss_mb']:.0f} MB (largest worker {r['worker_rss_mb']:.0f} MB); "
              f"{_load()}", flush=True)
    if len(sizes) >= 2:
        b = exponent(sizes, walls)
        verdict = "ok" if b <= TARGET_EXPONENT else "ABOVE TARGET"
        print(f"  fitted exponent b (time ~ runners^b): {b:.2f} (target <= {TARGET_EXPONENT}) {verdict}")

    print(f"\n3. pooled fit, {args.pooled_runners} runners x {args.days} days, one region", flush=True)
    store, status_file = write_pooled_store(work, args.pooled_runners, args.days, args.pooled_seed)
    p = _child(["--pooled-child", str(store), str(status_file), "0" if args.no_whole else "1"])
    total = p["read_s"] + p["fit_s"]
    ok = "ok" if total < TARGET_POOLED_S and p["rss_fit_mb"] < TARGET_POOLED_GB * 1024 else "MISSED"
    print(f"  {p['rows']} at-risk days, {p['onsets']} onsets, adjustments {p['adjustments']}:\n"
          f"  DuckDB read {p['read_s']:.1f} s wall ({p['read_cpu_s']:.1f} s CPU), peak RSS {p['rss_read_mb']:.0f} MB;"
          f" conditional Poisson fit {p['fit_s']:.1f} s wall ({p['fit_cpu_s']:.1f} s CPU, {p['iterations']} Newton "
          f"steps); together {total:.1f} s, peak RSS {p['rss_fit_mb']:.0f} MB (target < {TARGET_POOLED_S:.0f} s and "
          f"{TARGET_POOLED_GB:.0f} GB) {ok}; {_load()}")
    if "region_s" in p:
        print(f"  the whole region (pooled fit, {p['per_runner_estimated']} per-runner fits, meta-analysis, "
              f"unstratified contrast): {p['region_s']:.1f} s, peak RSS {p['rss_mb']:.0f} MB")

    if not args.no_dask:
        print(f"\n4. Dask LocalCluster ({args.workers} worker processes) against the process pool", flush=True)
        d = dask_overhead(clinic_of(work, folders[: sizes[0]]), work, args.workers)
        if d is None:
            print("  dask.distributed not installed (pip install 'runlog[cohort]'): skipped")
        else:
            print(f"  {d['runners']} runners: process pool {d['pool_s']:.1f} s, Dask {d['dask_s']:.1f} s "
                  f"(overhead {d['dask_s'] - d['pool_s']:+.1f} s, {100 * (d['dask_s'] / d['pool_s'] - 1):+.0f} %); "
                  f"cluster start-up {d['cluster_start_s']:.1f} s apart; {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
