"""On-disk cache of decoded inputs, so that re-importing an archive is quick.

A runner re-imports the same 500-3,000 files every time one run is added. The
cache keeps each input's decoded runs, samples and import-log rows as Parquet,
keyed by the input's path, size and modification time, with a content hash to
tell a touched-but-unchanged file from a changed one, and stamped with the
decoder, schema and layout versions: a changed file, or a new runlog,
re-imports just what changed.

Layout (in the user's cache folder from ``platformdirs``, never beside the data
unless asked): ``index.parquet`` (one row per cached input) and chunk files
``chunk-<id>.<frame>.parquet`` each holding the frames of *many* inputs, tagged
by a dictionary-encoded ``_key`` column; the rows of one input are contiguous
and every input is in a chunk once. One Parquet file per input would make
per-file overhead dominate at these speeds, so new inputs are written as one
chunk per import and chunks are compacted when too much of them is stale.

A warm import reads each chunk as a whole table and hands the loader one
:class:`Stack` of frames for all the inputs found, in the order asked for: a
chunk is cut only where it holds inputs that changed or were not asked for, and
no frame is ever built per input (per-input frames cost 0.1-0.2 ms each to cut
and as much to concatenate again, more than reading the chunk).

Durability: every file is written to a temporary file beside it
(``.<name>.<random>.tmp``), flushed to disk (``fsync``), renamed into place,
and the folder's entry flushed where the system allows it (POSIX; not
Windows), so a killed run or a power cut leaves the previous file intact. A
temporary file left by a killed run is removed when the cache is next opened,
once it is older than :data:`STALE_TEMP_AGE_S` (a live write touches its file
continuously, so a concurrent writer's file is never taken). A cache that
cannot be read is rebuilt, never trusted.

Written by hand: no library offers a content-addressed, versioned cache of
DataFrames keyed by file identity; the storage itself is pyarrow's Parquet.
The fsync-then-rename sequence is the POSIX recipe (``rename(2)``, ``fsync(2)``)
that no standard-library call wraps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import __version__, schema
from analysis.io.base import ReadResult

#: bump when a reader's output changes for the same bytes
DECODER_VERSION = "2"
#: derived from the frames' columns, so a schema change invalidates the cache
SCHEMA_VERSION = hashlib.sha1(
    repr((schema.RUNS_DTYPES, schema.SAMPLES_DTYPES, schema.IMPORT_LOG_DTYPES)).encode()
).hexdigest()[:12]
#: bump when the files' layout changes; 2: every input once per chunk, all chunk keys in the dictionary
LAYOUT_VERSION = "2"
FRAMES = ("runs", "samples", "log")
STALE_FRACTION_TO_COMPACT = 0.5
INDEX_COLUMNS = ("key", "label", "size", "mtime_ns", "digest", "chunk", "options")
#: a temporary file of the cache untouched for this long was left by a process that died
STALE_TEMP_AGE_S = 60.0
#: the names :func:`_atomic_write_table` gives its temporary files in the cache (``tempfile.mkstemp``)
_CACHE_TEMP = re.compile(r"\.(?:index|chunk-[0-9a-f]{12}\.(?:runs|samples|log))\.parquet\.[a-z0-9_]{8}\.tmp")


def default_cache_dir() -> Path:
    """The user's cache folder for runlog (e.g. ``~/.cache/runlog``)."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("RUNLOG_CACHE_DIR") or user_cache_dir("runlog", appauthor=False))


def file_digest(path: Path) -> str:
    """BLAKE2b digest (16 bytes, hex) of a file's bytes, or of a folder's listing."""
    h = hashlib.blake2b(digest_size=16)
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stat(path: Path, st: os.stat_result) -> tuple[int, int]:
    """Size and mtime from ``st`` (the path's own ``stat``); for a folder, the totals over its files."""
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size, st.st_mtime_ns
    size, mtime = 0, 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            size += st.st_size
            mtime = max(mtime, st.st_mtime_ns)
    return size, mtime


# -- durable writes ----------------------------------------------------------------------


def replace_durably(tmp: str | Path, path: Path) -> None:
    """Flush the written file ``tmp`` to disk, rename it to ``path``, flush the folder's entry.

    Without the first ``fsync`` a power cut after the rename can leave ``path``
    empty or partly written (the rename reaches the disk before the data on
    file systems such as ext4 with delayed allocation); without the second the
    rename itself may be lost. See POSIX ``fsync(2)`` and ``rename(2)``.
    """
    fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes only writable handles
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(Path(path).parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the system allows it.

    Windows cannot open a folder as a file, and some file systems refuse to
    flush one (``EINVAL``): the rename is then as durable as the system makes it.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="lz4")
        replace_durably(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def remove_stale_temps(folder: Path, max_age_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Remove the cache's own temporary files in ``folder`` older than ``max_age_s``; returns them.

    Only names :func:`_atomic_write_table` gives (``.index.parquet.<8>.tmp``,
    ``.chunk-<id>.<frame>.parquet.<8>.tmp``), only plain files, only old ones:
    a temporary file of a writer still running is recent, anything else in the
    folder is not the cache's to remove.
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


# -- what the cache gives ----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What identifies one cached input."""

    key: str
    label: str
    size: int
    mtime_ns: int
    options: str


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
    """

    keys: tuple[str, ...]
    result: ReadResult
    bounds: dict[str, np.ndarray]

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


class Cache:
    """Decoded-input cache in one folder.

    Parameters
    ----------
    root : Path, optional
        Folder of the cache; default :func:`default_cache_dir`. A sub-folder
        per decoder/schema/layout version keeps versions apart.
    """

    def __init__(self, root: Path | None = None):
        base = Path(root) if root is not None else default_cache_dir()
        self.base = base
        self.root = base / f"v{DECODER_VERSION}-{SCHEMA_VERSION}-l{LAYOUT_VERSION}-{__version__}"
        self._index: pd.DataFrame | None = None

    # -- index -------------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        return self.root / "index.parquet"

    def _read_index(self) -> pd.DataFrame:
        if self._index is not None:
            return self._index
        remove_stale_temps(self.root)  # opening the cache: what a killed run left behind goes
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in INDEX_COLUMNS})
        if not self.index_path.is_file():
            self._index = empty
            return self._index
        try:
            idx = _read_parquet(self.index_path).to_pandas()
            if list(idx.columns) != list(INDEX_COLUMNS) or idx["key"].duplicated().any():
                raise ValueError("index columns differ, or an input is in it twice")
            self._index = idx
        except Exception:  # a corrupt cache is rebuilt, never trusted
            self._reset()
            self._index = empty
        return self._index

    def _write_index(self, idx: pd.DataFrame) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        idx = idx.reset_index(drop=True)
        _atomic_write_table(pa.Table.from_pandas(idx.astype({"size": "int64", "mtime_ns": "int64"}),
                                                 preserve_index=False), self.index_path)
        self._index = idx

    # -- public ------------------------------------------------------------------------
    @staticmethod
    def entry(path: Path, label: str, options: str = "") -> Entry:
        """The identity of an input on disk (path, size, mtime, read options)."""
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
            size, mtime = _stat(Path(path_s), st)
            key = hashlib.sha1(f"{real}\0{options}".encode()).hexdigest()
            out.append(Entry(key=key, label=label, size=size, mtime_ns=mtime, options=options))
        return out

    def lookup(self, entries: Iterable[tuple[Entry, Path]], samples: bool = True) -> tuple[Stack, list[str]]:
        """Cached frames of the inputs that did not change, and the keys that must be read.

        An input whose size or mtime changed is hashed; when its content hash
        is the one stored, its cached result is still used (and its stamp
        refreshed). With ``samples=False`` the samples are not read at all
        (the stack holds empty samples): most of the cache is samples, and
        listing runs does not need them.

        Returns
        -------
        Stack
            The frames of every unchanged input, stacked in the order of
            ``entries`` (an input given twice is in it once).
        list of str
            The keys of the inputs to read again (new or changed).
        """
        idx = self._read_index()
        # plain dicts: one lookup per input, thousands of inputs
        known = {
            k: (int(size), int(mtime), digest)
            for k, size, mtime, digest in zip(idx["key"], idx["size"], idx["mtime_ns"], idx["digest"], strict=True)
        }
        hits: list[str] = []
        misses: list[str] = []
        touched: dict[str, tuple[int, int]] = {}
        for entry, path in entries:
            row = known.get(entry.key)
            if row is None:
                misses.append(entry.key)
                continue
            size, mtime, digest = row
            if size == entry.size and mtime == entry.mtime_ns:
                hits.append(entry.key)
            elif _digest_or_none(path) == digest:
                hits.append(entry.key)
                touched[entry.key] = (entry.size, entry.mtime_ns)
            else:  # changed, or unreadable now: read afresh (the reader logs why it fails)
                misses.append(entry.key)
        if touched:
            idx2 = self._read_index().copy()
            for k, (size, mtime) in touched.items():
                sel = idx2["key"] == k
                idx2.loc[sel, "size"] = size
                idx2.loc[sel, "mtime_ns"] = mtime
            self._write_index(idx2)
        try:
            stack = self._load(hits, samples=samples)
        except Exception:  # unreadable chunk: forget the cache, read everything again
            self._reset()
            return Stack.empty(), hits + misses
        return stack, misses

    def _load(self, keys: list[str], samples: bool = True) -> Stack:
        """The cached frames of these inputs, stacked in the order of ``keys``.

        Each chunk's frame is read as one Arrow table; the runs of rows of the
        inputs wanted (each input's rows are contiguous, as :meth:`store`
        writes them) are put in the order asked for and merged where adjacent,
        so a chunk whose inputs are all wanted, in order, is taken whole. A
        chunk may still hold rows of an input that changed since and now lives
        in a newer chunk: only the chunk the index names for an input counts.

        Raises
        ------
        ValueError, OSError, pyarrow.ArrowException
            A chunk that is missing, unreadable or not as written (the caller
            rebuilds the cache).
        """
        order = {k: n for n, k in enumerate(dict.fromkeys(keys))}
        if not order:
            return Stack.empty()
        idx = self._read_index()
        chunk_of = dict(zip(idx["key"], idx["chunk"], strict=True))
        chunks = list(dict.fromkeys(chunk_of[k] for k in order))
        frames = FRAMES if samples else tuple(f for f in FRAMES if f != "samples")
        loaded: dict[str, pd.DataFrame] = {}
        bounds: dict[str, np.ndarray] = {}
        for f in FRAMES:
            if f not in frames:
                loaded[f], bounds[f] = _empty(f), np.zeros(len(order) + 1, np.int64)
                continue
            pieces = []  # (stack position, table, first row, rows)
            for chunk in chunks:
                table = _read_parquet(self.root / f"chunk-{chunk}.{f}.parquet")
                names, starts, lengths = _segments(table.column("_key"))
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
            bounds[f] = np.r_[0, np.cumsum(counts)]
            if not slices:
                loaded[f] = _empty(f)
                continue
            parts = [t if (a == 0 and n == t.num_rows) else t.slice(a, n) for t, a, n in slices]
            table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
            frame = table.drop_columns(["_key"]).to_pandas(split_blocks=True, self_destruct=True)
            loaded[f] = _canonical(frame, f)
            if len(loaded[f]) != bounds[f][-1]:
                raise ValueError(f"the {f} rows of the chunks do not add up")
        return Stack(tuple(order), ReadResult(*(loaded[f] for f in FRAMES)), bounds)

    def store(self, items: list[tuple[Entry, Path, ReadResult]]) -> None:
        """Write the results of freshly read inputs as one new chunk (an input given twice once)."""
        unique: dict[str, tuple[Entry, Path, ReadResult]] = {}
        for entry, path, res in items:
            unique.setdefault(entry.key, (entry, path, res))  # the first of an input given twice
        items = list(unique.values())
        if not items:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        chunk = uuid.uuid4().hex[:12]
        rows = [
            {"key": entry.key, "label": entry.label, "size": entry.size, "mtime_ns": entry.mtime_ns,
             "digest": file_digest(path), "chunk": chunk, "options": entry.options}
            for entry, path, _ in items
        ]
        parts = {}
        for f in FRAMES:
            frames = [getattr(res, f) for _, _, res in items]
            filled = [df for df in frames if len(df)]
            frame = pd.concat(filled, ignore_index=f != "runs") if filled else _empty(f)
            parts[f] = (frame, [len(df) for df in frames])
        self._write_chunk(chunk, [entry.key for entry, _, _ in items], parts)
        idx = self._read_index()
        idx = pd.concat([idx[~idx["key"].isin(unique)], pd.DataFrame(rows)], ignore_index=True)
        self._write_index(idx)
        self._maybe_compact()

    def _write_chunk(self, chunk: str, keys: list[str], parts: dict[str, tuple[pd.DataFrame, list[int]]]) -> None:
        """One Parquet file per frame holding the frames of many inputs, tagged by ``_key``.

        ``parts[f]`` is the frame ``f`` of all the inputs stacked in the order
        of ``keys`` and each input's number of rows in it. ``_key`` is
        dictionary-encoded over all of ``keys`` (one string per input, an
        integer per row): a string per sample row would cost more than the
        samples.
        """
        dictionary = pa.array(keys, pa.string())
        for f in FRAMES:
            frame, lengths = parts[f]
            if f == "runs":
                frame = frame.reset_index()
            codes = np.repeat(np.arange(len(keys), dtype=np.int32), np.asarray(lengths, dtype=np.int64))
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.append_column("_key", pa.DictionaryArray.from_arrays(codes, dictionary))
            _atomic_write_table(table, self.root / f"chunk-{chunk}.{f}.parquet")

    def forget_missing(self, present_keys: Iterable[str], scope_labels: Iterable[str] | None = None) -> None:
        """Drop index rows of inputs that no longer exist (deleted files)."""
        idx = self._read_index()
        keep = idx["key"].isin(set(present_keys))
        if scope_labels is not None:
            prefixes = tuple(scope_labels)
            keep |= ~idx["label"].astype(str).str.startswith(prefixes)
        if not keep.all():
            self._write_index(idx[keep])
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        """Remove chunks nobody points at; fold many small chunks into one.

        A chunk that cannot be read while folding means the cache is damaged:
        it is cleared (the next import reads everything again).
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
            try:
                stack = self._load(keys)
            except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
                self._reset()
                return
            chunk = uuid.uuid4().hex[:12]
            self._write_chunk(chunk, list(stack.keys),
                              {f: (getattr(stack.result, f), np.diff(stack.bounds[f])) for f in FRAMES})
            idx = idx.copy()
            idx.loc[idx["key"].isin(keys), "chunk"] = chunk
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

    def _reset(self) -> None:
        """Drop this version's cache (corrupt or inconsistent): it is rebuilt from the sources."""
        self._index = None
        if self.root.is_dir() and not self.root.is_symlink():
            shutil.rmtree(self.root, ignore_errors=True)


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


def _segments(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The inputs of a chunk's ``_key`` column with the first row and number of rows of each.

    Raises
    ------
    ValueError
        When an input's rows are not contiguous or a key is missing: the chunk
        was not written by :meth:`Cache.store`.
    """
    if len(column) == 0:
        return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    if column.null_count:
        raise ValueError("a cached row has no input key")
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    column = column.unify_dictionaries()
    names = column.chunk(0).dictionary.to_pylist()
    codes = np.concatenate([piece.indices.to_numpy() for piece in column.chunks])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(codes)])
    firsts = codes[starts]
    if len(np.unique(firsts)) != len(firsts):
        raise ValueError("the rows of a cached input are not contiguous")
    return [names[c] for c in firsts], starts, lengths


def _read_parquet(path: Path) -> pa.Table:
    """One Parquet file as a table (``ParquetFile``: ``read_table`` would load ``pyarrow.dataset``)."""
    with pq.ParquetFile(path) as pf:
        return pf.read()


#: empty canonical frames, made on first use
_EMPTY: dict[str, pd.DataFrame] = {}
_MAKE_EMPTY = {"runs": schema.empty_runs, "samples": schema.empty_samples, "log": schema.empty_import_log}


def _empty(frame: str) -> pd.DataFrame:
    """A new empty canonical frame (a copy of one made once: coercing costs ~2 ms)."""
    if frame not in _EMPTY:
        _EMPTY[frame] = _MAKE_EMPTY[frame]()
    return _EMPTY[frame].copy()
