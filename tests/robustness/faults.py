"""Faults of the state runlog keeps between runs and of the files it writes, each tried many times.

The rule under test (issue [R]): a fault costs time, never a wrong answer. Each
trial builds its fault from ``random.Random(f"{seed}:{kind}:{i}")`` alone and
compares what runlog gives with what it gives without the fault:

* ``flips``: one bit flipped at a random offset of a random file of a real
  cache (chunks and index); the frames must equal a clean read's, and a damaged
  chunk must be told in one warning line.
* ``replaced``: a file replaced by other runs of the same size, its mtime put
  back (``cp -p``, ``rsync -t``, a restore); the new runs must be read.
* ``outputs``: an output written into a missing folder, onto a folder, into a
  read-only place, or onto a full disk (a write that fails half-way): one
  ``RunlogError`` line, the previous file unchanged, no temporary file left.
* ``kills``: SIGKILL at a random moment of a cold import; the next import must
  give the clean answer and leave an index that matches its chunks.
* ``concurrent``: two processes importing into one cache at once; no entry of
  either may be lost, and the index must match the chunks.

Used by ``benchmarks/fuzz.py --faults N``; ``tests/ingest/test_cache.py`` and
``tests/robustness/test_durability.py`` try a few of each.
"""

from __future__ import annotations

import contextlib
import errno
import io
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
QUICK_RUNS = ("garmin_fenix2_run_dynamics.fit", "garmin_fenix5_run_short.fit", "garmin_fr110_run_2013.fit",
              "garmin_fr70_run_compressed_ts.fit", "stryd_run_devfields.fit", "strava_export_venusq_run.fit.gz")


def _same(a, b) -> bool:
    try:
        pd.testing.assert_frame_equal(a.runs, b.runs)
        pd.testing.assert_frame_equal(a.samples, b.samples)
        pd.testing.assert_frame_equal(a.log, b.log)
    except AssertionError:
        return False
    return True


def _read(folder: Path, cache_root: Path | None):
    from analysis.ingest.cache import Cache
    from analysis.ingest.loader import read_sources

    cache = Cache(cache_root) if cache_root is not None else None
    return read_sources([folder], cache=cache, workers=1, progress=False)


def flips(shared: Path, n: int, seed: int = 0) -> Counter:
    """``n`` single-bit flips in a real cache (one chunk per file); counts tried / lost / unwarned."""
    out: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="runlog-faults-") as tmp:
        tmp = Path(tmp)
        folder, clean = tmp / "runs", tmp / "clean"
        folder.mkdir()
        for name in QUICK_RUNS:
            shutil.copy(shared / "fit" / name, folder / name)
            _read(folder, clean)
        expected = _read(folder, None)
        files = sorted(p.relative_to(clean) for p in clean.rglob("*.parquet"))
        for i in range(n):
            rng = random.Random(f"{seed}:flips:{i}")
            damaged = tmp / "damaged"
            shutil.rmtree(damaged, ignore_errors=True)
            shutil.copytree(clean, damaged)
            target = damaged / rng.choice(files)
            data = bytearray(target.read_bytes())
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            target.write_bytes(bytes(data))
            err = io.StringIO()
            out["tried"] += 1
            try:
                with contextlib.redirect_stderr(err):
                    got = _read(folder, damaged)
            except Exception as exc:  # noqa: BLE001 - a traceback is a problem too, counted, then shown
                out["crashed"] += 1
                print(f"flip {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            out["lost"] += not _same(got, expected)
            warned = sum(ln.startswith("runlog:") for ln in err.getvalue().splitlines())
            if target.name.startswith("chunk-"):
                out["chunk flips"] += 1
                out["unwarned"] += warned != 1
    return out


def replaced(n: int, seed: int = 0) -> Counter:
    """``n`` files replaced by other runs of the same size with the old mtime; counts tried / stale."""
    out: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="runlog-faults-") as tmp:
        tmp = Path(tmp)
        for i in range(n):
            rng = random.Random(f"{seed}:replaced:{i}")
            folder, cache = tmp / f"runs{i}", tmp / f"cache{i}"
            folder.mkdir()
            target = folder / "runs.csv"
            first, second = rng.sample(range(10_000, 99_999), 2)
            target.write_text(f"start_time,distance_m\n2025-03-01T07:00:00Z,{first}\n")
            _read(folder, cache)
            st = target.stat()
            other = tmp / "other.csv"
            other.write_text(f"start_time,distance_m\n2025-03-01T07:00:00Z,{second}\n")
            os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
            if rng.random() < 0.5:
                os.replace(other, target)  # a new inode (a restore, an unzip)
            else:
                target.write_bytes(other.read_bytes())  # in place (cp -p): same inode
                os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            got = _read(folder, cache)
            out["tried"] += 1
            out["stale"] += got.runs["distance_m"].tolist() != [float(second)]
    return out


def outputs(n: int, seed: int = 0) -> Counter:
    """``n`` outputs written into places that cannot take them; counts tried / partial / previous lost / bad message."""
    from analysis.cli import write_atomic
    from analysis.errors import RunlogError
    from analysis.report import write_json

    out: Counter = Counter()
    frame = pd.DataFrame({"distance_m": [5000.0, 10000.0]})
    with tempfile.TemporaryDirectory(prefix="runlog-faults-") as tmp:
        tmp = Path(tmp)
        for i in range(n):
            rng = random.Random(f"{seed}:outputs:{i}")
            place = tmp / f"t{i}"
            place.mkdir()
            fault = rng.choice(["missing folder", "a folder", "read-only", "disk full"])
            suffix = rng.choice([".csv", ".parquet", ".json"])
            target = place / f"out{suffix}"
            previous = b"previous output\n"
            if fault == "missing folder":
                target = place / "no" / f"out{suffix}"
            elif fault == "a folder":
                target.mkdir()
            else:
                target.write_bytes(previous)

            def write(suffix=suffix, target=target):
                if suffix == ".json":
                    write_json({"a": 1}, target)
                else:
                    write_atomic(frame, target)

            patch = contextlib.nullcontext()
            if fault == "read-only":
                patch = mock.patch("analysis.outputs.os.open",
                                   side_effect=OSError(errno.EROFS, "Read-only file system"))
            elif fault == "disk full":
                def full(fd, real=os.fsync):
                    real(fd)
                    raise OSError(errno.ENOSPC, "No space left on device")

                patch = mock.patch("analysis.outputs.os.fsync", side_effect=full)
            out["tried"] += 1
            try:
                with patch:
                    write()
                out["no error"] += 1
            except RunlogError as exc:
                out["bad message"] += "\n" in str(exc) or str(target.name) not in str(exc)
            left = [p for p in place.rglob("*") if p.is_file() and p != target]
            out["partial"] += bool(left)
            if fault in ("read-only", "disk full"):
                out["previous lost"] += target.read_bytes() != previous
    return out


COLD_IMPORTER = """
import sys
from pathlib import Path
from analysis.ingest.loader import read_sources
from analysis.ingest.cache import Cache
folder, cache_root = Path(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
while True:
    Cache(cache_root).clear()
    read_sources([folder], cache=Cache(cache_root), progress=False, workers=1)
"""


def index_matches_chunks(cache_root: Path) -> set[str] | None:
    """The keys of an index whose every input is in its chunk and passes its checksum; None if not."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import xxhash

    from analysis.ingest import cache as store

    root = store.Cache(cache_root).root
    idx, problem = store._read_index_file(root / "index.parquet")
    if problem:
        return None
    for chunk, rows in idx.groupby("chunk"):
        sums = dict(part.split("=") for part in rows["sums"].iloc[0].split(","))
        for frame in store.FRAMES:
            path = root / f"chunk-{chunk}.{frame}.parquet"
            if not path.is_file() or xxhash.xxh3_64_hexdigest(data := path.read_bytes()) != sums[frame]:
                return None
        names, _, _ = store._segments(pq.ParquetFile(pa.BufferReader(data)).read().column("_key"), chunk)
        if not set(rows["key"]) <= set(names):
            return None
    return set(idx["key"])


def kills(shared: Path, n: int, seed: int = 0) -> Counter:
    """SIGKILL at ``n`` random moments of cold imports; counts tried / lost / inconsistent."""
    out: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="runlog-faults-") as tmp:
        tmp = Path(tmp)
        folder, cache = tmp / "runs", tmp / "cache"
        folder.mkdir()
        for name in QUICK_RUNS:
            shutil.copy(shared / "fit" / name, folder / name)
        expected = _read(folder, None)
        t0 = time.perf_counter()
        _read(folder, tmp / "timing")
        one = time.perf_counter() - t0
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for i in range(n):
            rng = random.Random(f"{seed}:kills:{i}")
            proc = subprocess.Popen([sys.executable, "-c", COLD_IMPORTER, str(folder), str(cache)],
                                    stdout=subprocess.PIPE, env=env, cwd=REPO)
            proc.stdout.readline()
            time.sleep(rng.uniform(0.02, 3 * one))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            with contextlib.redirect_stderr(io.StringIO()):
                got = _read(folder, cache)
            out["tried"] += 1
            out["lost"] += not _same(got, expected)
            out["inconsistent"] += index_matches_chunks(cache) is None
    return out


def _worker(folder: Path, cache_root: Path, versions: list[Path], rounds: int, barrier, k: int) -> None:
    with contextlib.redirect_stderr(io.StringIO()):
        for r in range(rounds):
            barrier.wait(timeout=120)
            shutil.copy(versions[(r + k) % len(versions)], folder / "changing.fit")
            _read(folder, cache_root)
            barrier.wait(timeout=120)


def concurrent(shared: Path, rounds: int) -> Counter:
    """Two processes importing into one cache for ``rounds`` rounds; counts tried / lost entries / inconsistent."""
    from analysis.ingest.cache import Cache
    from analysis.ingest.loader import KINDS_SIGNATURE

    out: Counter = Counter()
    versions = [shared / "fit" / name for name in QUICK_RUNS[:3]]
    with tempfile.TemporaryDirectory(prefix="runlog-faults-") as tmp:
        tmp = Path(tmp)
        folders = []
        for k in range(2):
            folder = tmp / f"runner{k}"
            folder.mkdir()
            shutil.copy(shared / "fit" / QUICK_RUNS[3 + k], folder / f"{k}.fit")
            folders.append(folder)
        cache = tmp / "cache"
        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(3)
        procs = [ctx.Process(target=_worker, args=(folders[k], cache, versions, rounds, barrier, k))
                 for k in range(2)]
        for p in procs:
            p.start()
        try:
            for _ in range(rounds):
                barrier.wait(timeout=120)
                barrier.wait(timeout=120)
                keys = index_matches_chunks(cache)
                wanted = {e.key for e in Cache.entries([(p, str(p)) for f in folders for p in f.iterdir()],
                                                       f"tz=None;positions=False;kinds={KINDS_SIGNATURE}")}
                out["tried"] += 1
                out["inconsistent"] += keys is None
                out["lost"] += keys is not None and not wanted <= keys
        finally:
            for p in procs:
                p.join(timeout=60)
                if p.is_alive():
                    p.kill()
    return out
