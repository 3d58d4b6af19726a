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

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import __version__, schema
from analysis.io.base import ReadResult

#: bump when a reader's output changes for the same bytes
DECODER_VERSION = "1"
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
        pq.write_table(table, tmp)
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

    def lookup(self, entries: Iterable[tuple[Entry, Path]]) -> tuple[dict[str, ReadResult], list[str]]:
        """Cached results for inputs that did not change, and the keys that must be read.

        An input whose size or mtime changed is hashed; when its content hash
        is the one stored, its cached result is still used (and its stamp
        refreshed on the next :meth:`store`).
        """
        idx = self._read_index().set_index("key", drop=False)
        hits: list[str] = []
        misses: list[str] = []
        touched: dict[str, tuple[int, int]] = {}
        for entry, path in entries:
            if entry.key not in idx.index:
                misses.append(entry.key)
                continue
            row = idx.loc[entry.key]
            if int(row["size"]) == entry.size and int(row["mtime_ns"]) == entry.mtime_ns:
                hits.append(entry.key)
            elif file_digest(path) == row["digest"]:
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
            results = self._load(hits)
        except Exception:  # unreadable chunk: forget the cache, read everything again
            self.clear()
            return {}, hits + misses
        return results, misses

    def _load(self, keys: list[str]) -> dict[str, ReadResult]:
        if not keys:
            return {}
        idx = self._read_index()
        wanted = idx[idx["key"].isin(keys)]
        frames: dict[str, list[pd.DataFrame]] = {f: [] for f in FRAMES}
        keyset = pa.array(list(wanted["key"]))
        for chunk in wanted["chunk"].unique():
            for f in FRAMES:
                path = self.root / f"chunk-{chunk}.{f}.parquet"
                table = pq.read_table(path)
                table = table.filter(pc.is_in(table["_key"], value_set=keyset))
                if table.num_rows:
                    frames[f].append(table.to_pandas())
        out: dict[str, ReadResult] = {}
        split = {f: (pd.concat(v, ignore_index=True) if v else None) for f, v in frames.items()}
        groups = {f: dict(tuple(df.groupby("_key", sort=False))) if df is not None else {} for f, df in split.items()}
        for key in wanted["key"]:
            runs = groups["runs"].get(key)
            samples = groups["samples"].get(key)
            log = groups["log"].get(key)
            out[key] = ReadResult(
                schema.coerce_runs(runs.drop(columns="_key")) if runs is not None else schema.empty_runs(),
                schema.coerce_samples(samples.drop(columns="_key")) if samples is not None
                else schema.empty_samples(),
                schema.coerce_import_log(log.drop(columns="_key")) if log is not None
                else schema.empty_import_log(),
            )
        return out

    def store(self, items: list[tuple[Entry, Path, ReadResult]]) -> None:
        """Write the results of freshly read inputs as one new chunk."""
        if not items:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        chunk = uuid.uuid4().hex[:12]
        parts: dict[str, list[pd.DataFrame]] = {f: [] for f in FRAMES}
        rows = []
        for entry, path, res in items:
            runs = res.runs.reset_index()
            for f, df in (("runs", runs), ("samples", res.samples), ("log", res.log)):
                if len(df):
                    parts[f].append(df.assign(_key=entry.key))
            rows.append({"key": entry.key, "label": entry.label, "size": entry.size,
                         "mtime_ns": entry.mtime_ns, "digest": file_digest(path), "chunk": chunk,
                         "options": entry.options})
        for f in FRAMES:
            df = pd.concat(parts[f], ignore_index=True) if parts[f] else _empty_frame(f)
            _atomic_write_table(pa.Table.from_pandas(df, preserve_index=False),
                                self.root / f"chunk-{chunk}.{f}.parquet")
        idx = self._read_index()
        new_keys = {r["key"] for r in rows}
        idx = pd.concat([idx[~idx["key"].isin(new_keys)], pd.DataFrame(rows)], ignore_index=True)
        self._write_index(idx)
        self._maybe_compact()

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
            paths = {r["key"]: r for _, r in idx[idx["key"].isin(keys)].iterrows()}
            chunk = uuid.uuid4().hex[:12]
            parts: dict[str, list[pd.DataFrame]] = {f: [] for f in FRAMES}
            for k, res in results.items():
                for f, df in (("runs", res.runs.reset_index()), ("samples", res.samples), ("log", res.log)):
                    if len(df):
                        parts[f].append(df.assign(_key=k))
            for f in FRAMES:
                df = pd.concat(parts[f], ignore_index=True) if parts[f] else _empty_frame(f)
                _atomic_write_table(pa.Table.from_pandas(df, preserve_index=False),
                                    self.root / f"chunk-{chunk}.{f}.parquet")
            idx = idx.copy()
            idx.loc[idx["key"].isin(list(paths)), "chunk"] = chunk
            self._write_index(idx)
            for c in small:
                for f in FRAMES:
                    (self.root / f"chunk-{c}.{f}.parquet").unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove the whole cache folder (every version)."""
        self._index = None
        if self.base.is_dir():
            shutil.rmtree(self.base, ignore_errors=True)


def _empty_frame(frame: str) -> pd.DataFrame:
    if frame == "runs":
        df = schema.empty_runs().reset_index()
    elif frame == "samples":
        df = schema.empty_samples()
    else:
        df = schema.empty_import_log()
    return df.assign(_key=pd.Series([], dtype="string"))
