"""Bounded reading of compressed inputs: zip members and gzip streams.

Runners hand over archives from anywhere. A hostile one can be a decompression
bomb (a few kilobytes that inflate to gigabytes: one highly compressed member,
thousands of members sharing one compressed block, or a ``.gz`` that never
ends), can name members ``../../etc/passwd`` or ``/abs/path``, or can hold
encrypted members and symbolic links. runlog never extracts anything to disk:
members are read into memory one at a time, within these limits:

* a member or gzip stream may inflate to at most :data:`MAX_INFLATED_BYTES`
  (1 GiB);
* once past :data:`RATIO_FLOOR_BYTES` (16 MiB), it may not inflate more than
  :data:`MAX_RATIO` (200) times its compressed size (activity files compress
  5-20 fold; a bomb compresses about 1000 fold);
* the members of one zip may inflate to at most :data:`MAX_ARCHIVE_BYTES`
  (16 GiB) in total, counted on the sizes the zip declares (``zipfile`` never
  returns more than a member's declared size, so the declaration bounds the
  work).

Refusals raise :class:`ArchiveLimitError` (a :class:`~analysis.errors.RunlogError`)
with one line saying which limit was passed. Member names become labels through
:func:`member_label`, which drops ``..``, drive letters and leading slashes, so
a label never points outside the archive.

Written by hand because the standard library has no bounded gzip reader:
``gzip.decompress`` inflates everything before returning. The streaming uses
:class:`zlib.decompressobj` with ``max_length``, as the zlib documentation
describes for bounded inflation.

References
----------
zlib module documentation, ``Decompress.decompress(data, max_length)``;
RFC 1952 (gzip); PKWARE APPNOTE 6.3 (zip); D. Fifield, "A better zip bomb",
USENIX WOOT 2019 (overlapping members).
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path, PurePosixPath

from analysis.errors import RunlogError

GZIP_MAGIC = b"\x1f\x8b"
#: largest inflated size of one zip member or gzip stream, bytes
MAX_INFLATED_BYTES = 1 << 30
#: largest inflated / compressed ratio, checked once the output passes RATIO_FLOOR_BYTES
MAX_RATIO = 200
#: below this inflated size the ratio is not checked (small, very regular files are fine)
RATIO_FLOOR_BYTES = 16 << 20
#: largest total inflated size of the members of one zip, bytes (declared sizes)
MAX_ARCHIVE_BYTES = 16 << 30
#: output per zlib call, and input per slice, while streaming
_OUT_CHUNK = 1 << 20
_IN_CHUNK = 64 << 10
#: label of a member whose name has nothing left once made safe
UNNAMED_MEMBER = "(unnamed member)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ArchiveLimitError(RunlogError):
    """A zip member or gzip stream refused because it passes a size or ratio limit."""


def _size(n: float) -> str:
    """A byte count in words: ``1.0 GiB``, ``16.0 MiB``, ``512 B``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f} {unit}"
    return f"{int(n)} B"


def _check_inflation(
    inflated: int,
    compressed: int,
    *,
    what: str,
    max_bytes: int,
    max_ratio: float,
    ratio_floor_bytes: int,
) -> str | None:
    """Why an inflation of ``compressed`` bytes to ``inflated`` bytes is refused, or None."""
    if inflated > max_bytes:
        return f"{what} inflates to more than {_size(max_bytes)}: refused (a decompression bomb?)"
    if inflated > ratio_floor_bytes and inflated > max_ratio * max(compressed, 1):
        return (
            f"{what} inflates {inflated / max(compressed, 1):.0f}-fold ({_size(compressed)} to more than "
            f"{_size(inflated)}, limit {max_ratio:g}-fold): refused (a decompression bomb?)"
        )
    return None


# --------------------------------------------------------------------------- gzip


def gunzip_bounded(
    data: bytes,
    *,
    label: str | Path | None = None,
    max_bytes: int = MAX_INFLATED_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES,
) -> tuple[bytes, str | None]:
    """Inflate gzip content (every member of a multi-member stream) within limits.

    Parameters
    ----------
    data : bytes
        Content starting with the gzip magic ``1f 8b`` (RFC 1952).
    label : str or Path, optional
        The file, named in the error message.
    max_bytes : int
        Largest inflated size, bytes (default 1 GiB).
    max_ratio : float
        Largest inflated/compressed ratio once the output passes
        ``ratio_floor_bytes`` (default 200).
    ratio_floor_bytes : int
        Inflated size, bytes, below which the ratio is not checked (16 MiB).

    Returns
    -------
    (bytes, str or None)
        The inflated content, and a note when the stream is damaged or cut
        short (what precedes the damage is returned) or followed by bytes that
        are not gzip; None when it is clean.

    Raises
    ------
    ArchiveLimitError
        When the output would pass ``max_bytes``, or the ratio limit. Inflating
        stops there: at most one chunk (1 MiB) more than the limit is held.
    """
    parts: list[bytes] = []
    total = 0
    pos = 0
    note = None
    n = len(data)
    while pos < n and data[pos : pos + 2] == GZIP_MAGIC:
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        fed = pos
        try:
            # input in slices, output in bounded chunks: damage loses at most one slice's output
            while not d.eof and fed < n:
                buf = data[fed : fed + _IN_CHUNK]
                fed += len(buf)
                while True:
                    out = d.decompress(buf, _OUT_CHUNK)
                    parts.append(out)
                    total += len(out)
                    consumed = fed - len(d.unconsumed_tail) - len(d.unused_data)
                    why = _check_inflation(total, consumed, what="gzip data", max_bytes=max_bytes,
                                           max_ratio=max_ratio, ratio_floor_bytes=ratio_floor_bytes)
                    if why:
                        raise ArchiveLimitError(why, path=label)
                    buf = d.unconsumed_tail
                    if d.eof or (not buf and len(out) < _OUT_CHUNK):
                        break
        except zlib.error as exc:
            note = f"gzip data damaged ({exc}); read up to the damage"
            break
        if not d.eof:
            note = "gzip data cut short; read up to the cut"
            break
        pos = fed - len(d.unused_data)
    if note is None and pos < n:
        trailing = data[pos:]
        if trailing.strip(b"\x00"):
            note = f"{len(trailing)} bytes after the gzip data ignored"
    return b"".join(parts), note


def gunzip_head(data: bytes, n: int = 64 * 1024) -> bytes:
    """The first ``n`` inflated bytes of gzip content (for sniffing); b"" if unreadable.

    Parameters
    ----------
    data : bytes
        Gzip content, possibly cut short.
    n : int
        Bytes wanted; never more are inflated.
    """
    try:
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data, n)
    except zlib.error:
        return b""


def gunzip_if_gzip(
    data: bytes,
    *,
    label: str | Path | None = None,
    keep_partial: bool = True,
    max_bytes: int = MAX_INFLATED_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES,
) -> tuple[bytes, str | None]:
    """A file's content as it is, or inflated within the limits when it is gzip (``.tcx.gz``).

    Gzip is told by its magic bytes ``1f 8b`` (RFC 1952), never by the name.

    Parameters
    ----------
    data : bytes
        The file's content.
    label : str or Path, optional
        The file, named in error messages.
    keep_partial : bool
        True: a damaged or cut stream gives what precedes the damage, with
        the note. False: any note (damage, a cut, trailing bytes) refuses the
        file.
    max_bytes, max_ratio, ratio_floor_bytes
        As in :func:`gunzip_bounded`.

    Returns
    -------
    (bytes, str or None)
        The (inflated) content, and :func:`gunzip_bounded`'s note; None when
        the content is not gzip or the stream is clean.

    Raises
    ------
    ArchiveLimitError
        When inflating passes a limit.
    RunlogError
        ``damaged gzip data (<note>)`` when the stream is damaged and nothing
        precedes the damage, or there is a note and ``keep_partial`` is False.
    """
    if data[:2] != GZIP_MAGIC:
        return data, None
    inflated, note = gunzip_bounded(data, label=label, max_bytes=max_bytes, max_ratio=max_ratio,
                                    ratio_floor_bytes=ratio_floor_bytes)
    if note is not None and (not inflated or not keep_partial):
        raise RunlogError(f"damaged gzip data ({note})", path=label)
    return inflated, note


def gunzip_head_if_gzip(head: bytes, n: int = 64 * 1024) -> bytes:
    """A file's first bytes as they are, or the first ``n`` inflated bytes when they are gzip.

    For ``sniff`` functions: never raises, and never inflates more than ``n``
    bytes (b"" when gzip content is unreadable; see :func:`gunzip_head`).

    Parameters
    ----------
    head : bytes
        The start of the file, possibly cut anywhere.
    n : int
        Inflated bytes wanted at most.
    """
    return gunzip_head(head, n) if head[:2] == GZIP_MAGIC else head


# --------------------------------------------------------------------------- zip


def member_label(name: str) -> str:
    """A zip member's name made safe to show and log: never absolute, never ``..``.

    Backslashes count as separators; empty, ``.`` and ``..`` parts, a leading
    drive (``C:``) and control characters are dropped.

    Examples
    --------
    >>> member_label("../../etc/passwd")
    'etc/passwd'
    >>> member_label("/abs/run.fit")
    'abs/run.fit'
    >>> member_label("C:\\\\Users\\\\me\\\\run.fit")
    'Users/me/run.fit'
    """
    parts = [p for p in _CONTROL.sub("", name).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    return str(PurePosixPath(*parts)) if parts else UNNAMED_MEMBER


def member_refusal(
    info: zipfile.ZipInfo,
    *,
    max_bytes: int = MAX_INFLATED_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES,
) -> str | None:
    """Why a zip member is not read (encrypted, a link, too large, too compressed), or None.

    Parameters
    ----------
    info : zipfile.ZipInfo
        The member, as the zip's central directory declares it.
    max_bytes, max_ratio, ratio_floor_bytes
        As in :func:`gunzip_bounded`, applied to the declared sizes.
    """
    if info.flag_bits & 0x1:
        return "encrypted (password-protected) zip member: not read"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic link inside the zip: not followed"
    return _check_inflation(info.file_size, info.compress_size, what="zip member", max_bytes=max_bytes,
                            max_ratio=max_ratio, ratio_floor_bytes=ratio_floor_bytes)


class ZipBudget:
    """Running total of the declared inflated sizes of the members read from one zip.

    Parameters
    ----------
    max_total_bytes : int, optional
        Largest total, bytes (default :data:`MAX_ARCHIVE_BYTES`, 16 GiB, read
        when the budget is made).
    """

    def __init__(self, max_total_bytes: int | None = None):
        self.max_total_bytes = MAX_ARCHIVE_BYTES if max_total_bytes is None else max_total_bytes
        self.total_bytes = 0

    def take(self, info: zipfile.ZipInfo) -> str | None:
        """Count a member; why it is refused when the total would pass the limit, else None."""
        if self.total_bytes + info.file_size > self.max_total_bytes:
            return (f"the zip's members inflate to more than {_size(self.max_total_bytes)} in total: "
                    "this member and those after it are not read (a decompression bomb?)")
        self.total_bytes += info.file_size
        return None


def read_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    label: str | Path | None = None,
    limit: int | None = None,
    max_bytes: int = MAX_INFLATED_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES,
) -> bytes:
    """A zip member's bytes, read in memory within the limits (never extracted).

    Parameters
    ----------
    zf : zipfile.ZipFile
        The open archive.
    info : zipfile.ZipInfo
        The member (an entry of ``zf.infolist()``; duplicate names are told apart).
    label : str or Path, optional
        Named in the error message.
    limit : int, optional
        Read only the first ``limit`` bytes (a head for sniffing; the CRC is
        then not checked).
    max_bytes, max_ratio, ratio_floor_bytes
        As in :func:`member_refusal`.

    Raises
    ------
    ArchiveLimitError
        When the member passes a limit.
    RunlogError
        When it cannot be read (damaged, unsupported compression, bad CRC).
    """
    why = member_refusal(info, max_bytes=max_bytes, max_ratio=max_ratio, ratio_floor_bytes=ratio_floor_bytes)
    if why:
        raise ArchiveLimitError(why, path=label)
    try:
        with zf.open(info) as fh:
            # zipfile stops at the declared size, which member_refusal bounded
            return fh.read(limit) if limit is not None else fh.read()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError,
            EOFError, OSError, zlib.error) as exc:
        raise RunlogError(f"cannot read this zip member: {' '.join(str(exc).split()) or type(exc).__name__}",
                          path=label) from exc


@lru_cache(maxsize=4)
def _open_zip_cached(path: str, size: int, mtime_ns: int) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def zip_of_bytes(data: bytes, label: str) -> zipfile.ZipFile:
    """A zip given as bytes (a member of another zip, an upload), opened in memory.

    Raises
    ------
    RunlogError
        Naming ``label``, when the bytes are not a readable zip.
    """
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise RunlogError(f"cannot open the zip: {exc}", path=label) from exc


def open_zip(path: str | Path) -> zipfile.ZipFile:
    """An open :class:`zipfile.ZipFile`, kept open per process while the file is unchanged.

    Reading a zip's members one by one (in a worker process each) re-uses the
    parsed central directory instead of parsing it per member. The archive is
    shared: callers must not close it.

    Raises
    ------
    RunlogError
        When the file is not a readable zip.
    """
    p = Path(path)
    try:
        st = p.stat()
        return _open_zip_cached(str(p), st.st_size, st.st_mtime_ns)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise RunlogError(f"cannot open zip: {' '.join(str(exc).split()) or type(exc).__name__}", path=p) from exc
