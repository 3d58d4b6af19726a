"""Writing a file whole or not at all: the one helper behind every file runlog writes.

:func:`atomic_write` is used by the PDF report, the findings JSON, the runs
CSV/Parquet (``runlog runs -o``) and the import cache
(:mod:`analysis.ingest.cache`). The content goes to a temporary file beside
the target (``.<name>.<8 hex>.tmp``, created with mode ``0o666`` so that the
system applies the user's umask, as for any file a program creates: 0644 with
the usual umask 022), is flushed to disk (``fsync``), renamed over the target
(``rename(2)`` is atomic on POSIX and on Windows' ``MoveFileEx``), and the
folder's entry is flushed where the system allows it. A killed run, a full
disk or an exception in the writer leaves the previous file as it was and no
temporary file.

For a user's output (``user_output=True``, the default) the place is checked
first and every failure is a :class:`~analysis.errors.RunlogError` of one line
naming the path and the fix: a folder that does not exist (it is not created:
a typo in a path should not scatter folders), a path that is an existing
folder, a folder that cannot be written. A target that is a symbolic link is
written where the link points (the link stays).

Written by hand: the fsync-then-rename sequence is the POSIX recipe
(``fsync(2)``, ``rename(2)``) that no standard-library call wraps, and the
libraries that do wrap it (``atomicwrites``, unmaintained) do not flush the
folder or honour the umask.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from analysis.errors import RunlogError

#: the suffix of the temporary files (the cache removes its own stale ones by name)
TEMP_SUFFIX = ".tmp"


def temp_name(path: Path) -> Path:
    """A new temporary name beside ``path``: ``.<name>.<8 hex digits>.tmp`` (hidden, never the target's)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


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


def replace_durably(tmp: str | Path, path: str | Path) -> None:
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


def check_output_path(path: str | os.PathLike) -> Path:
    """Where a user's output will be written (a link's target), or a one-line error saying how to fix it.

    Raises
    ------
    RunlogError
        The path is an existing folder, its folder does not exist (or is a
        file), or the folder cannot be written.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise RunlogError(f"is a folder: give a file name in it, e.g. {path / 'out'}{path.suffix}", path=path)
    folder = path.parent
    if not folder.exists():
        raise RunlogError(f"its folder does not exist: create it first (mkdir -p {folder}) "
                          "or give a path in an existing folder", path=path)
    if not folder.is_dir():
        raise RunlogError(f"{folder} is a file, not a folder: give a path in an existing folder", path=path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RunlogError("its folder cannot be written (read-only or not yours): "
                          "give a path in a folder you can write to", path=path)
    return path


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object], *, user_output: bool = True) -> Path:
    """Write a file whole or not at all, with the permissions of a new file under the user's umask.

    Parameters
    ----------
    path : str or PathLike
        The file to write (replaced if it exists).
    write : callable
        ``write(tmp)`` writes the whole content to the path ``tmp`` (a file
        already created, empty); e.g. ``lambda p: frame.to_csv(p)``.
    user_output : bool
        A user's output (default): the place is checked first and any failure
        to write is a :class:`RunlogError` naming the path and the fix. False
        (the cache) lets ``OSError`` through to the caller.

    Returns
    -------
    Path
        The path written (a link's target when ``path`` is a link).

    Raises
    ------
    RunlogError
        ``user_output`` only: a place that cannot take the file, or a write
        that failed (disk full, ...). Nothing was changed.
    OSError
        Not ``user_output``: the write failed. Nothing was changed.
    """
    target = check_output_path(path) if user_output else Path(path)
    tmp = temp_name(target)
    try:
        # O_EXCL: never someone else's file; mode 0o666 & ~umask, applied by the system
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        os.close(fd)
    except OSError as exc:
        if not user_output:
            raise
        raise RunlogError(f"cannot write in {target.parent} ({_why(exc)}): give a path in a folder you can "
                          "write to", path=target) from exc
    try:
        write(tmp)
        replace_durably(tmp, target)
    except OSError as exc:
        if not user_output:
            raise
        raise RunlogError(f"could not be written ({_why(exc)}); the previous file, if any, is unchanged",
                          path=target) from exc
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)
    return target


def write_json(findings: Mapping, path: str | os.PathLike) -> Path:
    """Write the findings as JSON whole or not at all (:func:`atomic_write`): indented, UTF-8, no NaN.

    Here, not in :mod:`analysis.report`, so that ``runlog week --json`` does not load matplotlib.
    """
    text = json.dumps(findings, indent=2, ensure_ascii=False, allow_nan=False)
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or type(exc).__name__
