"""Gzip-or-plain helpers of analysis.io.archive used by the TCX and GPX readers.

The hostile-archive cases of the bounded readers themselves (bombs, zip slip,
encrypted members) are in tests/robustness/test_archives.py.
"""

from __future__ import annotations

import gzip
import zlib

import pytest

from analysis.errors import RunlogError
from analysis.io.archive import ArchiveLimitError, gunzip_head_if_gzip, gunzip_if_gzip

MiB = 1 << 20
TEXT = b"<TrainingCenterDatabase>" + b"<Trackpoint/>" * 2000 + b"</TrainingCenterDatabase>"


def test_plain_content_is_returned_as_it_is():
    data, note = gunzip_if_gzip(TEXT, label="x.tcx")
    assert data is TEXT and note is None


def test_gzip_content_is_inflated():
    assert gunzip_if_gzip(gzip.compress(TEXT), label="x.tcx.gz") == (TEXT, None)


def test_cut_stream_keeps_what_precedes_the_cut_or_is_refused():
    cut = gzip.compress(TEXT)[:-30]
    data, note = gunzip_if_gzip(cut, label="x.tcx.gz")
    assert 0 < len(data) <= len(TEXT) and TEXT.startswith(data)
    assert "cut short" in note
    with pytest.raises(RunlogError, match=r"damaged gzip data \(gzip data cut short") as info:
        gunzip_if_gzip(cut, label="x.gpx.gz", keep_partial=False)
    assert info.value.path == "x.gpx.gz"


def test_trailing_bytes_are_a_note_or_refused():
    packed = gzip.compress(TEXT) + b"junk"
    data, note = gunzip_if_gzip(packed, label="x.tcx.gz")
    assert data == TEXT and note == "4 bytes after the gzip data ignored"
    with pytest.raises(RunlogError, match="damaged gzip data"):
        gunzip_if_gzip(packed, label="x.gpx.gz", keep_partial=False)


def test_damage_with_nothing_before_it_is_refused_even_when_partial_is_kept():
    with pytest.raises(RunlogError, match="damaged gzip data") as info:
        gunzip_if_gzip(b"\x1f\x8b" + b"\xff" * 40, label="x.tcx.gz")
    assert not isinstance(info.value, ArchiveLimitError)


def test_limits_are_kept():
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = c.compress(bytes(4 * MiB)) + c.flush()
    with pytest.raises(ArchiveLimitError, match="decompression bomb"):
        gunzip_if_gzip(bomb, label="bomb.tcx.gz", max_bytes=MiB)
    with pytest.raises(ArchiveLimitError, match="fold"):
        gunzip_if_gzip(bomb, label="bomb.tcx.gz", max_ratio=10, ratio_floor_bytes=MiB)
    assert len(gunzip_if_gzip(bomb, label="bomb.tcx.gz")[0]) == 4 * MiB


def test_head_plain_or_inflated_never_more_than_asked():
    assert gunzip_head_if_gzip(TEXT[:100]) == TEXT[:100]
    assert gunzip_head_if_gzip(gzip.compress(TEXT)[:200], 50) == TEXT[:50]
    assert gunzip_head_if_gzip(b"\x1f\x8bnot gzip") == b""
