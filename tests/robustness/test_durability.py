"""Durability: a process killed in the middle of writing leaves the previous output intact.

A child process writes a large runs frame over and over (``runlog runs -o``'s
:func:`analysis.cli.write_atomic`), or re-imports a folder through the import
cache (:mod:`analysis.ingest.cache`); the parent kills it with SIGKILL after a random
delay (fixed seed). The output must then parse and equal one of the complete
versions, and the cache must give exactly what a fresh read gives; the
temporary files a kill leaves in the cache go when the cache is next opened.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.cli import write_atomic
from analysis.ingest.cache import Cache
from analysis.ingest.loader import KINDS_SIGNATURE, read_sources

REPO = Path(__file__).resolve().parents[2]
KILLS = 4

WRITER = """
import sys
import pandas as pd
from pathlib import Path
from analysis.cli import write_atomic
target = Path(sys.argv[1])
frames = [pd.read_pickle(sys.argv[2]), pd.read_pickle(sys.argv[3])]
print("ready", flush=True)
i = 0
while True:
    write_atomic(frames[i % 2], target)
    i += 1
"""

REIMPORTER = """
import os, shutil, sys
from pathlib import Path
from analysis.ingest.loader import read_sources
from analysis.ingest.cache import Cache
folder, cache_root = Path(sys.argv[1]), Path(sys.argv[2])
versions = [Path(p) for p in sys.argv[3:]]
print("ready", flush=True)
i = 0
while True:
    for k, name in enumerate(("a.fit", "b.fit")):  # every input changes between imports
        tmp = folder / ".next.fit"
        shutil.copy(versions[(i + k) % len(versions)], tmp)
        os.replace(tmp, folder / name)
    read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
    i += 1
"""


def _runs_frame(n: int, distance_m: float) -> pd.DataFrame:
    start = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.arange(n) * 3600, unit="s")
    frame = pd.DataFrame({
        "activity_id": [f"csv:{i:012x}" for i in range(n)],
        "start_time": start,
        "date": start.tz_localize(None).normalize(),
        "sport": "running",
        "name": [f"Run number {i} with a longer name to make the file big" for i in range(n)],
        "distance_m": distance_m + np.arange(n) % 1000,
        "moving_time_s": 1800.0,
        "source": "csv",
        "source_file": "runs.csv",
    })
    return schema.coerce_runs(frame)


def _child(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, env=env, cwd=REPO)
    assert proc.stdout.readline().strip() == b"ready"
    return proc


def _kill_after(proc: subprocess.Popen, delay_s: float) -> None:
    time.sleep(delay_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_atomic_survives_sigkill(tmp_path, suffix):
    a, b = _runs_frame(60_000, 5000.0), _runs_frame(60_000, 10_000.0)
    for name, frame in (("a", a), ("b", b)):
        frame.to_pickle(tmp_path / f"{name}.pkl")
        write_atomic(frame, tmp_path / f"ref_{name}{suffix}")
    refs = [(tmp_path / f"ref_{n}{suffix}").read_bytes() for n in "ab"]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / f"runs{suffix}"
    write_atomic(a, target)  # the previous output
    t0 = time.perf_counter()
    write_atomic(b, tmp_path / f"timing{suffix}")
    one_write_s = time.perf_counter() - t0
    rng = random.Random(20250301)
    for _ in range(KILLS):
        proc = _child(WRITER, str(target), str(tmp_path / "a.pkl"), str(tmp_path / "b.pkl"))
        _kill_after(proc, rng.uniform(0.2, 0.2 + 3 * one_write_s))
        got = target.read_bytes()
        if suffix == ".csv":
            assert got in refs  # byte for byte one complete version
        else:
            back = pd.read_parquet(target)
            assert back.equals(pd.read_parquet(tmp_path / "ref_a.parquet")) or back.equals(
                pd.read_parquet(tmp_path / "ref_b.parquet"))
    leftovers = [p.name for p in out_dir.iterdir() if p != target]
    # a kill can leave the temporary file of the interrupted write: hidden, never the output's name
    assert all(n.startswith(f".runs{suffix}.") for n in leftovers)


def _versions(shared_data: Path) -> list[Path]:
    fit = shared_data / "fit"
    return [fit / "garmin_fenix5_run_short.fit", fit / "garmin_fr110_run_2013.fit",
            fit / "garmin_fr70_run_compressed_ts.fit"]


def test_import_cache_survives_sigkill(tmp_path, shared_data):
    """Killed while importing (reading, writing chunks, the index, compacting): the cache stays right.

    Every input changes between imports, so each chunk's inputs go stale together
    (see the next test for a chunk holding stale and live inputs at once).
    """
    versions = _versions(shared_data)
    folder = tmp_path / "runs"
    folder.mkdir()
    cache_root = tmp_path / "cache"
    rng = random.Random(7)
    for _ in range(KILLS):
        proc = _child(REIMPORTER, str(folder), str(cache_root), *map(str, versions))
        _kill_after(proc, rng.uniform(0.3, 3.0))
        left = _age_temporary_files(cache_root)  # as if the next import came minutes later
        fresh = read_sources([folder], progress=False, workers=1)
        cached = read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
        pd.testing.assert_frame_equal(cached.runs.sort_index(), fresh.runs.sort_index())
        pd.testing.assert_frame_equal(cached.log.sort_values("source_file").reset_index(drop=True),
                                      fresh.log.sort_values("source_file").reset_index(drop=True))
        assert len(cached.samples) == len(fresh.samples)
        # whichever runs the child left in a.fit and b.fit (the same one twice if killed between the two)
        assert len(fresh.runs) in (1, 2) and len(fresh.log) == 2
        assert not [p for p in left if p.exists()]  # what the kill left was removed on opening


def _age_temporary_files(cache_root: Path) -> list[Path]:
    """The cache's temporary files, their times set ten minutes back."""
    then = time.time() - 600
    found = list(cache_root.rglob(".*.tmp"))
    for p in found:
        os.utime(p, (then, then))
    return found


def test_write_atomic_flushes_the_file_before_renaming_it(tmp_path, monkeypatch):
    """Without fsync a power cut after the rename can leave the new name on an empty file."""
    import analysis.ingest.cache as store

    synced = []
    real = os.fsync

    def fsync(fd):
        st = os.fstat(fd)
        synced.append("folder" if stat.S_ISDIR(st.st_mode) else st.st_size)
        real(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    frame = _runs_frame(1000, 5000.0)
    target = tmp_path / "runs.csv"
    write_atomic(frame, target)
    assert synced[0] == target.stat().st_size > 0  # the data, complete, before the rename
    assert synced[1:] == ["folder"]  # then the rename
    assert pd.read_csv(target)["distance_m"].tolist() == frame["distance_m"].tolist()
    assert list(tmp_path.iterdir()) == [target]


def test_cache_gives_one_result_after_one_file_of_a_chunk_changed(tmp_path, shared_data):
    """Found while testing durability: import a folder, change one file, import twice more."""
    v = _versions(shared_data)
    folder = tmp_path / "runs"
    folder.mkdir()
    shutil.copy(shared_data / "fit" / "strava_export_venusq_run.fit.gz", folder / "steady.fit.gz")
    shutil.copy(v[0], folder / "changing.fit")
    root = tmp_path / "cache"
    read_sources([folder], cache=Cache(root), progress=False, workers=1)
    shutil.copy(v[1], folder / "changing.fit")
    read_sources([folder], cache=Cache(root), progress=False, workers=1)  # stores changing.fit anew
    cached = read_sources([folder], cache=Cache(root), progress=False, workers=1)
    assert len(read_sources([folder], progress=False, workers=1).runs) == 2
    assert len(cached.runs) == 2  # fails: 3, the old changing.fit run is back from the first chunk


# -- concurrent runs and kills during a cold import ------------------------------------------------------------


def assert_index_matches_chunks(cache_root: Path) -> set[str]:
    """Every input the index names is in its chunk, whose files pass their checksums; the keys named."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import xxhash

    from analysis.ingest import cache as store

    root = Cache(cache_root).root
    idx, problem = store._read_index_file(root / "index.parquet")
    assert problem is None, problem
    for chunk, rows in idx.groupby("chunk"):
        sums = dict(part.split("=") for part in rows["sums"].iloc[0].split(","))
        for frame in store.FRAMES:
            data = (root / f"chunk-{chunk}.{frame}.parquet").read_bytes()
            assert xxhash.xxh3_64_hexdigest(data) == sums[frame], (chunk, frame)
        log = pq.ParquetFile(pa.BufferReader(data)).read()
        names, _, _ = store._segments(log.column("_key"), chunk)
        assert set(rows["key"]) <= set(names), chunk
    return set(idx["key"])


def _concurrent_worker(folder: Path, cache_root: Path, versions: list[Path], rounds: int, barrier, k: int):
    for r in range(rounds):
        barrier.wait(timeout=120)
        shutil.copy(versions[(r + k) % len(versions)], folder / "changing.fit")  # something to store each round
        read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
        barrier.wait(timeout=120)


def test_two_processes_importing_into_one_cache_lose_nothing(tmp_path, shared_data):
    """Two runlog processes import their own folders into one cache at once, 20 rounds.

    Before the lock and the merge, the last writer's index dropped the other's
    entries and a compaction could remove a chunk the other was about to read.
    """
    import multiprocessing as mp

    versions = _versions(shared_data)
    folders = []
    for k in range(2):
        folder = tmp_path / f"runner{k}"
        folder.mkdir()
        for name in ("garmin_fenix2_run_dynamics.fit", "stryd_run_devfields.fit"):
            shutil.copy(shared_data / "fit" / name, folder / f"{k}_{name}")
        folders.append(folder)
    cache_root = tmp_path / "cache"
    rounds = 20
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_concurrent_worker, args=(folders[k], cache_root, versions, rounds, barrier, k))
             for k in range(2)]
    for p in procs:
        p.start()
    try:
        for _ in range(rounds):
            barrier.wait(timeout=120)
            barrier.wait(timeout=120)
            keys = assert_index_matches_chunks(cache_root)
            wanted = {e.key for e in Cache.entries([(p, str(p)) for f in folders for p in f.iterdir()],
                                                   f"tz=None;positions=False;kinds={KINDS_SIGNATURE}")}
            assert wanted <= keys  # both processes' inputs are in the index
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0, 0]
    for folder in folders:
        cached = read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
        fresh = read_sources([folder], progress=False, workers=1)
        pd.testing.assert_frame_equal(cached.runs, fresh.runs)
        pd.testing.assert_frame_equal(cached.log, fresh.log)


COLD_IMPORTER = """
import sys
from pathlib import Path
from analysis.ingest.loader import read_sources
from analysis.ingest.cache import Cache
folder, cache_root = Path(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
while True:
    Cache(cache_root).clear()  # cold every time
    read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
"""


def test_kill_at_any_moment_of_a_cold_import_leaves_a_cache_that_gives_a_clean_answer(tmp_path, shared_data):
    """SIGKILL at random points of cold imports (clearing, decoding, writing chunks and the index)."""
    folder = tmp_path / "runs"
    folder.mkdir()
    names = ("garmin_fenix2_run_dynamics.fit", "garmin_fenix5_run_short.fit", "garmin_fr110_run_2013.fit",
             "garmin_fr70_run_compressed_ts.fit", "stryd_run_devfields.fit", "garmin_fr620_run.tcx")
    for name in names:
        shutil.copy(shared_data / ("tcx" if name.endswith(".tcx") else "fit") / name, folder / name)
    fresh = read_sources([folder], progress=False, workers=1)
    t0 = time.perf_counter()
    read_sources([folder], cache=Cache(tmp_path / "timing"), progress=False, workers=1)
    one_import_s = time.perf_counter() - t0
    cache_root = tmp_path / "cache"
    rng = random.Random(11)
    for _ in range(KILLS_COLD):
        proc = _child(COLD_IMPORTER, str(folder), str(cache_root))
        _kill_after(proc, rng.uniform(0.05, 3 * one_import_s))
        cached = read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
        pd.testing.assert_frame_equal(cached.runs, fresh.runs)
        pd.testing.assert_frame_equal(cached.log, fresh.log)
        pd.testing.assert_frame_equal(cached.samples, fresh.samples)
        assert_index_matches_chunks(cache_root)
        assert not list(Cache(cache_root).root.glob(".*.tmp"))  # what the kill left went under the lock


KILLS_COLD = 8
