"""On-disk cache of decoded inputs, so that re-importing an archive is quick.

A runner re-imports the same 500-3,000 files every time one run is added. The
cache keeps each input's decoded runs, samples and import-log rows as Parquet,
keyed by the input's path, size and modification time, with a content hash to
tell a touched-but-unchanged file from a changed one, and stamped with the
decoder and schema versions: a changed file, or a new runlog, re-imports just
what changed.

Layout (in the user's cache folder from ``platformdirs``, never beside the data
unless asked): ``index.parquet`` (one row per cached input) and chunk files
``chunk-<id>.<frame>.parquet`` each holding the frames of *many* inputs, tagged
by a ``_key`` column. One Parquet file per input would make per-file overhead
dominate at these speeds, so new inputs are written as one chunk per import and
chunks are compacted when too much of them is stale. Every write goes to a
temporary file first and is renamed into place, so a killed run leaves the
previous cache intact; a cache that cannot be read is rebuilt, never trusted.

Written by hand: no library offers a content-addressed, versioned cache of
DataFrames keyed by file identity; the storage itself is pyarrow's Parquet.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import __version__, schema
from analysis.io.base import ReadResult

#: bump when a reader's output changes for the same bytes
DECODER_VERSION = "2"
#: derived from the frames' columns, so a schema change invalidates the cache
SCHEMA_VERSION = hashlib.sha1(
    repr((schema.RUNS_DTYPES, schema.SAMPLES_DTYPES, schema.IMPORT_LOG_DTYPES)).encode()
).hexdigest()[:12]
FRAMES = ("runs", "samples", "log")
STALE_FRACTION_TO_COMPACT = 0.5
INDEX_COLUMNS = ("key", "label", "size", "mtime_ns", "digest", "chunk", "options")


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


def _stat(path: Path) -> tuple[int, int]:
    """Size and mtime; for a folder, the totals over its files."""
    if path.is_dir():
        size, mtime = 0, 0
        for p in path.rglob("*"):
            if p.is_file():
                st = p.stat()
                size += st.st_size
                mtime = max(mtime, st.st_mtime_ns)
        return size, mtime
    st = path.stat()
    return st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class Entry:
    """What identifies one cached input."""

    key: str
    label: str
    size: int
    mtime_ns: int
    options: str


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="lz4")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class Cache:
    """Decoded-input cache in one folder.

    Parameters
    ----------
    root : Path, optional
        Folder of the cache; default :func:`default_cache_dir`. A sub-folder
        per decoder/schema version keeps versions apart.
    """

    def __init__(self, root: Path | None = None):
        base = Path(root) if root is not None else default_cache_dir()
        self.base = base
        self.root = base / f"v{DECODER_VERSION}-{SCHEMA_VERSION}-{__version__}"
        self._index: pd.DataFrame | None = None

    # -- index -------------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        return self.root / "index.parquet"

    def _read_index(self) -> pd.DataFrame:
        if self._index is not None:
            return self._index
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in INDEX_COLUMNS})
        if not self.index_path.is_file():
            self._index = empty
            return self._index
        try:
            idx = pq.read_table(self.index_path).to_pandas()
            if list(idx.columns) != list(INDEX_COLUMNS):
                raise ValueError("index columns differ")
            self._index = idx
        except Exception:  # a corrupt cache is rebuilt, never trusted
            self.clear()
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
        size, mtime = _stat(path)
        key = hashlib.sha1(f"{Path(path).resolve()}\0{options}".encode()).hexdigest()
        return Entry(key=key, label=label, size=size, mtime_ns=mtime, options=options)

    def lookup(
        self, entries: Iterable[tuple[Entry, Path]], samples: bool = True
    ) -> tuple[dict[str, ReadResult], list[str]]:
        """Cached results for inputs that did not change, and the keys that must be read.

        An input whose size or mtime changed is hashed; when its content hash
        is the one stored, its cached result is still used (and its stamp
        refreshed on the next :meth:`store`). With ``samples=False`` the
        samples are not read at all (the results hold empty samples): most of
        the cache is samples, and listing runs does not need them.
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
            elif file_digest(path) == digest:
                hits.append(entry.key)
                touched[entry.key] = (entry.size, entry.mtime_ns)
            else:
                misses.append(entry.key)
        if touched:
            idx2 = self._read_index().copy()
            for k, (size, mtime) in touched.items():
                sel = idx2["key"] == k
                idx2.loc[sel, "size"] = size
                idx2.loc[sel, "mtime_ns"] = mtime
            self._write_index(idx2)
        try:
            results = self._load(hits, samples=samples)
        except Exception:  # unreadable chunk: forget the cache, read everything again
            self.clear()
            return {}, hits + misses
        return results, misses

    def _load(self, keys: list[str], samples: bool = True) -> dict[str, ReadResult]:
        """The cached results of these inputs.

        Each frame is read once for all inputs (one Arrow table per chunk,
        concatenated), coerced once, and cut into per-input slices: the rows
        of one input are contiguous, as :meth:`store` writes them.
        """
        if not keys:
            return {}
        idx = self._read_index()
        wanted = idx[idx["key"].isin(keys)]
        tables: dict[str, list[pa.Table]] = {f: [] for f in FRAMES}
        frames = FRAMES if samples else tuple(f for f in FRAMES if f != "samples")
        for chunk, keys_here in wanted.groupby("chunk", sort=False)["key"]:
            # only the rows of inputs the index assigns to THIS chunk: a chunk may still hold
            # rows of an input that changed since and now lives in a newer chunk
            keyset = pa.array(list(keys_here), type=pa.string())
            for f in frames:
                table = pq.read_table(self.root / f"chunk-{chunk}.{f}.parquet")
                table = table.filter(pc.is_in(table["_key"].cast(pa.string()), value_set=keyset))
                if table.num_rows:
                    tables[f].append(table)
        slices: dict[str, dict[str, pd.DataFrame]] = {}
        for f in FRAMES:
            if not tables[f]:
                slices[f] = {}
                continue
            table = pa.concat_tables(tables[f], promote_options="default")
            row_keys = _row_keys(table.column("_key"))
            frame = table.drop_columns(["_key"]).to_pandas(split_blocks=True, self_destruct=True)
            slices[f] = _split(_canonical(frame, f), row_keys, runs=f == "runs")
        out: dict[str, ReadResult] = {}
        for key in wanted["key"]:
            parts = {f: slices[f].get(key) for f in FRAMES}
            out[key] = ReadResult(*(parts[f] if parts[f] is not None else _EMPTY[f].copy() for f in FRAMES))
        return out

    def store(self, items: list[tuple[Entry, Path, ReadResult]]) -> None:
        """Write the results of freshly read inputs as one new chunk."""
        if not items:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        chunk = uuid.uuid4().hex[:12]
        rows = [
            {"key": entry.key, "label": entry.label, "size": entry.size, "mtime_ns": entry.mtime_ns,
             "digest": file_digest(path), "chunk": chunk, "options": entry.options}
            for entry, path, _ in items
        ]
        self._write_chunk(chunk, [(entry.key, res) for entry, _, res in items])
        idx = self._read_index()
        new_keys = {r["key"] for r in rows}
        idx = pd.concat([idx[~idx["key"].isin(new_keys)], pd.DataFrame(rows)], ignore_index=True)
        self._write_index(idx)
        self._maybe_compact()

    def _write_chunk(self, chunk: str, results: list[tuple[str, ReadResult]]) -> None:
        """One Parquet file per frame holding the results of many inputs, tagged by ``_key``.

        ``_key`` is dictionary-encoded (one string per input, an integer per
        row): a string per sample row would cost more than the samples.
        """
        for f in FRAMES:
            frames = [(key, getattr(res, f)) for key, res in results if len(getattr(res, f))]
            if frames:
                df = pd.concat([df for _, df in frames], ignore_index=f != "runs")
                if f == "runs":
                    df = df.reset_index()
                codes = np.repeat(np.arange(len(frames), dtype=np.int32), [len(d) for _, d in frames])
                keys = pa.DictionaryArray.from_arrays(codes, pa.array([key for key, _ in frames], pa.string()))
                table = pa.Table.from_pandas(df, preserve_index=False).append_column("_key", keys)
            else:
                table = pa.Table.from_pandas(_empty_frame(f), preserve_index=False)
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
        """Remove chunks nobody points at; rewrite chunks that are mostly stale."""
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
            results = self._load(keys)
            chunk = uuid.uuid4().hex[:12]
            self._write_chunk(chunk, list(results.items()))
            idx = idx.copy()
            idx.loc[idx["key"].isin(keys), "chunk"] = chunk
            self._write_index(idx)
            for c in small:
                for f in FRAMES:
                    (self.root / f"chunk-{c}.{f}.parquet").unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove the whole cache folder (every version)."""
        self._index = None
        if self.base.is_dir():
            shutil.rmtree(self.base, ignore_errors=True)


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


def _row_keys(column: pa.ChunkedArray) -> np.ndarray:
    """The ``_key`` of every row as an object array (dictionary-encoded or plain strings)."""
    parts = []
    for piece in column.chunks:
        if pa.types.is_dictionary(piece.type):
            names = np.array(piece.dictionary.to_pylist(), dtype=object)
            parts.append(names[piece.indices.to_numpy(zero_copy_only=False)])
        else:
            parts.append(piece.to_numpy(zero_copy_only=False).astype(object))
    return np.concatenate(parts) if parts else np.array([], dtype=object)


def _split(frame: pd.DataFrame, row_keys: np.ndarray, runs: bool) -> dict[str, pd.DataFrame]:
    """Cut a frame into the slices of each input (rows of one input are contiguous)."""
    n = len(row_keys)
    starts = np.flatnonzero(np.r_[True, row_keys[1:] != row_keys[:-1]]) if n else np.array([], dtype=int)
    ends = np.r_[starts[1:], n]
    if len(set(row_keys[starts])) != len(starts):  # not contiguous (never written so): group instead
        order = np.argsort(row_keys, kind="stable")
        return _split(frame.iloc[order], row_keys[order], runs)
    out = {}
    for key, a, b in zip(row_keys[starts], starts, ends, strict=True):
        part = frame.iloc[a:b]
        if not runs:
            part.index = pd.RangeIndex(b - a)
        out[key] = part
    return out


#: empty canonical frames, made once
_EMPTY = {"runs": schema.empty_runs(), "samples": schema.empty_samples(), "log": schema.empty_import_log()}


def _empty_frame(frame: str) -> pd.DataFrame:
    if frame == "runs":
        df = schema.empty_runs().reset_index()
    elif frame == "samples":
        df = schema.empty_samples()
    else:
        df = schema.empty_import_log()
    return df.assign(_key=pd.Series([], dtype="string"))
