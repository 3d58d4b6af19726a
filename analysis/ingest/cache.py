"""On-disk cache of decoded inputs, so that re-importing an archive is quick.

A runner re-imports the same 500-3,000 files every time one run is added. The
cache keeps each input's decoded runs, samples and import-log rows as Parquet,
stamped with the decoder, schema and layout versions: a changed file, or a new
runlog, re-imports just what changed. Its rule: a fault costs time, never a
wrong answer.

**When a file counts as unchanged.** As git's index does: the quick check
compares what a copy cannot fake, size, mtime, ctime and inode (``cp -p``,
``rsync -t``, unzip and restores set mtime, never ctime; a replaced file gets a
new inode). When any differs, the content hash (XXH3-128 of the bytes) decides;
``verify=True`` (``--verify-cache``) hashes every input. The hash stored is the
hash of the very bytes that were decoded (the loader reads a file once, hashes
and decodes those bytes), so a file written while it was imported can never
pair new content with old frames. A file whose mtime or ctime is within
:data:`RACY_NS` of the moment it was looked at could still change within the
same clock tick without its stamp changing ("racy git"): it is stored marked
``verify`` and hashed on the next import. Inputs decoded by path (Strava export
folders and zips) are stored only when their stamp (for a folder: the totals
over its files) is the same after the decode as before and not racy.

**Checksums.** Every chunk file's bytes carry an XXH3-64 checksum kept in the
index, checked on every read: a chunk that fails it (a flipped bit, a
truncation, a chunk another process removed) is dropped with one warning line
and its inputs are decoded again, so the answer is that of an empty cache. Each
index row carries a checksum of its own fields; a damaged row is dropped the
same way, and an index that cannot be read at all counts as empty.

**Concurrent runs.** Every change of the cache (writing chunks, merging the
index, compacting) happens under one advisory lock file (``filelock``; released
by the system when its process dies) held at most :data:`LOCK_TIMEOUT_S`; the
index is read again under the lock and merged, never overwritten with what was
read at the start. A process that cannot get the lock in time says so in one
line and imports without storing. Readers take no lock: the index is replaced by
a rename, and a chunk removed under a reader is a chunk that fails its check.

Layout (in the user's cache folder from ``platformdirs``, never beside the data
unless asked): ``index.parquet`` (one row per cached input), ``index.lock``, and
chunk files ``chunk-<id>.<frame>.parquet`` each holding the frames of *many*
inputs, tagged by a dictionary-encoded ``_key`` column; the rows of one input
are contiguous and every input is in a chunk once. New inputs are written as one
chunk per store; chunks are compacted when too much of them is stale.

A warm import reads each chunk as a whole table and hands the loader one
:class:`Stack` of frames for all the inputs found, in the order asked for.

Durability: every file is written by :func:`analysis.outputs.atomic_write`
(temporary file, ``fsync``, rename, folder ``fsync``), so a killed run or a
power cut leaves the previous file intact; chunks are written before the index
that names them. Temporary and unreferenced files a killed run left are removed
under the lock (only the lock holder writes, so they cannot be a live write).

Written by hand: no library offers a content-addressed, versioned cache of
DataFrames keyed by file identity; the storage is pyarrow's Parquet, the hash
``xxhash``, the lock ``filelock``.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import re
import shutil
import stat
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from analysis import __version__, schema
from analysis.io.base import ReadResult
from analysis.outputs import atomic_write, fsync_dir, replace_durably  # noqa: F401 - re-exported

#: bump when a reader's output changes for the same bytes; 3: the generic CSV reader vectorised (a short record's
#: id); 4: a year-0000 cell fails its row, not the file (generic CSV); Polar labels matched through - . /;
#: 5: a generic CSV row without activity_id is hashed by XXH3-64, not SHA-1 (its id changes); 6: a generic CSV
#: row dated outside 1900-2099 fails (it was a run, and one dated 1700 beside 2025 crashed the merge); 7: a GPX
#: whose root names the TCX namespace is read as GPX (it failed as TCX), 8: so is one with an internal DTD subset;
#: 9: a GPX file with only a route or waypoints is not_a_run (it failed); 10: a GPX point off the globe
#: (lat 100/200 pause markers) adds no distance; 11: a TCX track that ends before its laps takes the laps' totals;
#: 12: a Garmin CSV title with quotes Garmin did not escape is read whole (a row failed, or its name was mangled);
#: 13: a TCX file with only a course or a workout is not_a_run (it failed); 14: a GPX whose track is empty says why;
#: 15: a TCX activity of Sport="Other" (or none) is a run unless faster than 7 m/s, as an untyped GPX track (it was not_a_run);
#: 16: a GPX <type> (or TCX Sport) in the user's language (Laufen, Course à pied) is read by Garmin's locale matcher;
#: 17: Garmin CSV 'Number of Runs' (2019-2020 name of the lap count) is a known column, no longer logged unrecognised;
#: 18: Runkeeper's cardioActivities.csv is read (it failed as a CSV of unknown kind);
#: 19: a Runkeeper export's rows are joined with their GPX files (the files were read alone);
#: 20: a Garmin CSV row with a trailing delimiter keeps its columns (12's title repair shifted them);
#: 21: a Runkeeper export's TCX/FIT files and files in its sub-folders are read (they were dropped unlogged)
#: 22: an activity type with a "jog" stem (Jogging, Joggen) is a run by the stem rule, as one with "run"
#: 23: a Runkeeper cell that is not a number is named in the row's log reason (it became NA unsaid)
#: 24: a GPX track with no point on the globe (a watch without a fix) has an unknown distance, not 0 m
#: 25: a TCX track ending before laps without a StartTime: elapsed at least the laps' timer time (it was the track's)
#: 26: a SportTracks-layout GPX takes heart rate from the file's st:heartRateTrack (it was lost)
#: 27: a TCX Sport of the schema in another case (Runtastic's "running") is the schema's, not a foreign word
#: 28: a Samsung Health exercise table or a Wahoo app CSV is named as such in the log (was "CSV of unknown kind")
#: 29: Samsung Health's exercise table is read (source samsung; it was refused as not read yet); its other
#:     tables and jsons/ payloads are logged not_a_run as not activity files (they were failed)
#: 30: a TCX/GPX cadence already in steps/min (90th percentile >= 130/min; Wahoo app TCX) is not doubled again
#: 31: formats runlog does not read are named in the log (SportTracks, Suunto, Polar HRM/PPT, PWX, SLF, KML,
#:     RunningAHEAD); a Suunto app JSON log fails with its name (it was not_a_run)
#: 32: a Samsung Health exercise table whose name line was removed (header on line 1) is read (it was not_a_run)
#: 33: a Samsung time_offset written +0200 (no "UTC") is two hours, not 200 ms; a JSON is a Samsung payload by its own
#:     name, not its folder
#: 34: a Runkeeper or Samsung row with more cells than the header fails alone (it refused the whole table)
#: 35: a KML file's log reason no longer says KML holds no times
#: 36: a Runkeeper or Samsung row with fewer cells than the header says so, and fails when cut before a column a run
#:     needs; a row below a quoted line break names its line in a text editor
#: 37: so does a generic CSV row the log gives a reason for
#: 38: and a Strava activities.csv or Garmin Activities.csv row
#: 39: a GPX root version other than 1.1 (Zepp "7.7.5-play", COROS none) is read as GPX 1.1 (hr, cad, type were lost)
#: 40: Polar Flow's per-session CSV is read (source polar; it failed as a CSV of unknown kind)
#: 41: a GPX heart rate of 0 (COROS: no reading) is none measured, not 0 in the average
#: 42: an untyped GPX track's sport from its name where the name carries it (Zepp/ZeppLife/Amazfit "YYYYMMDD
#:     <sport>", Strava's "Afternoon Ride"): a ride so named is not a run (it passed by speed); a TCX heart rate
#:     of 0 (strap lost) is none measured, not 0 in the average; a GPX track with no point on the globe takes its
#:     distance from the points' running total (COROS <distance>), where it was unknown
#: 43: a FIT run's average heart rate taken from its records (no session average) leaves out 0 bpm (no reading)
#: 44: an untyped GPX track's name is read as Strava's default title only with Strava's own type names after the time
#:     of day ("Morning Rowntree Park loop" was not a run by "row"); short stems count in short words only; ride and walk
#:     words of more languages; a COROS running total of 0 everywhere is no distance
#: 45: a Polar Flow session CSV's date read month first where day first is no date or the file name's date says so
DECODER_VERSION = "45"
#: derived from the frames' columns, so a schema change invalidates the cache
SCHEMA_VERSION = hashlib.sha1(
    repr((schema.RUNS_DTYPES, schema.SAMPLES_DTYPES, schema.IMPORT_LOG_DTYPES)).encode()
).hexdigest()[:12]
#: bump when the files' layout changes; 2: every input once per chunk, all chunk keys in the dictionary;
#: 3: ctime, inode, checksums of chunks and index rows, digest of the decoded bytes
LAYOUT_VERSION = "3"
FRAMES = ("runs", "samples", "log")
STALE_FRACTION_TO_COMPACT = 0.5
INDEX_COLUMNS = ("key", "label", "size", "mtime_ns", "ctime_ns", "inode", "digest", "verify", "chunk", "sums",
                 "options", "check")
_INT_COLUMNS = ("size", "mtime_ns", "ctime_ns", "inode")
#: a temporary file of the cache untouched for this long was left by a process that died
STALE_TEMP_AGE_S = 60.0
#: a file changed this close to the moment it was looked at may change again unseen (same clock tick)
RACY_NS = 2_000_000_000
#: the longest a process waits for another's lock on the cache
LOCK_TIMEOUT_S = 60.0
#: columns of each frame holding one value per row (nearly): written without a Parquet dictionary
_PLAIN = {"runs": ("activity_id", "start_time", "date"), "samples": ("time",), "log": ("activity_id", "row")}
#: frames of this many rows are written in threads of their own when two or more are this large
_PARALLEL_ROWS = 100_000
#: the names :func:`analysis.outputs.temp_name` gives the cache's temporary files
_CACHE_TEMP = re.compile(r"\.(?:index|chunk-[0-9a-f]{12}\.(?:runs|samples|log))\.parquet\.[a-z0-9_]{8}\.tmp")


class CacheBusy(OSError):
    """Another process held the cache's lock longer than :data:`LOCK_TIMEOUT_S`."""


def default_cache_dir() -> Path:
    """The user's cache folder for runlog (e.g. ``~/.cache/runlog``)."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("RUNLOG_CACHE_DIR") or user_cache_dir("runlog", appauthor=False))


def bytes_digest(data: bytes | memoryview) -> str:
    """XXH3-128 of some bytes, hex: the content hash of an input decoded from these bytes."""
    return xxhash.xxh3_128_hexdigest(data)


def file_digest(path: Path) -> str:
    """XXH3-128 (hex) of a file's bytes, or of a folder's listing (name, size, mtime, ctime, inode of each file)."""
    h = xxhash.xxh3_128()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0"
                         f"{st.st_ino}\n".encode())
        return h.hexdigest()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stamp(path: Path, st: os.stat_result) -> tuple[int, int, int, int]:
    """Size, mtime, ctime, inode from ``st``; for a folder the total size, the latest times, the file count."""
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino
    size = mtime = ctime = count = 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            size += st.st_size
            mtime, ctime, count = max(mtime, st.st_mtime_ns), max(ctime, st.st_ctime_ns), count + 1
    return size, mtime, ctime, count


def _write_table(table: pa.Table, path: Path, plain: Iterable[str] = ()) -> str:
    """Write a table durably (:func:`atomic_write`); the XXH3-64 (hex) of the bytes written.

    Without column statistics: the cache reads whole files and never filters
    by them, and the min/max of every page of every string column cost ~30 %
    of the write (2 million runs: 0.7 -> 0.5 s). Written by pyarrow straight
    into the temporary file, then hashed from it (mapped, read from the page
    cache): building the file in memory first grew a buffer by copies and held
    a second copy of it (52 MiB for 2 million runs). Columns in ``plain``
    (one value per row: ids, times) are written without a dictionary, which
    they would fill and give up on (10 % of a 2-million-run chunk's CPU).
    """
    sums: list[str] = []
    plain = set(plain)
    dictionary = [c for c in table.column_names if c not in plain] if plain else True

    def write(tmp: Path) -> None:
        pq.write_table(table, os.fspath(tmp), compression="lz4", write_statistics=False, use_dictionary=dictionary)
        sums.append(_file_sum(tmp))

    atomic_write(path, write, user_output=False)
    return sums[0]


def _file_sum(path: Path) -> str:
    """XXH3-64 (hex) of a file's bytes, mapped rather than read into a copy."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:  # an empty file cannot be mapped
            return xxhash.xxh3_64_hexdigest(b"")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return xxhash.xxh3_64_hexdigest(mapped)


_atomic_write_table = _write_table  # the name the tests of the previous layout use


def remove_stale_temps(folder: Path, max_age_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Remove the cache's own temporary files in ``folder`` older than ``max_age_s``; returns them.

    Only names the cache gives (``.index.parquet.<8>.tmp``,
    ``.chunk-<id>.<frame>.parquet.<8>.tmp``), only plain files, only old ones
    (under the lock, any age: only the lock holder writes).
    """
    removed: list[Path] = []
    now = time.time()
    try:
        children = list(os.scandir(folder))
    except OSError:  # no cache folder yet
        return removed
    for child in children:
        if not _CACHE_TEMP.fullmatch(child.name):
            continue
        try:
            st = child.stat(follow_symlinks=False)
            if not child.is_file(follow_symlinks=False) or now - st.st_mtime < max_age_s:
                continue
            os.remove(child.path)
        except OSError:  # gone meanwhile (another process swept it) or not ours to remove
            continue
        removed.append(Path(child.path))
    return removed


def _warn(message: str) -> None:
    print(f"runlog: {message}", file=sys.stderr, flush=True)


# -- what the cache gives ----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What identifies one cached input, and its stamp when it was looked at.

    ``size``, ``mtime_ns``, ``ctime_ns`` and ``inode`` are the file's (for a
    folder: total size, latest mtime and ctime, number of files); ``seen_ns``
    the time just before they were read (to tell a racy stamp).
    """

    key: str
    label: str
    size: int
    mtime_ns: int
    options: str
    ctime_ns: int = 0
    inode: int = 0
    seen_ns: int = field(default=0, compare=False)
    folder: bool = False

    @property
    def stamp(self) -> tuple[int, int, int, int]:
        return self.size, self.mtime_ns, self.ctime_ns, self.inode

    @property
    def racy(self) -> bool:
        """Changed so recently that a change in the same clock tick would not show in the stamp."""
        return max(self.mtime_ns, self.ctime_ns) >= self.seen_ns - RACY_NS


@dataclass(frozen=True)
class Stack:
    """The cached frames of many inputs, stacked in one canonical :class:`ReadResult`.

    Attributes
    ----------
    keys : tuple of str
        The inputs, in the order of their rows (each once).
    result : ReadResult
        Their frames; samples and log have a ``RangeIndex``.
    bounds : dict of str to ndarray
        Per frame, ``len(keys) + 1`` row offsets: the rows of ``keys[i]`` in
        frame ``f`` are ``bounds[f][i]:bounds[f][i + 1]``.
    labels : tuple of str
        The label each input was stored under (the path as typed then), for
        the loader to put today's label in ``source_file`` where it differs.
    """

    keys: tuple[str, ...]
    result: ReadResult
    bounds: dict[str, np.ndarray]
    labels: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.keys)

    def part(self, first: int, stop: int) -> ReadResult:
        """The frames of ``keys[first:stop]`` (views of the stacked frames, not copies)."""
        if first == 0 and stop == len(self.keys):
            return self.result
        frames = []
        for f in FRAMES:
            a, b = int(self.bounds[f][first]), int(self.bounds[f][stop])
            frame = getattr(self.result, f).iloc[a:b]
            frames.append(frame if f == "runs" else frame.reset_index(drop=True))
        return ReadResult(*frames)

    @classmethod
    def empty(cls) -> Stack:
        return cls((), ReadResult(*(_empty(f) for f in FRAMES)), {f: np.zeros(1, np.int64) for f in FRAMES})


class _BadChunk(Exception):
    """A chunk file missing, not as written (checksum), or not holding what the index says."""

    def __init__(self, chunk: str, why: str):
        super().__init__(why)
        self.chunk, self.why = chunk, why


class Cache:
    """Decoded-input cache in one folder.

    Parameters
    ----------
    root : Path, optional
        Folder of the cache; default :func:`default_cache_dir`. A sub-folder
        per decoder/schema/layout version keeps versions apart.
    verify : bool
        Hash every input instead of trusting an unchanged stamp
        (``--verify-cache``).
    """

    def __init__(self, root: Path | None = None, *, verify: bool = False):
        base = Path(root) if root is not None else default_cache_dir()
        self.base = base
        self.root = base / f"v{DECODER_VERSION}-{SCHEMA_VERSION}-l{LAYOUT_VERSION}-{__version__}"
        self.verify = verify
        self._index: pd.DataFrame | None = None
        self._lock = None
        self._said: set[str] = set()

    # -- index -------------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        return self.root / "index.parquet"

    @property
    def lock_path(self) -> Path:
        return self.root / "index.lock"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cache's lock (re-entrant); :class:`CacheBusy` after :data:`LOCK_TIMEOUT_S`."""
        import filelock

        self.root.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = filelock.FileLock(self.lock_path, timeout=LOCK_TIMEOUT_S)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise CacheBusy(0, f"another runlog has been writing it for over {LOCK_TIMEOUT_S:.0f} s "
                               f"(lock {self.lock_path})") from None
        try:
            if self._lock.lock_counter == 1:  # first hold: what a killed writer left goes (only holders write)
                remove_stale_temps(self.root, max_age_s=0)
            yield
        finally:
            self._lock.release()

    def _read_index(self, fresh: bool = False) -> pd.DataFrame:
        """The index; ``fresh`` reads it from disk again (under the lock, before a change)."""
        if self._index is not None and not fresh:
            return self._index
        if not fresh:
            remove_stale_temps(self.root)  # opening the cache: what a killed run left behind goes
        self._index, problem = _read_index_file(self.index_path)
        if problem and problem not in self._said:  # once per process, though read again under the lock
            self._said.add(problem)
            _warn(problem)
        return self._index

    def _write_index(self, idx: pd.DataFrame) -> None:
        """Write the index (caller holds the lock); rows get their checksums."""
        idx = idx.drop_duplicates("key", keep="last").reset_index(drop=True)
        idx = idx.astype({c: "int64" for c in _INT_COLUMNS} | {"verify": "bool"})
        idx["check"] = _row_checks(idx)
        table = pa.Table.from_pandas(idx[list(INDEX_COLUMNS)], preserve_index=False)
        _write_table(table, self.index_path)
        self._index = idx

    # -- public ------------------------------------------------------------------------
    @staticmethod
    def entry(path: Path, label: str, options: str = "") -> Entry:
        """The identity of an input on disk (path, stamp, read options)."""
        return Cache.entries([(path, label)], options)[0]

    @staticmethod
    def entries(inputs: Iterable[tuple[Path, str]], options: str = "") -> list[Entry]:
        """The identities of many inputs (path, label): :meth:`entry` of each, quicker.

        The key hashes the resolved path (``os.path.realpath``). A file that is
        not a link resolves to its resolved folder and its name, so each folder
        is resolved once instead of once per file (one ``lstat`` per path
        component each time).
        """
        folders: dict[str, str] = {}
        out = []
        seen = time.time_ns()
        for path, label in inputs:
            path_s = os.fspath(path)
            st = os.lstat(path_s)
            if stat.S_ISLNK(st.st_mode):
                real, st = os.path.realpath(path_s), os.stat(path_s)
            else:
                head, name = os.path.split(path_s)
                if name in ("", ".", ".."):
                    real = os.path.realpath(path_s)
                else:
                    if head not in folders:
                        folders[head] = os.path.realpath(head or os.curdir)
                    real = os.path.join(folders[head], name)
            size, mtime, ctime, inode = _stamp(Path(path_s), st)
            key = hashlib.sha1(f"{real}\0{options}".encode()).hexdigest()
            out.append(Entry(key=key, label=label, size=size, mtime_ns=mtime, options=options, ctime_ns=ctime,
                             inode=inode, seen_ns=seen, folder=stat.S_ISDIR(st.st_mode)))
        return out

    def lookup(self, entries: Iterable[tuple[Entry, Path]], samples: bool = True) -> tuple[Stack, list[str]]:
        """Cached frames of the inputs that did not change, and the keys that must be read.

        An input whose stamp (size, mtime, ctime, inode) differs from the one
        stored, or that is marked ``verify``, or every input with
        ``verify=True``, is hashed: when its content hash is the one stored,
        its cached result is still used (and its stamp refreshed). A chunk
        that fails its checksum is dropped (one warning line) and its inputs
        are read again. With ``samples=False`` the samples are not read at all
        (the stack holds empty samples).

        Returns
        -------
        Stack
            The frames of every unchanged input, stacked in the order of
            ``entries`` (an input given twice is in it once).
        list of str
            The keys of the inputs to read again (new, changed or damaged).
        """
        idx = self._read_index()
        # plain dicts: one lookup per input, thousands of inputs
        known = {
            k: ((int(a), int(b), int(c), int(d)), digest, bool(v))
            for k, a, b, c, d, digest, v in zip(idx["key"], idx["size"], idx["mtime_ns"], idx["ctime_ns"],
                                                idx["inode"], idx["digest"], idx["verify"], strict=True)
        }
        hits: list[str] = []
        misses: list[str] = []
        touched: dict[str, tuple[Entry, str]] = {}
        for entry, path in entries:
            row = known.get(entry.key)
            if row is None:
                misses.append(entry.key)
                continue
            stamp, digest, verify = row
            if stamp == entry.stamp and not verify and not self.verify:
                hits.append(entry.key)
            elif _digest_or_none(path) == digest:
                hits.append(entry.key)
                if stamp != entry.stamp or verify != entry.racy:
                    touched[entry.key] = (entry, digest)
            else:  # changed, or unreadable now: read afresh (the reader logs why it fails)
                misses.append(entry.key)
        if touched:
            with self.locked():
                idx2 = self._read_index(fresh=True).copy()
                pos = {k: n for n, k in enumerate(idx2["key"])}
                for k, (entry, digest) in touched.items():
                    n = pos.get(k)
                    if n is None or idx2.at[n, "digest"] != digest:
                        continue  # changed by another process meanwhile: its row stands
                    for col, value in zip(_INT_COLUMNS, entry.stamp, strict=True):
                        idx2.at[n, col] = value
                    idx2.at[n, "verify"] = entry.racy
                self._write_index(idx2)
        stack, bad = self._load(hits, samples=samples)
        if bad:
            misses = [k for k in hits if k in bad] + misses
        return stack, misses

    def _load(self, keys: list[str], samples: bool = True) -> tuple[Stack, set[str]]:
        """The cached frames of these inputs, stacked in the order of ``keys``; the keys found damaged.

        Each chunk's frame is read as one Arrow table after its checksum is
        verified; the rows of the inputs wanted (contiguous in their chunk)
        are put in the order asked for and merged where adjacent, so a chunk
        whose inputs are all wanted, in order, is taken whole. A chunk may
        still hold rows of an input that changed since and now lives in a
        newer chunk: only the chunk the index names for an input counts. A
        chunk that fails (checksum, missing, not holding its inputs) is
        dropped and its inputs are returned as damaged.
        """
        keys = list(dict.fromkeys(keys))
        if not keys:
            return Stack.empty(), set()
        idx = self._read_index()
        chunk_of = dict(zip(idx["key"], idx["chunk"], strict=True))
        sums_of = dict(zip(idx["chunk"], idx["sums"], strict=False))
        frames = FRAMES if samples else tuple(f for f in FRAMES if f != "samples")
        tables, bad = self._read_tables(keys, chunk_of, sums_of, frames)
        if bad:
            self._drop_chunks(bad)
        dropped = {k for k in keys if chunk_of[k] in bad}
        order = {k: n for n, k in enumerate(k for k in keys if k not in dropped)}
        if not order:
            return Stack.empty(), dropped
        loaded: dict[str, pd.DataFrame] = {}
        bounds: dict[str, np.ndarray] = {}
        chunks = list(dict.fromkeys(chunk_of[k] for k in order))
        for f in FRAMES:
            if f not in frames:
                loaded[f], bounds[f] = _empty(f), np.zeros(len(order) + 1, np.int64)
                continue
            loaded[f], bounds[f] = _stacked_frame(f, chunks, tables, order, chunk_of)
        label_of = dict(zip(idx["key"], idx["label"], strict=True))
        labels = tuple(str(label_of.get(k, "")) for k in order)
        return Stack(tuple(order), ReadResult(*(loaded[f] for f in FRAMES)), bounds, labels), dropped

    def _read_tables(self, keys: list[str], chunk_of: dict[str, str], sums_of: dict[str, str],
                     frames: tuple[str, ...]) -> tuple[dict[tuple[str, str], tuple], dict[str, str]]:
        """The frames of each chunk holding these inputs, with their inputs' row segments; chunks that fail.

        Returns
        -------
        tables : (chunk, frame) -> (Arrow table, input keys, first rows, row counts)
        bad : chunk -> why it cannot be used
        """
        tables: dict[tuple[str, str], tuple[pa.Table, list[str], np.ndarray, np.ndarray]] = {}
        bad: dict[str, str] = {}
        for chunk in dict.fromkeys(chunk_of[k] for k in keys):
            wanted = {k for k in keys if chunk_of[k] == chunk}
            try:
                for f in frames:
                    table = self._read_chunk(chunk, f, sums_of[chunk])
                    names, starts, lengths = _segments(table.column("_key"), chunk)
                    if f == "log" and not wanted <= set(names):  # every input has a log row
                        raise _BadChunk(chunk, "it does not hold the inputs the index names")
                    tables[(chunk, f)] = (table, names, starts, lengths)
            except _BadChunk as exc:
                bad[chunk] = exc.why
        return tables, bad

    def _read_chunk(self, chunk: str, frame: str, sums: str) -> pa.Table:
        """One frame of a chunk, its bytes checked against the checksum the index holds."""
        path = self.root / f"chunk-{chunk}.{frame}.parquet"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _BadChunk(chunk, "it is missing (removed by another runlog?)") from None
        except OSError as exc:
            raise _BadChunk(chunk, f"it cannot be read ({exc.strerror or exc})") from None
        expected = dict(part.split("=", 1) for part in str(sums).split(",") if "=" in part).get(frame)
        if xxhash.xxh3_64_hexdigest(data) != expected:
            raise _BadChunk(chunk, "its checksum does not match (the file was damaged)")
        try:
            with pq.ParquetFile(pa.BufferReader(data)) as pf:
                return pf.read()
        except (pa.ArrowException, OSError, ValueError) as exc:  # as written, yet unreadable: a bug, not a fault
            raise _BadChunk(chunk, f"it cannot be decoded ({exc})") from None

    def _drop_chunks(self, bad: dict[str, str]) -> None:
        """Forget damaged chunks (one warning line each): their inputs are read again and stored anew."""
        idx = self._read_index()
        for chunk, why in bad.items():
            n = int((idx["chunk"] == chunk).sum())
            _warn(f"the import cache's chunk {chunk} is dropped: {why}; its {n} input"
                  f"{'s are' if n != 1 else ' is'} read again")
        try:
            with self.locked():
                idx = self._read_index(fresh=True)
                self._write_index(idx[~idx["chunk"].isin(bad)])
                for chunk in bad:
                    for f in FRAMES:
                        (self.root / f"chunk-{chunk}.{f}.parquet").unlink(missing_ok=True)
        except OSError:  # the inputs are read again all the same; the next run retries
            self._index = idx[~idx["chunk"].isin(bad)]

    def store(self, items: list[tuple]) -> None:
        """Write freshly read inputs as one new chunk and merge them into the index.

        ``items`` are ``(entry, path, result)`` or ``(entry, path, result,
        digest)``, ``digest`` the :func:`bytes_digest` of the bytes the
        result was decoded from. Without one (an input decoded by path), the
        input is stored only when its stamp did not change while it was read
        and is not racy. An input given twice is stored once.
        """
        unique: dict[str, tuple[Entry, Path, ReadResult, str | None]] = {}
        for entry, path, res, *rest in items:
            unique.setdefault(entry.key, (entry, path, res, rest[0] if rest else None))
        rows, keep = [], []
        for entry, path, res, digest in unique.values():
            verify = entry.racy
            if digest is None:
                try:
                    digest = file_digest(path)
                    now = Cache.entry(path, entry.label, entry.options)  # after the hash: it covers the hash too
                except OSError:
                    continue
                if now.stamp != entry.stamp or entry.racy:
                    continue  # changed while it was read, or may have: not cached, read again next time
                verify = False
            rows.append({"key": entry.key, "label": entry.label, "size": entry.size, "mtime_ns": entry.mtime_ns,
                         "ctime_ns": entry.ctime_ns, "inode": entry.inode, "digest": digest, "verify": verify,
                         "options": entry.options})
            keep.append((entry, res))
        if not rows:
            return
        parts = {}
        for f in FRAMES:
            frames = [getattr(res, f) for _, res in keep]
            filled = [df for df in frames if len(df)]
            frame = pd.concat(filled, ignore_index=f != "runs") if filled else _empty(f)
            parts[f] = (frame, [len(df) for df in frames])
        with self.locked():
            chunk = uuid.uuid4().hex[:12]
            sums = self._write_chunk(chunk, [entry.key for entry, _ in keep], parts)
            for row in rows:
                row.update(chunk=chunk, sums=sums)
            idx = self._read_index(fresh=True)
            idx = pd.concat([idx[~idx["key"].isin(unique)], pd.DataFrame(rows)], ignore_index=True)
            self._write_index(idx)
            self._maybe_compact()

    def _write_chunk(self, chunk: str, keys: list[str], parts: dict[str, tuple[pd.DataFrame, list[int]]]) -> str:
        """One Parquet file per frame holding the frames of many inputs, tagged by ``_key``; their checksums.

        ``parts[f]`` is the frame ``f`` of all the inputs stacked in the order
        of ``keys`` and each input's number of rows in it. ``_key`` is
        dictionary-encoded over all of ``keys`` (one string per input, an
        integer per row): a string per sample row would cost more than the
        samples. Returns ``runs=<xxh3-64>,samples=...,log=...``.
        """
        dictionary = pa.array(keys, pa.string())

        def write(f: str) -> str:
            frame, lengths = parts[f]
            if f == "runs":
                frame = frame.reset_index()
            codes = np.repeat(np.arange(len(keys), dtype=np.int32), np.asarray(lengths, dtype=np.int64))
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.append_column("_key", pa.DictionaryArray.from_arrays(codes, dictionary))
            return f"{f}={_write_table(table, self.root / f'chunk-{chunk}.{f}.parquet', _PLAIN[f])}"

        big = [f for f in FRAMES if len(parts[f][0]) >= _PARALLEL_ROWS]
        if len(big) < 2:
            return ",".join(write(f) for f in FRAMES)
        # two large frames (a big CSV's runs and log): encoded at once, pyarrow releases the GIL while it writes
        with ThreadPoolExecutor(max_workers=len(FRAMES)) as pool:
            return ",".join(pool.map(write, FRAMES))

    def forget_missing(self, present_keys: Iterable[str], scope_labels: Iterable[str] | None = None) -> None:
        """Drop index rows of inputs that no longer exist (deleted files)."""
        present = set(present_keys)
        prefixes = tuple(scope_labels) if scope_labels is not None else None

        def gone(idx: pd.DataFrame) -> pd.Series:
            keep = idx["key"].isin(present)
            if prefixes is not None:
                keep |= ~idx["label"].astype(str).str.startswith(prefixes)
            return ~keep

        if not gone(self._read_index()).any():
            return
        with self.locked():
            idx = self._read_index(fresh=True)
            self._write_index(idx[~gone(idx)])
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        """Remove chunks nobody points at; fold many small chunks into one (caller holds the lock).

        Under the lock every chunk file is complete and any chunk the index
        does not name is garbage (left by a killed run, or superseded).
        """
        idx = self._read_index()
        live = set(idx["chunk"])
        for p in self.root.glob("chunk-*.parquet"):
            if p.name.split(".")[0].removeprefix("chunk-") not in live:
                p.unlink(missing_ok=True)
        counts = idx["chunk"].value_counts()
        small = [c for c in counts.index if counts[c] < 2]
        if len(counts) > 16 and small:
            # many small chunks (one new file per import): fold them into one
            keys = list(idx.loc[idx["chunk"].isin(small), "key"])
            stack, bad = self._load(keys)
            if not len(stack):
                return
            chunk = uuid.uuid4().hex[:12]
            sums = self._write_chunk(chunk, list(stack.keys),
                                     {f: (getattr(stack.result, f), np.diff(stack.bounds[f])) for f in FRAMES})
            idx = self._read_index().copy()
            moved = idx["key"].isin(stack.keys)
            idx.loc[moved, "chunk"] = chunk
            idx.loc[moved, "sums"] = sums
            self._write_index(idx)
            for c in small:
                for f in FRAMES:
                    (self.root / f"chunk-{c}.{f}.parquet").unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every version of runlog's cache, and nothing else.

        Only sub-folders named like a cache version (``v<decoder>-<schema hash>-...``)
        are removed, then the cache folder itself if that left it empty: pointed at a
        folder that also holds other files, ``RUNLOG_CACHE_DIR`` never costs them.
        """
        self._index = None
        if not self.base.is_dir():
            return
        for child in self.base.iterdir():
            if _VERSION_FOLDER.match(child.name) and child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.base.rmdir()  # only when empty


def _empty_index() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in INDEX_COLUMNS})
    return frame.astype({c: "int64" for c in _INT_COLUMNS} | {"verify": "bool"})


def _row_checks(idx: pd.DataFrame) -> list[str]:
    """XXH3-64 (hex) of each index row's fields but ``check``."""
    cols = [idx[c].astype(str).tolist() for c in INDEX_COLUMNS if c != "check"]
    return [xxhash.xxh3_64_hexdigest("\0".join(fields).encode()) for fields in zip(*cols, strict=True)]


def _read_index_file(path: Path) -> tuple[pd.DataFrame, str | None]:
    """The index on disk without the rows whose checksum fails (empty if unreadable), and what was wrong."""
    if not path.is_file():
        return _empty_index(), None
    try:
        with pq.ParquetFile(path) as pf:
            idx = pf.read().to_pandas()
        if list(idx.columns) != list(INDEX_COLUMNS):
            raise ValueError("columns differ")
        idx = idx.astype({c: "int64" for c in _INT_COLUMNS} | {"verify": "bool"})
        ok = np.array(_row_checks(idx), dtype=object) == idx["check"].to_numpy(dtype=object)
        ok &= ~idx["key"].duplicated(keep=False).to_numpy()
    except Exception:  # noqa: BLE001 - unreadable (a damaged page, text that is no UTF-8): read all again
        return _empty_index(), f"the import cache's index {path} cannot be read: every input is read again"
    if ok.all():
        return idx, None
    return (idx[ok].reset_index(drop=True),
            f"{int((~ok).sum())} entries of the import cache's index are damaged: their inputs are read again")


#: names of the cache's version folders (see Cache.root), old layouts included
_VERSION_FOLDER = re.compile(r"^v[0-9A-Za-z.]+-[0-9a-f]{6,}-")


def _digest_or_none(path: Path) -> str | None:
    try:
        return file_digest(path)
    except OSError:
        return None


_DTYPES = {"runs": schema.RUNS_DTYPES, "samples": schema.SAMPLES_DTYPES, "log": schema.IMPORT_LOG_DTYPES}
_COERCE = {"runs": schema.coerce_runs, "samples": schema.coerce_samples, "log": schema.coerce_import_log}


def _canonical(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The frame read back from Parquet in canonical form.

    Frames are written canonical and Parquet keeps pandas dtypes, so usually
    nothing is to be done; a big samples frame is then not copied twice by a
    coercion. Anything else (an old cache, a missing column) is coerced.
    """
    dtypes = _DTYPES[kind]
    if kind != "runs" and all(c in frame.columns and str(frame[c].dtype) == t for c, t in dtypes.items()):
        canonical = list(dtypes)
        extra = [c for c in frame.columns if c not in dtypes] if kind == "samples" else []
        if list(frame.columns) != canonical + extra:
            frame = frame[canonical + extra]
        return frame
    return _COERCE[kind](frame)


def _stacked_frame(f: str, chunks: list[str], tables: dict[tuple[str, str], tuple], order: dict[str, int],
                   chunk_of: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
    """One frame of the inputs in ``order``, stacked in that order, and each input's row bounds in it.

    Only the chunk the index names for an input counts; adjacent row ranges of
    one table are merged, so a chunk whose inputs are all wanted, in order, is
    taken whole.
    """
    pieces = []  # (stack position, table, first row, rows)
    for chunk in chunks:
        table, names, starts, lengths = tables[(chunk, f)]
        for name, start, length in zip(names, starts, lengths, strict=True):
            if name in order and chunk_of[name] == chunk:
                pieces.append((order[name], table, int(start), int(length)))
    pieces.sort(key=lambda p: p[0])
    counts = np.zeros(len(order), np.int64)
    slices: list[list] = []  # [table, first row, rows], adjacent pieces merged
    for pos, table, start, length in pieces:
        counts[pos] = length
        if slices and slices[-1][0] is table and slices[-1][1] + slices[-1][2] == start:
            slices[-1][2] += length
        elif length:
            slices.append([table, start, length])
    bounds = np.r_[0, np.cumsum(counts)]
    if not slices:
        return _empty(f), bounds
    parts = [t if (a == 0 and n == t.num_rows) else t.slice(a, n) for t, a, n in slices]
    table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
    frame = table.drop_columns(["_key"]).to_pandas(split_blocks=True, self_destruct=True)
    return _canonical(frame, f), bounds


def _segments(column: pa.ChunkedArray, chunk: str = "") -> tuple[list[str], np.ndarray, np.ndarray]:
    """The inputs of a chunk's ``_key`` column with the first row and number of rows of each.

    Raises
    ------
    _BadChunk
        When an input's rows are not contiguous or a key is missing: the chunk
        was not written by :meth:`Cache.store`.
    """
    if len(column) == 0:
        return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    if column.null_count:
        raise _BadChunk(chunk, "a row has no input key")
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    column = column.unify_dictionaries()
    names = column.chunk(0).dictionary.to_pylist()
    codes = np.concatenate([piece.indices.to_numpy() for piece in column.chunks])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(codes)])
    firsts = codes[starts]
    if len(np.unique(firsts)) != len(firsts):
        raise _BadChunk(chunk, "the rows of an input are not contiguous")
    return [names[c] for c in firsts], starts, lengths


#: empty canonical frames, made on first use
_EMPTY: dict[str, pd.DataFrame] = {}
_MAKE_EMPTY = {"runs": schema.empty_runs, "samples": schema.empty_samples, "log": schema.empty_import_log}


def _empty(frame: str) -> pd.DataFrame:
    """A new empty canonical frame (a copy of one made once: coercing costs ~2 ms)."""
    if frame not in _EMPTY:
        _EMPTY[frame] = _MAKE_EMPTY[frame]()
    return _EMPTY[frame].copy()
