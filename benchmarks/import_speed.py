"""Import speed and memory of a whole FIT archive, against fitparse, in one run.

Builds an archive of N FIT files (copies of the real run files in
../shared/data/fit and of the sample's FIT files) and times, in this one run:

(a) the reference: a plain loop of fitparse 1.2.0 decoding every record message
    of every file into a pandas DataFrame;
(b) runlog's cold import (empty cache) through ``runlog runs`` (process start
    included);
(c) runlog's warm re-import of the unchanged archive;
(d) warm after adding one new file;
(e) reading the bytes alone, the floor;
and the decoder alone (in-process, one core). It prints each time, the ratios
(a)/(b) and (a)/(c), records per second, and the peak memory (RSS) of (b) at
1x, 4x and 16x the archive, with the time exponent over those sizes. It checks
that runlog's samples hold the same records as fitparse's (row counts, distance
and heart-rate sums) and says so.

Usage: ``python benchmarks/import_speed.py [--files N] [--sizes 1,4,16] [--quick]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED_FIT = REPO.parent / "shared" / "data" / "fit"
RUN_FILES = (
    "garmin_fenix2_run_dynamics.fit",
    "garmin_fenix5_run_short.fit",
    "garmin_fr110_run_2013.fit",
    "garmin_fr920xt_run_stryd.fit",
    "stryd_run_devfields.fit",
    "strava_export_venusq_run.fit.gz",
    "garmin_fr70_run_compressed_ts.fit",
)


def source_files() -> list[Path]:
    files = [SHARED_FIT / f for f in RUN_FILES if (SHARED_FIT / f).is_file()]
    sample = REPO / "data" / "sample"
    files += sorted(sample.rglob("*.fit.gz"))[:40] + sorted(sample.rglob("*.fit"))[:40]
    if not files:
        sys.exit("no FIT files found (../shared/data/fit or data/sample)")
    return files


def build_archive(folder: Path, n: int, files: list[Path]) -> list[Path]:
    """n plain .fit files (gzip sources decompressed), copies cycling over the sources."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    blobs = [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in files]
    for i in range(n):
        target = folder / f"run_{i:05d}.fit"
        target.write_bytes(blobs[i % len(blobs)])
        out.append(target)
    return out


def fitparse_reference(paths: list[Path]) -> tuple[float, pd.DataFrame]:
    """(a): fitparse 1.2.0, every record message of every file into one DataFrame."""
    import fitparse

    t0 = time.perf_counter()
    frames = []
    for p in paths:
        try:
            ff = fitparse.FitFile(str(p))
            rows = [m.get_values() for m in ff.get_messages("record")]
        except Exception:  # fitparse stops at damage: keep what it gave
            rows = []
        frames.append(pd.DataFrame(rows))
    df = pd.concat(frames, ignore_index=True)
    return time.perf_counter() - t0, df


def bytes_floor(paths: list[Path]) -> float:
    t0 = time.perf_counter()
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            total += len(fh.read())
    return time.perf_counter() - t0


RSS_WRAPPER = (
    "import resource, sys, time; from analysis.cli import main; t=time.perf_counter(); "
    "rc=main(sys.argv[1:]); dt=time.perf_counter()-t; "
    "s=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; c=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
    "print('BENCH', rc, dt, s, c, file=sys.stderr)"
)


def run_cli(folder: Path, cache_dir: Path) -> tuple[float, float, float]:
    """Wall time (process start included), in-process time, and peak RSS in MiB."""
    env = dict(os.environ, RUNLOG_CACHE_DIR=str(cache_dir))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, "runs", str(folder), "--no-progress", "--tz", "UTC"],
        capture_output=True, text=True, env=env, check=False,
    )
    wall = time.perf_counter() - t0
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH")]
    if proc.returncode != 0 or not line:
        sys.exit(f"runlog failed: {proc.stderr[-2000:]}")
    _, rc, inproc, self_kb, child_kb = line[-1].split()
    return wall, float(inproc), max(int(self_kb), int(child_kb)) / 1024


def python_start() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import analysis.cli"], check=True)
    return time.perf_counter() - t0


def cache_read_floor(cache_dir: Path) -> float:
    """A plain pyarrow read of every Parquet file in the cache."""
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    for p in sorted(cache_dir.rglob("*.parquet")):
        pq.read_table(p)
    return time.perf_counter() - t0


def decoder_alone(paths: list[Path]) -> tuple[float, pd.DataFrame]:
    """runlog's FIT reader in-process on one core, samples concatenated."""
    from analysis.io.fit import read_fit

    t0 = time.perf_counter()
    frames = [read_fit(p).samples for p in paths]
    df = pd.concat(frames, ignore_index=True)
    return time.perf_counter() - t0, df


def check_equal(ref: pd.DataFrame, ours: pd.DataFrame) -> str:
    """Same records: row counts, distance and heart-rate sums."""
    msgs = []
    ok = True
    if len(ref) != len(ours):
        ok = False
    msgs.append(f"records fitparse {len(ref):,} / runlog {len(ours):,}")
    for ref_col, our_col in (("distance", "distance_m"), ("heart_rate", "heart_rate_bpm")):
        a = float(pd.to_numeric(ref.get(ref_col), errors="coerce").sum()) if ref_col in ref else 0.0
        b = float(ours[our_col].sum()) if our_col in ours else 0.0
        same = math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        ok &= same
        msgs.append(f"{ref_col} sum {a:,.1f} / {b:,.1f}")
    return ("EQUAL: " if ok else "DIFFERENT: ") + "; ".join(msgs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=500, help="files in the 1x archive (500)")
    ap.add_argument("--sizes", default="1,4,16", help="archive multiples for the memory/exponent test")
    ap.add_argument("--quick", action="store_true", help="100 files, sizes 1,2,4")
    args = ap.parse_args(argv)
    if args.quick:
        args.files, args.sizes = 100, "1,2,4"
    sizes = [int(s) for s in args.sizes.split(",")]
    files = source_files()
    tmp = Path(tempfile.mkdtemp(prefix="runlog-bench-"))
    report: dict = {}
    try:
        base = build_archive(tmp / "x1", args.files, files)
        floor = bytes_floor(base)
        t_ref, ref = fitparse_reference(base)
        t_dec, ours = decoder_alone(base)
        start = python_start()
        cache = tmp / "cache-x1"
        t_cold, _, rss_cold = run_cli(tmp / "x1", cache)
        t_warm, t_warm_in, _ = run_cli(tmp / "x1", cache)
        t_pa = cache_read_floor(cache)
        extra = tmp / "x1" / "run_new.fit"
        shutil.copy(files[0] if files[0].suffix != ".gz" else base[0], extra)
        t_add, _, _ = run_cli(tmp / "x1", cache)
        n_rec = len(ref)
        print(f"archive: {args.files} FIT files, {sum(p.stat().st_size for p in base) / 2**20:.1f} MiB, "
              f"{n_rec:,} records")
        print(f"(e) bytes alone                : {floor:8.3f} s")
        print(f"(a) fitparse loop (reference)  : {t_ref:8.3f} s  {n_rec / t_ref:12,.0f} records/s")
        print(f"    runlog decoder alone, 1 core: {t_dec:8.3f} s  {n_rec / t_dec:12,.0f} records/s  "
              f"ratio a/decoder {t_ref / t_dec:6.1f}x")
        print(f"(b) runlog runs, cold          : {t_cold:8.3f} s  ratio a/b {t_ref / t_cold:6.1f}x")
        print(f"(c) runlog runs, warm          : {t_warm:8.3f} s  ratio a/c {t_ref / t_warm:6.1f}x")
        print(f"    warm beyond start-up {t_warm - start:.3f} s vs pyarrow read of the cache {t_pa:.3f} s "
              f"(python+import start-up {start:.3f} s)")
        print(f"(d) warm + one new file        : {t_add:8.3f} s  (one file's decode ~ {t_dec / args.files:.3f} s)")
        print("equality check: " + check_equal(ref, ours))
        report.update(files=args.files, records=n_rec, ref_s=t_ref, decoder_s=t_dec, cold_s=t_cold,
                      warm_s=t_warm, add_s=t_add, floor_s=floor)
        times, rss = {}, {}
        for k in sizes:
            folder = tmp / f"x{k}"
            if k != 1:
                build_archive(folder, args.files * k, files)
            t, _, r = run_cli(folder, tmp / f"cache-x{k}")
            times[k], rss[k] = t, r
            print(f"size {k:>2}x ({args.files * k:>6} files): cold {t:8.2f} s, peak RSS {r:8.1f} MiB")
        if len(sizes) > 1:
            lo, hi = min(sizes), max(sizes)
            expo = math.log(times[hi] / times[lo]) / math.log(hi / lo)
            print(f"time exponent over {lo}x..{hi}x: {expo:.2f} (target <= 1.1); "
                  f"peak RSS {hi}x / {lo}x: {rss[hi] / rss[lo]:.2f} (target <= 1.5)")
            report.update(exponent=expo, rss_ratio=rss[hi] / rss[lo])
        report.update(rss_cold_mib=rss_cold)
        print("json: " + json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
