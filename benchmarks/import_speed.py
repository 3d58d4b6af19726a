"""Import speed and memory of a whole FIT archive, against fitparse, in one run.

Builds an archive of N FIT files (copies of the real run files in
../shared/data/fit and of the sample's FIT files) and times, in this one run:

(a) the reference: a plain loop of fitparse 1.2.0 decoding every record message
    of every file into a pandas DataFrame;
(b) runlog's cold import (empty cache) through ``runlog runs`` (process start
    included);
(c) runlog's warm re-import of the unchanged archive (best of 3), and the same
    import in-process (``read_sources`` with runlog's modules loaded, best of 5)
    against a plain pyarrow read of the cache in that process;
(d) warm after adding one new file;
(e) reading the bytes alone, the floor;
and the decoder alone (runlog's FIT reader in-process, one core; and the fast
decoder's share of the files). It prints each time, the ratios (a)/(b), (a)/(c)
and (a)/decoder, records per second, CPU seconds, and the peak memory (RSS) of
(b) at 1x, 4x and 16x the archive (each with an empty cache), with the time
exponent over those sizes, and each figure against its target. It checks that
runlog's samples hold the same records as fitparse's (row counts, distance and
heart-rate sums) and says so.

Each copy is a run of its own, as in a real archive: every absolute FIT time in
it (any ``date_time`` / ``local_date_time`` field at or above 0x10000000) is
moved by a whole number of days, and the CRCs are written again, so copies
have their own ids and start times and are not merged as duplicates. Whole
days keep the low 5 bits of every time, so compressed timestamps stay valid.

Usage: ``python benchmarks/import_speed.py [--files N] [--sizes 1,4,16] [--quick]``

Apple Health (``--apple-mb MB``, instead of the FIT archive): a synthetic
``export.xml`` of MB megabytes, generated ``<Record>`` rows with workout
elements among them (the real watchOS 3.1 workout of
../shared/data/apple_health moved day by day, iOS 16+ runs with route files,
walks, rides and other apps' copies), is imported in this one run by (a) a
plain ``xml.etree.ElementTree.iterparse`` loop keeping the workouts (what the
common Apple Health parsers do), in this process, and (b) runlog's import in
this process (``read_sources``, no cache); then (c) a cold ``runlog runs`` in a
new process (start-up included) with its peak memory and (d) a warm re-import
from the cache; ``--apple-zip`` also times the same export as ``export.zip``. It
prints MB/s and CPU seconds, the ratio (a)/(b) against the target (10x), peak
memory against 300 MB, and checks that both found the same running workouts.

``python benchmarks/import_speed.py --apple-mb 200 [--apple-zip]``

``--large`` measures instead the inputs of a real archive or a clinic, each
imported cold (an empty cache, as a first ``runlog runs``) in a new process
beside its floor measured in another new process of the same run, with rows or
files per second and the peak memory (VmHWM) of both: a generic CSV of
``--csv-rows`` rows (2,000,000; floor: ``pandas.read_csv`` of the same file; the
reader alone, ``read_generic_csv`` without the loader under the import's
allocation settings, :mod:`analysis.ingest.allocation`, is timed too), a
Strava ``activities.csv`` of ``--strava-rows`` activities (20,000; copies of
the real 94-column export in ../shared/data/strava with their own ids and
dates; floor: ``pandas.read_csv``), and a folder of ``--fit-files`` FIT files
(5,000; floor: reading their bytes, and fitparse's records/s measured on 50 of
them). For the CSVs the CPU time of both sides (all threads) and the load
average are printed too: on a shared machine the CPU ratio moves less than the
wall-clock one.

``python benchmarks/import_speed.py --large [--csv-rows N] [--strava-rows N] [--fit-files N]``
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
#: ../shared/data beside the checkout, or $RUNLOG_SHARED_DATA (as tests/conftest.py: a git worktree's parent has none)
SHARED_DATA = Path(os.environ.get("RUNLOG_SHARED_DATA", REPO.parent / "shared" / "data"))
SHARED_FIT = SHARED_DATA / "fit"
RUN_FILES = (
    "garmin_fenix2_run_dynamics.fit",
    "garmin_fenix5_run_short.fit",
    "garmin_fr110_run_2013.fit",
    "garmin_fr920xt_run_stryd.fit",
    "stryd_run_devfields.fit",
    "strava_export_venusq_run.fit.gz",
    "garmin_fr70_run_compressed_ts.fit",
)
DAY_S = 86400
RELATIVE_TIME_LIMIT = 0x10000000
TARGETS = {
    "cold": 50.0,  # (a)/(b), process start included
    "decoder": 100.0,  # (a)/decoder alone
    "warm": 100.0,  # (a)/(c)
    "warm_vs_pyarrow": 2.0,  # (c) beyond start-up / plain pyarrow read of the cache
    "exponent": 1.1,
    "rss": 1.5,  # peak RSS at the largest size / smallest
}


def source_files() -> list[Path]:
    files = [SHARED_FIT / f for f in RUN_FILES if (SHARED_FIT / f).is_file()]
    sample = REPO / "data" / "sample"
    files += sorted(sample.rglob("*.fit.gz"))[:40] + sorted(sample.rglob("*.fit"))[:40]
    if not files:
        sys.exit("no FIT files found (../shared/data/fit or data/sample)")
    return files


# --------------------------------------------------------------------------- the archive


class Source:
    """A FIT file's bytes, where its absolute times are and where its CRCs go."""

    def __init__(self, blob: bytes):
        import fitdecode

        self.blob = blob
        times: list[tuple[int, str]] = []
        self.crcs: list[tuple[int, int]] = []  # (start of the FIT file, offset of its CRC)
        start = 0
        with fitdecode.FitReader(io.BytesIO(blob), keep_raw_chunks=True,
                                 check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    start = frame.chunk.offset
                elif isinstance(frame, fitdecode.FitCRC):
                    self.crcs.append((start, frame.chunk.offset))
                elif isinstance(frame, fitdecode.FitDataMessage):
                    offset = frame.chunk.offset + 1
                    for fdef in frame.def_mesg.field_defs:
                        kind = getattr(getattr(fdef.field, "type", None), "name", None)
                        if kind in ("date_time", "local_date_time") and fdef.size == 4:
                            times.append((offset, frame.def_mesg.endian))
                        offset += fdef.size
        self.times = {e: np.array([o for o, end in times if end == e], dtype=np.int64) for e in "<>"}

    def shifted(self, days: int) -> bytes:
        """The file with every absolute time ``days`` later, CRCs written again."""
        from fastcrc import crc16

        data = np.frombuffer(self.blob, dtype=np.uint8).copy()
        for endian, offsets in self.times.items():
            if len(offsets):
                at = offsets[:, None] + np.arange(4)
                values = data[at].copy().view(f"{endian}u4").ravel()
                absolute = (values >= RELATIVE_TIME_LIMIT) & (values != 0xFFFFFFFF)
                values[absolute] += days * DAY_S
                data[at] = values.view(np.uint8).reshape(-1, 4)
        out = bytearray(data.tobytes())
        for start, crc_at in self.crcs:
            out[crc_at : crc_at + 2] = crc16.arc(bytes(out[start:crc_at])).to_bytes(2, "little")
        return bytes(out)


def load_sources(files: list[Path]) -> list[Source]:
    return [Source(gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()) for p in files]


def build_archive(folder: Path, n: int, sources: list[Source], first: int = 0) -> list[Path]:
    """n plain .fit files, copies cycling over the sources, copy i moved by i // len(sources) days."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(first, first + n):
        target = folder / f"run_{i:05d}.fit"
        target.write_bytes(sources[i % len(sources)].shifted(i // len(sources)))
        out.append(target)
    return out


# --------------------------------------------------------------------------- the measurements


def fitparse_reference(paths: list[Path]) -> tuple[float, float, pd.DataFrame]:
    """(a): fitparse 1.2.0, every record message of every file into one DataFrame (wall and CPU seconds)."""
    import fitparse

    c0, t0 = time.process_time(), time.perf_counter()
    frames = []
    for p in paths:
        try:
            ff = fitparse.FitFile(str(p))
            rows = [m.get_values() for m in ff.get_messages("record")]
        except Exception:  # fitparse stops at damage: keep what it gave
            rows = []
        frames.append(pd.DataFrame(rows))
    df = pd.concat(frames, ignore_index=True)
    return time.perf_counter() - t0, time.process_time() - c0, df


def bytes_floor(paths: list[Path]) -> float:
    t0 = time.perf_counter()
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            total += len(fh.read())
    return time.perf_counter() - t0


#: runs ``runlog`` and reports its peak memory: the process's own from /proc (VmHWM: ru_maxrss of
#: a process started from a big one counts the starter's memory at exec), its worker processes'
#: from ru_maxrss (forked, not exec'd), and CPU seconds of both.
RSS_WRAPPER = (
    "import re, resource, sys, time; t=time.perf_counter(); from analysis.cli import main; "
    "rc=main(sys.argv[1:]); dt=time.perf_counter()-t; "
    "s=resource.getrusage(resource.RUSAGE_SELF); c=resource.getrusage(resource.RUSAGE_CHILDREN); "
    "hwm=int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
    "print('BENCH', rc, dt, hwm, c.ru_maxrss, s.ru_utime+s.ru_stime, c.ru_utime+c.ru_stime, "
    "file=sys.stderr)"
)


def run_cli(folder: Path, cache_dir: Path) -> dict:
    """``runlog runs`` in a new process: wall time (start included), CPU seconds, peak RSS in MiB."""
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
    _, rc, inproc, self_kb, child_kb, self_cpu, child_cpu = line[-1].split()
    runs = next((ln for ln in proc.stdout.splitlines() if ln.endswith((" km", " mi")) and " runs, " in ln), "")
    return {"wall": wall, "inproc": float(inproc), "rss": max(int(self_kb), int(child_kb)) / 1024,
            "rss_main": int(self_kb) / 1024, "rss_worker": int(child_kb) / 1024,
            "cpu": float(self_cpu) + float(child_cpu), "runs": runs}


#: the modules a warm ``runlog runs`` imports beyond ``analysis.cli`` (its start-up)
WARM_MODULES = "analysis.cli, analysis.pipeline, analysis.ingest.cache, analysis.footwear, analysis.ingest.importlog"


def python_start(modules: str = "analysis.cli", repeats: int = 3) -> float:
    """Best of ``repeats`` starts of a new Python importing ``modules``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {modules}"], check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def warm_in_process(folder: Path, cache_dir: Path) -> dict:
    """(c) without start-up: ``read_sources`` from the warm cache vs pyarrow reading it, in a new process."""
    proc = subprocess.run([sys.executable, __file__, "--warm-child", str(folder), str(cache_dir)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"warm in-process measurement failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def _warm_child(folder: Path, cache_dir: Path, repeats: int = 5) -> None:
    """Run by :func:`warm_in_process`: best of ``repeats`` of each, runlog's modules and pyarrow loaded.

    The import is what ``runlog runs`` does (``tz=UTC``, no samples); it must
    decode nothing (counted), or it is not a warm import.
    """
    import pyarrow.parquet as pq

    import analysis.ingest.loader as loader
    from analysis.ingest.cache import Cache

    decoded = []
    real = loader._read_item
    loader._read_item = lambda item, **kw: decoded.append(item.label) or real(item, **kw)
    files = sorted(cache_dir.rglob("*.parquet"))
    read_s, floor_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = loader.read_sources([folder], tz="UTC", cache=Cache(cache_dir), progress=False, workers=1,
                                  samples=False)
        read_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in files:
            pq.read_table(p)
        floor_s.append(time.perf_counter() - t0)
    print(json.dumps({"read_s": min(read_s), "pyarrow_s": min(floor_s), "decoded": len(decoded),
                      "runs": len(res.runs)}))


def cache_read_floor(cache_dir: Path) -> float:
    """A plain pyarrow read of every Parquet file in the cache."""
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    for p in sorted(cache_dir.rglob("*.parquet")):
        pq.read_table(p)
    return time.perf_counter() - t0


def decoder_alone(paths: list[Path]) -> tuple[float, float, pd.DataFrame, Counter]:
    """runlog's FIT reader in-process on one core, samples concatenated; and which decoder read each file."""
    from analysis.io import fit

    used: Counter = Counter()
    real = fit._decode

    def counting(data, **kw):
        dec = real(data, **kw)
        used[dec.decoder if dec.fallback_reason is None else f"fitdecode ({dec.fallback_reason})"] += 1
        return dec

    fit._decode = counting
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        frames = [fit.read_fit(p).samples for p in paths]
        df = pd.concat(frames, ignore_index=True)
        return time.perf_counter() - t0, time.process_time() - c0, df, used
    finally:
        fit._decode = real


def fast_decode_only(paths: list[Path]) -> float:
    """The fast decoder alone (bytes to columns), for the files it handles."""
    from analysis.io import fit_fast

    blobs = [p.read_bytes() for p in paths]
    t0 = time.perf_counter()
    for blob in blobs:
        with contextlib.suppress(fit_fast.Unsupported):
            fit_fast.decode(blob)
    return time.perf_counter() - t0


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


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    return value


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    met = value >= target if higher_is_better else value <= target
    return f"(target {'>=' if higher_is_better else '<='} {target:g}: {'met' if met else 'NOT met'})"


# --------------------------------------------------------------------------- Apple Health

APPLE_TARGETS = {"ratio": 10.0, "rss_mib": 300.0}


def build_apple_export(folder: Path, megabytes: float, seed: int = 0) -> tuple[Path, int]:
    """A synthetic Apple Health export folder of about ``megabytes`` MB; (its export.xml, running workouts)."""
    sys.path.insert(0, str(REPO))
    from tests.io import apple_export as ae

    root = folder / "apple_health_export"
    (root / "workout-routes").mkdir(parents=True, exist_ok=True)
    pool = ae.records(20_000, seed=seed).encode()
    target = int(megabytes * 1e6)
    n_blocks = max(1, round(target / len(pool)))
    day0 = pd.Timestamp("2019-01-05T06:30:00Z")
    shared = SHARED_DATA
    runs = 0
    with open(root / "export.xml", "wb") as out:
        out.write(ae.DTD.encode())
        for k in range(n_blocks):
            out.write(pool)
            day = day0 + pd.Timedelta(days=3 * k)
            if (shared / "apple_health" / "export.xml").is_file():  # the real fragment, moved
                out.write(ae.real_workout(shared, day_shift=(day - pd.Timestamp("2016-11-14", tz="UTC")).days)
                          .encode())
                runs += 1
            run = ae.Run(day + pd.Timedelta(days=1), 45.0, 9.2, routes=[f"route_{k}_a.gpx", f"route_{k}_b.gpx"])
            copy = ae.Run(run.start, 45.0, 9.4, source="Strava", watch=False, zone=None, offset_s=3)
            walk = ae.Run(day + pd.Timedelta(days=2), 30.0, 2.5, kind="Walking")
            for w in (run, copy, walk):
                out.write(ae.workout_xml(w).encode())
            runs += 2
            for rel, data in ae.route_files([run]).items():
                (root / rel).write_bytes(data)
        out.write(ae.TAIL.encode())
    return root / "export.xml", runs


def iterparse_reference(path: Path) -> tuple[float, float, int]:
    """(a): ``ElementTree.iterparse`` over the whole file, keeping the workouts' attributes and statistics.

    Returns wall and CPU seconds and the number of running workouts found.
    """
    from xml.etree import ElementTree as ET

    c0, t0 = time.process_time(), time.perf_counter()
    workouts = []
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "Workout":
            stats = {s.get("type"): dict(s.attrib) for s in elem.iter("WorkoutStatistics")}
            workouts.append((dict(elem.attrib), stats))
            elem.clear()
        elif elem.tag in ("Record", "ActivitySummary", "Correlation"):
            elem.clear()
    running = sum(a.get("workoutActivityType") == "HKWorkoutActivityTypeRunning" for a, _ in workouts)
    return time.perf_counter() - t0, time.process_time() - c0, running


def apple_in_process(folder: Path) -> tuple[float, float, int]:
    """runlog's import in this process (``read_sources``: find, detect, read, merge; no cache), as the
    reference runs in this process: wall and CPU seconds, and the running workouts in the import log."""
    from analysis.ingest import read_sources

    c0, t0 = time.process_time(), time.perf_counter()
    res = read_sources([folder], tz="UTC", progress=False)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    log = res.log
    running = int(((log["status"].isin(["imported", "duplicate"])) & log["row"].notna()).sum())
    return elapsed, cpu, running


def apple_main(megabytes: float, with_zip: bool) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="runlog-bench-apple-"))
    try:
        t0 = time.perf_counter()
        xml, expected = build_apple_export(tmp / "in", megabytes)
        mb = xml.stat().st_size / 1e6
        print(f"synthetic export: {mb:,.0f} MB export.xml, {expected} running workouts (half of them another "
              f"app's copy), built in {time.perf_counter() - t0:.0f} s; machine: {os.cpu_count()} cores")
        t_floor = bytes_floor([xml])
        t_ref, cpu_ref, ref_runs = iterparse_reference(xml)
        folder = xml.parent.parent
        t_in, cpu_in, our_runs = apple_in_process(folder)
        cold = run_cli(folder, tmp / "cache")
        warm = min((run_cli(folder, tmp / "cache") for _ in range(2)), key=lambda r: r["wall"])
        print(f"(e) bytes alone                     : {t_floor:8.2f} s  {mb / t_floor:8.0f} MB/s")
        print(f"(a) ElementTree.iterparse loop (ref): {t_ref:8.2f} s  {mb / t_ref:8.1f} MB/s; CPU {cpu_ref:.1f} s")
        print(f"(b) runlog import, in-process      : {t_in:8.2f} s  {mb / t_in:8.1f} MB/s  ratio a/b "
              f"{t_ref / t_in:6.1f}x {verdict(t_ref / t_in, APPLE_TARGETS['ratio'])}; CPU {cpu_in:.2f} s, "
              f"CPU ratio {cpu_ref / cpu_in:.1f}x")
        print(f"(c) runlog runs, cold (new process) : {cold['wall']:8.2f} s  {mb / cold['wall']:8.1f} MB/s  "
              f"ratio a/c {t_ref / cold['wall']:6.1f}x (Python and pandas start-up included); CPU "
              f"{cold['cpu']:.2f} s; peak RSS {cold['rss']:.0f} MiB "
              f"{verdict(cold['rss'], APPLE_TARGETS['rss_mib'], False)}; {cold['runs']}")
        print(f"(d) runlog runs, warm (cache)       : {warm['wall']:8.2f} s; CPU {warm['cpu']:.2f} s; "
              f"peak RSS {warm['rss']:.0f} MiB")
        report = {"mb": mb, "ref_s": t_ref, "ref_cpu_s": cpu_ref, "import_s": t_in, "import_cpu_s": cpu_in,
                  "cold_s": cold["wall"], "cold_cpu_s": cold["cpu"], "warm_s": warm["wall"],
                  "rss_cold_mib": cold["rss"], "ratio": t_ref / t_in, "ratio_cold_cli": t_ref / cold["wall"]}
        if with_zip:
            import zipfile

            z = tmp / "zip" / "export.zip"
            z.parent.mkdir()
            t0 = time.perf_counter()
            with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for p in sorted(xml.parent.rglob("*")):
                    if p.is_file():
                        zf.write(p, p.relative_to(folder).as_posix())
            zmb = z.stat().st_size / 1e6
            print(f"    export.zip: {zmb:,.0f} MB compressed, written in {time.perf_counter() - t0:.0f} s")
            zcold = run_cli(z, tmp / "cache-zip")
            print(f"(c') runlog runs, cold, export.zip  : {zcold['wall']:8.2f} s  {mb / zcold['wall']:8.1f} MB/s of "
                  f"XML  ratio a/c' {t_ref / zcold['wall']:6.1f}x; CPU {zcold['cpu']:.2f} s; peak RSS "
                  f"{zcold['rss']:.0f} MiB {verdict(zcold['rss'], APPLE_TARGETS['rss_mib'], False)}")
            report.update(zip_cold_s=zcold["wall"], rss_zip_mib=zcold["rss"])
        same = ref_runs == our_runs == expected
        print(f"equality check: {'EQUAL' if same else 'DIFFERENT'}: running workouts iterparse {ref_runs} / "
              f"runlog {our_runs} / built {expected}")
        print("json: " + json.dumps(_rounded(report)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


# --------------------------------------------------------------------------- large inputs

LARGE_TARGETS = {"csv": 10.0}  # runlog / pandas.read_csv of the same generic CSV


def write_generic_csv(path: Path, rows: int) -> None:
    """A generic canonical CSV: start_time (UTC, ISO 8601), distance, time, sport, shoe, name; no ids."""
    rng = np.random.default_rng(0)
    # 50 min apart and each over before the next starts, so that no two are one run to the merge (runs minutes
    # apart or overlapping are compared pairwise, as a watch's file and its Strava row are): 2 million runs from
    # 1900 reach 2090, inside the years a run may be dated in (schema.PLAUSIBLE_YEARS). Until session 6 they
    # were 2 h apart from 1700, and from then on 1.1 million of them were failed rows, not runs.
    start = pd.Timestamp("1900-01-01T06:00:00Z") + pd.to_timedelta(np.arange(rows) * 3000, unit="s")
    frame = pd.DataFrame({
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "distance_m": rng.integers(2_000, 30_000, rows),
        "moving_time_s": rng.integers(600, 2_900, rows),  # each run over before the next starts
        "sport": rng.choice(["running", "trail_running", "treadmill"], rows),
        "gear_name": rng.choice(["Vivobarefoot Primus", "Kinvara 14", "Merrell Vapor Glove"], rows),
        "name": rng.choice(["Morning run", "Evening run", "Long run, easy"], rows),
    })
    frame.to_csv(path, index=False)


def write_strava_csv(path: Path, rows: int) -> None:
    """Copies of a real Strava activities.csv's rows, each with its own Activity ID and start time.

    The copies start 6 h apart from the file's first date on (its longest activity lasts 2.1 h), so that
    no two overlap in time: overlapping runs are compared pairwise by the merge, as a watch's file and its
    Strava row are (copies shifted by whole days overlapped some 2 in 3 times, and that was measured).
    """
    import csv as csv_module

    from analysis.simulate.strava_csv import strava_date

    real = SHARED_DATA / "strava" / "azaidrahman_94col_activities.csv"
    with open(real, newline="", encoding="utf-8") as fh:
        header, *records = list(csv_module.reader(fh))
    first = pd.to_datetime([r[1] for r in records], format="%b %d, %Y, %I:%M:%S %p", utc=True).min()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv_module.writer(fh)
        out.writerow(header)
        for i in range(rows):
            row = list(records[i % len(records)])
            row[0] = str(10_000_000_000 + i)
            row[1] = strava_date(first + pd.Timedelta(hours=6 * i))
            out.writerow(row)


def _large_child(kind: str, path: Path) -> None:
    """Run by :func:`large_measure` in a new process: one import or one floor; prints a JSON line."""
    if kind in ("runlog", "reader"):  # its modules loaded first, as pandas is for the floor: the import is timed
        from analysis.ingest.cache import Cache
        from analysis.ingest.loader import KINDS, _load, read_sources
        from analysis.io import fit, generic_csv, strava  # noqa: F401

        for known in KINDS:  # every reader the detection tries (was: these three only, ~0.3 s CPU timed)
            _load(known)
    t0, c0 = time.perf_counter(), time.process_time()
    if kind == "pandas":
        n = len(pd.read_csv(path))
    elif kind == "reader":  # the generic CSV reader alone, without the loader (cache, merge, log)
        from analysis.ingest.allocation import import_allocation

        with import_allocation():  # as read_sources runs it, so that the difference is the loader's share
            n = len(generic_csv.read_generic_csv(path, tz="UTC").log)
    elif kind == "bytes":
        n = 0
        for p in sorted(path.iterdir()):
            n += len(p.read_bytes()) > 0
    else:
        cache_dir = Path(tempfile.mkdtemp(prefix="runlog-bench-cache-"))
        try:
            res = read_sources([path], tz="UTC", cache=Cache(cache_dir), progress=False, samples=False)
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
        n = int(res.log["row"].notna().sum()) if path.is_file() else int(res.log["source_file"].nunique())
        imported = int((res.log["status"] == "imported").sum())
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    hwm = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
    out = {"s": elapsed, "cpu_s": cpu, "n": n, "rss_mib": hwm / 1024, "load": os.getloadavg()[0]}
    if kind == "runlog":
        out["imported"] = imported  # runs, not failed rows: a generator whose rows fail would time the wrong thing
    print(json.dumps(out))


def large_measure(kind: str, path: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--large-child", kind, str(path)], capture_output=True,
                          text=True, check=False, env=dict(os.environ, PYTHONPATH=str(REPO)))
    if proc.returncode != 0:
        sys.exit(f"large-input measurement {kind} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def large_inputs(csv_rows: int, strava_rows: int, fit_files: int) -> dict:
    """The three large inputs, each against its floor; returns the figures."""
    tmp = Path(tempfile.mkdtemp(prefix="runlog-bench-large-"))
    out: dict = {}
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        for name, rows, write in (("csv", csv_rows, write_generic_csv), ("strava", strava_rows, write_strava_csv)):
            if not rows:
                continue
            path = tmp / ("activities.csv" if name == "strava" else "runs.csv")
            write(path, rows)
            floor, ours = large_measure("pandas", path), large_measure("runlog", path)
            reader = large_measure("reader", path) if name == "csv" else None
            ratio = ours["s"] / floor["s"]
            target = LARGE_TARGETS.get(name)
            print(f"{name:>6}: {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB: runlog {ours['s']:.2f} s "
                  f"({rows / ours['s']:,.0f} rows/s, peak RSS {ours['rss_mib']:.0f} MiB, {ours['n']:,} rows logged, {ours.get('imported', 0):,} runs imported); "
                  f"pandas.read_csv {floor['s']:.2f} s ({rows / floor['s']:,.0f} rows/s, peak RSS "
                  f"{floor['rss_mib']:.0f} MiB); ratio {ratio:.1f}x"
                  + (f" {verdict(ratio, target, False)}" if target else ""))
            print(f"        CPU (all threads) runlog {ours['cpu_s']:.2f} s, pandas.read_csv {floor['cpu_s']:.2f} s: "
                  f"{ours['cpu_s'] / floor['cpu_s']:.1f}x; load average {floor['load']:.1f} / {ours['load']:.1f} "
                  "after the floor / the import")
            out[name] = {"rows": rows, "runlog_s": ours["s"], "pandas_s": floor["s"], "ratio": ratio,
                         "runlog_cpu_s": ours["cpu_s"], "pandas_cpu_s": floor["cpu_s"], "load": ours["load"],
                         "rss_mib": ours["rss_mib"], "pandas_rss_mib": floor["rss_mib"], "logged": ours["n"]}
            if reader is not None:
                print(f"        the reader alone (read_generic_csv, no cache, merge or log): {reader['s']:.2f} s, "
                      f"{reader['s'] / floor['s']:.1f}x pandas.read_csv; the loader's share {ours['s'] - reader['s']:.2f} s")
                out[name].update(reader_s=reader["s"], reader_ratio=reader["s"] / floor["s"])
            path.unlink()
        if fit_files:
            folder = tmp / "fit"
            build_archive(folder, fit_files, load_sources(source_files()))
            floor, ours = large_measure("bytes", folder), large_measure("runlog", folder)
            t_ref, _, ref = fitparse_reference(sorted(folder.iterdir())[:50])
            print(f"   fit: {fit_files:,} files, {sum(p.stat().st_size for p in folder.iterdir()) / 2**20:.0f} MiB: "
                  f"runlog {ours['s']:.2f} s ({fit_files / ours['s']:,.0f} files/s, peak RSS {ours['rss_mib']:.0f} MiB, "
                  f"{ours['n']:,} files logged); reading the bytes {floor['s']:.2f} s "
                  f"({fit_files / floor['s']:,.0f} files/s); fitparse {50 / t_ref:.1f} files/s on 50 of them "
                  f"({len(ref) / t_ref:,.0f} records/s)")
            out["fit"] = {"files": fit_files, "runlog_s": ours["s"], "bytes_s": floor["s"],
                          "rss_mib": ours["rss_mib"], "fitparse_files_per_s": 50 / t_ref}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("json: " + json.dumps(_rounded(out)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=500, help="files in the 1x archive (500)")
    ap.add_argument("--sizes", default="1,4,16", help="archive multiples for the memory/exponent test")
    ap.add_argument("--quick", action="store_true", help="100 files, sizes 1,2,4")
    ap.add_argument("--warm-child", nargs=2, metavar=("FOLDER", "CACHE"), help=argparse.SUPPRESS)
    ap.add_argument("--apple-mb", type=float, default=0.0,
                    help="measure an Apple Health export.xml of this many MB instead of the FIT archive")
    ap.add_argument("--apple-zip", action="store_true", help="with --apple-mb: also import it as export.zip")
    ap.add_argument("--large", action="store_true", help="the large inputs instead (see the docstring)")
    ap.add_argument("--csv-rows", type=int, default=2_000_000, help="rows of the generic CSV (--large)")
    ap.add_argument("--strava-rows", type=int, default=20_000, help="activities in activities.csv (--large)")
    ap.add_argument("--fit-files", type=int, default=5_000, help="FIT files in the folder (--large)")
    ap.add_argument("--large-child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.warm_child:
        _warm_child(*map(Path, args.warm_child))
        return 0
    if args.apple_mb:
        return apple_main(args.apple_mb, args.apple_zip)
    if args.large_child:
        _large_child(args.large_child[0], Path(args.large_child[1]))
        return 0
    if args.large:
        large_inputs(args.csv_rows, args.strava_rows, args.fit_files)
        return 0
    if args.quick:
        args.files, args.sizes = 100, "1,2,4"
    sizes = [int(s) for s in args.sizes.split(",")]
    sources = load_sources(source_files())
    tmp = Path(tempfile.mkdtemp(prefix="runlog-bench-"))
    report: dict = {}
    try:
        base = build_archive(tmp / "x1", args.files, sources)
        floor = bytes_floor(base)
        t_ref, cpu_ref, ref = fitparse_reference(base)
        t_dec, cpu_dec, ours, used = decoder_alone(base)
        t_fast = fast_decode_only(base)
        start = python_start()
        start_loaded = python_start(WARM_MODULES)
        cache = tmp / "cache-x1"
        cold = run_cli(tmp / "x1", cache)
        warm = min((run_cli(tmp / "x1", cache) for _ in range(3)), key=lambda r: r["wall"])
        t_pa = cache_read_floor(cache)
        inproc = warm_in_process(tmp / "x1", cache)
        (new,) = build_archive(tmp / "x1", 1, sources, first=args.files)  # a new run, not a copy of one
        add = run_cli(tmp / "x1", cache)
        new.unlink()
        n_rec = len(ref)
        size_mib = sum(p.stat().st_size for p in base) / 2**20
        print(f"archive: {args.files} FIT files, {size_mib:.1f} MiB, {n_rec:,} records; machine: "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end of (a)")
        print(f"(e) bytes alone                 : {floor:8.3f} s")
        print(f"(a) fitparse loop (reference)   : {t_ref:8.3f} s  {n_rec / t_ref:12,.0f} records/s; "
              f"CPU {cpu_ref:.2f} s")
        print(f"    runlog FIT reader, 1 core   : {t_dec:8.3f} s  {n_rec / t_dec:12,.0f} records/s  "
              f"ratio a/decoder {t_ref / t_dec:6.1f}x {verdict(t_ref / t_dec, TARGETS['decoder'])}; "
              f"CPU {cpu_dec:.3f} s, CPU ratio {cpu_ref / cpu_dec:.1f}x")
        print(f"    fast decoder, bytes->columns: {t_fast:8.3f} s  {n_rec / t_fast:12,.0f} records/s")
        print("    files read by: " + ", ".join(f"{k} {v}" for k, v in used.most_common()))
        print(f"(b) runlog runs, cold           : {cold['wall']:8.3f} s  ratio a/b {t_ref / cold['wall']:6.1f}x "
              f"{verdict(t_ref / cold['wall'], TARGETS['cold'])}; CPU {cold['cpu']:.2f} s; {cold['runs']}")
        beyond = warm["wall"] - start
        print(f"(c) runlog runs, warm           : {warm['wall']:8.3f} s  ratio a/c {t_ref / warm['wall']:6.1f}x "
              f"{verdict(t_ref / warm['wall'], TARGETS['warm'])}; CPU {warm['cpu']:.2f} s")
        print(f"    warm beyond start-up {beyond:.3f} s vs pyarrow read of the cache {t_pa:.3f} s: "
              f"{beyond / t_pa:.1f}x {verdict(beyond / t_pa, TARGETS['warm_vs_pyarrow'], False)} "
              f"(python + import analysis.cli {start:.3f} s)")
        beyond_loaded = warm["wall"] - start_loaded
        print(f"    warm beyond start-up and imports {beyond_loaded:.3f} s vs {t_pa:.3f} s: "
              f"{beyond_loaded / t_pa:.1f}x {verdict(beyond_loaded / t_pa, TARGETS['warm_vs_pyarrow'], False)} "
              f"(python + import of runlog's modules {start_loaded:.3f} s)")
        ratio = inproc["read_s"] / inproc["pyarrow_s"]
        print(f"    in-process read_sources, warm {inproc['read_s']:.3f} s vs pyarrow read of the cache "
              f"{inproc['pyarrow_s']:.3f} s: {ratio:.1f}x {verdict(ratio, TARGETS['warm_vs_pyarrow'], False)} "
              f"({inproc['runs']} runs, {inproc['decoded']} files decoded)")
        print(f"(d) warm + one new file         : {add['wall']:8.3f} s  (one file's read ~ {t_dec / args.files:.3f} s)")
        print("equality check: " + check_equal(ref, ours))
        report.update(files=args.files, records=n_rec, ref_s=t_ref, ref_cpu_s=cpu_ref, decoder_s=t_dec,
                      decoder_cpu_s=cpu_dec, cold_cpu_s=cold["cpu"], warm_cpu_s=warm["cpu"], fast_decode_s=t_fast,
                      cold_s=cold["wall"], warm_s=warm["wall"], add_s=add["wall"], floor_s=floor,
                      start_s=start, start_loaded_s=start_loaded, pyarrow_cache_s=t_pa,
                      warm_inproc_s=inproc["read_s"], pyarrow_inproc_s=inproc["pyarrow_s"])
        times, rss = {}, {}
        for k in sizes:
            folder = tmp / "x1" if k == 1 else tmp / f"x{k}"
            if k != 1:
                build_archive(folder, args.files * k, sources)
            run = run_cli(folder, tmp / f"cache-size-{k}")  # an empty cache for each size
            times[k], rss[k] = run["wall"], run["rss"]
            n_files = sum(1 for _ in folder.iterdir())
            print(f"size {k:>2}x ({n_files:>6} files): cold {run['wall']:8.2f} s, CPU {run['cpu']:8.2f} s, "
                  f"peak RSS {run['rss']:8.1f} MiB (main process {run['rss_main']:.1f}, "
                  f"workers {run['rss_worker']:.1f})")
            if k != 1:
                shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(tmp / f"cache-size-{k}", ignore_errors=True)
        if len(sizes) > 1:
            lo, hi = min(sizes), max(sizes)
            expo = math.log(times[hi] / times[lo]) / math.log(hi / lo)
            print(f"time exponent over {lo}x..{hi}x: {expo:.2f} {verdict(expo, TARGETS['exponent'], False)}; "
                  f"peak RSS {hi}x / {lo}x: {rss[hi] / rss[lo]:.2f} {verdict(rss[hi] / rss[lo], TARGETS['rss'], False)}")
            report.update(exponent=expo, rss_ratio=rss[hi] / rss[lo], times=times, rss_mib=rss)
        report.update(rss_cold_mib=cold["rss"])
        print("json: " + json.dumps(_rounded(report)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
