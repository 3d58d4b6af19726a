"""Where the cohort store lives: a local folder or any fsspec URL (DESIGN.md "A clinic or a cohort").

The store is named by a string: a path (``/data/store``) or a URL that fsspec
understands (``file:///data/store``, ``s3://bucket/store``, ``memory://store``
for one process). Every worker must reach it: with a process pool or Dask, a
``memory://`` store lives in one process only. fsspec is the filesystem layer of
pandas, pyarrow and Dask, so the store needs nothing of its own.
"""

from __future__ import annotations

import os

from analysis.errors import RunlogError


def store_name(store: str | os.PathLike) -> str:
    """The store as a string (a path or a URL), kept as given so that workers resolve it the same way."""
    return os.fspath(store) if not isinstance(store, str) else store


def is_url(store: str | os.PathLike) -> bool:
    """True for ``protocol://...`` (a ``file://`` URL too)."""
    return "://" in store_name(store)


def open_store(store: str | os.PathLike):
    """(fsspec filesystem, root path inside it) of ``store``.

    Raises
    ------
    RunlogError
        fsspec is missing, or the URL's protocol is unknown or needs a package.
    """
    try:
        import fsspec
    except ImportError:  # fsspec comes with the 'cohort' extra (dask)
        raise RunlogError("the cohort store needs fsspec: pip install 'runlog[cohort]'") from None
    name = store_name(store)
    try:
        fs, root = fsspec.core.url_to_fs(name)
    except (ValueError, ImportError) as exc:
        raise RunlogError(f"cannot open the cohort store ({exc}): give a folder or an fsspec URL "
                          "such as file:///path or s3://bucket/path", path=name) from None
    return fs, root.rstrip("/") or "/"


def is_local(fs) -> bool:
    """True for the local filesystem (DuckDB then reads the files by path)."""
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)
