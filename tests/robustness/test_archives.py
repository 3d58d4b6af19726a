"""Hostile archives: zip and gzip bombs, zip slip, encrypted and link members; nothing extracted."""

from __future__ import annotations

import gzip
import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from analysis.errors import RunlogError
from analysis.ingest import expand_sources, read_sources
from analysis.io import archive
from analysis.io.archive import (
    ArchiveLimitError,
    gunzip_bounded,
    gunzip_head,
    member_label,
    member_refusal,
    read_member,
)
from analysis.io.fit import read_fit
from analysis.io.gpx import read_gpx
from analysis.io.tcx import read_tcx

MiB = 1 << 20


def _zeros_gz(n_bytes: int) -> bytes:
    """Gzip of ``n_bytes`` zero bytes, compressed ~1000-fold (a decompression bomb)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    out = [c.compress(block) for _ in range(n_bytes // MiB)]
    out.append(c.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def run_fit(shared_data) -> bytes:
    return (shared_data / "fit" / "garmin_fenix5_run_short.fit").read_bytes()


# --------------------------------------------------------------------------- gzip


def test_gunzip_bounded_reads_clean_and_multi_member_streams():
    data, note = gunzip_bounded(gzip.compress(b"abc") + gzip.compress(b"def"))
    assert (data, note) == (b"abcdef", None)


def test_gunzip_bounded_keeps_what_precedes_a_cut_or_damage():
    packed = gzip.compress(bytes(range(256)) * 400, mtime=0)
    cut, note = gunzip_bounded(packed[: len(packed) // 2])
    assert 0 < len(cut) < 256 * 400 and cut == (bytes(range(256)) * 400)[: len(cut)]
    assert note == "gzip data cut short; read up to the cut"
    _, note = gunzip_bounded(packed[:20] + b"\xff" * 50 + packed[70:])
    assert note.startswith("gzip data damaged")
    data, note = gunzip_bounded(gzip.compress(b"abc") + b"trailing junk")
    assert data == b"abc" and note == "13 bytes after the gzip data ignored"


def test_gzip_bomb_is_refused_by_ratio_after_16_mib():
    bomb = _zeros_gz(64 * MiB)  # ~64 KiB that inflate 1000-fold
    assert len(bomb) < MiB
    t0 = time.perf_counter()
    with pytest.raises(ArchiveLimitError, match=r"bomb.gz: gzip data inflates \d+-fold .*limit 200-fold"):
        gunzip_bounded(bomb, label="bomb.gz")
    assert time.perf_counter() - t0 < 5


def test_gzip_over_the_size_limit_is_refused_even_at_a_low_ratio():
    text = b"".join(b"%08d,run,%d\n" % (i, i * 7919 % 10007) for i in range(200_000))  # ~3 MiB, ratio ~4
    with pytest.raises(ArchiveLimitError, match="inflates to more than 1.0 MiB"):
        gunzip_bounded(gzip.compress(text), max_bytes=MiB)
    assert gunzip_bounded(gzip.compress(text), max_bytes=4 * MiB)[0] == text


def test_sniff_heads_inflate_no_more_than_asked():
    bomb = _zeros_gz(32 * MiB)
    assert gunzip_head(bomb, 1000) == bytes(1000)
    assert gunzip_head(b"\x1f\x8bnot gzip") == b""


@pytest.mark.parametrize("reader", [read_fit, read_tcx, read_gpx])
def test_readers_refuse_a_gzip_bomb_in_one_line(reader):
    with pytest.raises(RunlogError) as err:
        reader(_zeros_gz(48 * MiB), name="activities/1.gz")
    assert "bomb" in str(err.value) and "\n" not in str(err.value)


def test_loader_logs_a_gzip_bomb_and_reads_the_rest(tmp_path, run_fit):
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    fit_bomb = c.compress(run_fit[:14]) + b"".join(c.compress(bytes(MiB)) for _ in range(64)) + c.flush()
    (tmp_path / "bomb.fit.gz").write_bytes(fit_bomb)  # a FIT header, then 64 MiB of zeros
    (tmp_path / "zeros.gz").write_bytes(_zeros_gz(64 * MiB))
    (tmp_path / "run.fit.gz").write_bytes(gzip.compress(run_fit))
    t0 = time.perf_counter()
    res = read_sources([tmp_path], progress=False, workers=1)
    assert time.perf_counter() - t0 < 10
    log = res.log.set_index("source_file")
    assert log.loc[str(tmp_path / "bomb.fit.gz"), "status"] == "failed"
    assert "decompression bomb" in log.loc[str(tmp_path / "bomb.fit.gz"), "reason"]
    # sniffing inflates 64 KiB only: zeros are of no known kind
    assert log.loc[str(tmp_path / "zeros.gz"), "status"] == "failed"
    assert log.loc[str(tmp_path / "run.fit.gz"), "status"] == "imported"
    assert len(res.runs) == 1


def test_loader_reads_gzipped_csv_exports(tmp_path, shared_data):
    """A .csv.gz (as some tools deliver) is inflated within limits and read by its reader."""
    src = shared_data / "garmin_csv" / "michielghesquiere_en_metric_Activities.csv"
    (tmp_path / "Activities.csv.gz").write_bytes(gzip.compress(src.read_bytes()))
    res = read_sources([tmp_path], progress=False, workers=1)
    assert (res.log["status"] == "imported").sum() == 15  # as the plain file: 15 runs, 5 not runs
    assert (res.log["status"] == "not_a_run").sum() == 5


def test_loader_notes_a_cut_gzip(tmp_path, run_fit):
    packed = gzip.compress(run_fit)
    (tmp_path / "cut.fit.gz").write_bytes(packed[: len(packed) - 500])
    res = read_sources([tmp_path], progress=False, workers=1)
    assert "gzip data cut short" in res.log["reason"].iloc[0]


# --------------------------------------------------------------------------- zip


def _zip(path: Path, members: dict[str, bytes], *, method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_member_labels_never_leave_the_archive():
    assert member_label("../../etc/passwd") == "etc/passwd"
    assert member_label("/abs/run.fit") == "abs/run.fit"
    assert member_label("C:\\Users\\me\\..\\run.fit") == "Users/me/run.fit"
    assert member_label("a/\x00b\n/c.fit") == "a/b/c.fit"
    assert member_label("../..") == archive.UNNAMED_MEMBER


def test_zip_slip_names_are_read_in_memory_never_written(tmp_path, run_fit):
    z = _zip(tmp_path / "hostile.zip", {
        "../../../../tmp/runlog-slip-test.fit": run_fit,
        "/tmp/runlog-abs-test.fit": run_fit + b"\x00",
        "C:\\..\\..\\win.fit": run_fit + b"\x00\x00",
    })
    before = sorted(tmp_path.rglob("*"))
    res = read_sources([z], progress=False, workers=1)
    assert sorted(res.log["source_file"]) == sorted(
        [f"{z}!C:/win.fit".replace("C:/", ""), f"{z}!tmp/runlog-abs-test.fit", f"{z}!tmp/runlog-slip-test.fit"]
    )
    assert sorted(tmp_path.rglob("*")) == before
    assert not Path("/tmp/runlog-slip-test.fit").exists() and not Path("/tmp/runlog-abs-test.fit").exists()
    # three different files (sha1 differs) of the same run: one run, two duplicates
    assert sorted(res.log["status"]) == ["duplicate", "duplicate", "imported"]


def test_zip_bomb_member_refused_others_read(tmp_path, run_fit):
    z = _zip(tmp_path / "bomb.zip", {"zeros.csv": bytes(64 * MiB), "run.fit": run_fit})
    info = zipfile.ZipFile(z).getinfo("zeros.csv")
    assert info.file_size / info.compress_size > 200
    assert "refused" in member_refusal(info)
    t0 = time.perf_counter()
    res = read_sources([z], progress=False, workers=1)
    assert time.perf_counter() - t0 < 10
    log = res.log.set_index("source_file")
    assert log.loc[f"{z}!zeros.csv", "status"] == "failed"
    assert "zip member inflates" in log.loc[f"{z}!zeros.csv", "reason"]
    assert log.loc[f"{z}!run.fit", "status"] == "imported"


def test_zip_member_over_one_gib_declared_is_refused_without_reading():
    info = zipfile.ZipInfo("huge.fit")
    info.file_size, info.compress_size = (1 << 30) + 1, (1 << 30)
    assert member_refusal(info).startswith("zip member inflates to more than 1.0 GiB")
    info.file_size, info.compress_size = 8 * MiB, 1000  # small: a high ratio is fine below 16 MiB
    assert member_refusal(info) is None


def _overlapping_zip(n: int, member_bytes: int) -> bytes:
    """A zip whose ``n`` central-directory entries all point at one compressed member (Fifield 2019)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("m0000.csv", bytes(member_bytes))
    raw = buf.getvalue()
    eocd = raw.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", raw[eocd + 12 : eocd + 20])
    entry = raw[cd_offset : cd_offset + cd_size]
    entries = b"".join(entry.replace(b"m0000.csv", f"m{i:04d}.csv".encode()) for i in range(n))
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(entries), cd_offset, 0)
    return raw[:cd_offset] + entries + tail


def test_overlapping_members_stop_at_the_archive_budget(tmp_path, monkeypatch):
    z = tmp_path / "overlap.zip"
    z.write_bytes(_overlapping_zip(40, 4 * MiB))
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 20 * MiB)
    items = expand_sources([z])
    refused = [it for it in items if it.refused]
    assert len(items) == 40 and len(refused) == 35  # 5 x 4 MiB fit in 20 MiB
    assert "in total" in refused[0].refused
    res = read_sources([z], progress=False, workers=1)
    assert len(res.log) == 40 and (res.log["reason"].str.contains("in total")).sum() == 35


def test_encrypted_and_link_members_are_logged_not_read(tmp_path, run_fit):
    z = tmp_path / "odd.zip"
    with zipfile.ZipFile(z, "w") as zf:
        link = zipfile.ZipInfo("passwd.fit")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, b"/etc/passwd")
        zf.writestr("run.fit", run_fit)
    raw = bytearray(z.read_bytes())
    # mark run.fit encrypted (general-purpose flag bit 0) in its local and central headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (at := raw.find(sig, start)) >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if raw[name_at : name_at + 7] == b"run.fit":
                flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
                raw[flag_at] |= 0x1
            start = at + 4
    z.write_bytes(bytes(raw))
    res = read_sources([z], progress=False, workers=1)
    log = res.log.set_index("source_file")
    assert log.loc[f"{z}!passwd.fit", "reason"] == "symbolic link inside the zip: not followed"
    assert log.loc[f"{z}!run.fit", "reason"] == "encrypted (password-protected) zip member: not read"
    assert res.runs.empty


def test_damaged_zip_member_is_one_failed_line(tmp_path, run_fit):
    z = _zip(tmp_path / "crc.zip", {"run.fit": run_fit, "b.fit": run_fit + b"1"}, method=zipfile.ZIP_STORED)
    raw = bytearray(z.read_bytes())
    at = raw.find(run_fit[200:240])
    raw[at] ^= 0xFF  # the stored data no longer matches its CRC
    z.write_bytes(bytes(raw))
    with zipfile.ZipFile(z) as zf, pytest.raises(RunlogError, match="cannot read this zip member: Bad CRC-32"):
        read_member(zf, zf.getinfo("run.fit"), label="crc.zip!run.fit")
    res = read_sources([z], progress=False, workers=1)
    log = res.log.set_index("source_file")
    assert log.loc[f"{z}!run.fit", "status"] == "failed" and "CRC" in log.loc[f"{z}!run.fit", "reason"]
    assert log.loc[f"{z}!b.fit", "status"] == "imported"


def test_truncated_zip_named_directly_is_one_line(tmp_path, run_fit):
    z = _zip(tmp_path / "cut.zip", {"run.fit": run_fit})
    z.write_bytes(z.read_bytes()[:-30])
    # no central directory: not a zip any more; the loader says what it is not, in one line
    with pytest.raises(RunlogError) as err:
        read_sources([z], progress=False, workers=1)
    assert str(err.value).startswith(str(z)) and "\n" not in str(err.value)


def test_zip_with_a_damaged_directory_in_a_folder_is_logged(tmp_path, run_fit):
    z = _zip(tmp_path / "bad.zip", {"run.fit": run_fit})
    raw = z.read_bytes()
    z.write_bytes(raw.replace(b"PK\x01\x02", b"PK\x01\x09"))  # central directory entry spoiled
    assert zipfile.is_zipfile(z)  # its end record is still there
    (tmp_path / "run.fit").write_bytes(run_fit)
    res = read_sources([tmp_path], progress=False, workers=1)
    log = res.log.set_index("source_file")
    assert log.loc[str(z), "status"] == "failed" and log.loc[str(z), "reason"].startswith("cannot open zip")
    assert log.loc[str(tmp_path / "run.fit"), "status"] == "imported"
    with pytest.raises(RunlogError, match="bad.zip: cannot open zip"):
        read_sources([z], progress=False, workers=1)


def test_zip_members_are_read_lazily_not_all_at_once(tmp_path, run_fit):
    z = _zip(tmp_path / "many.zip", {f"r{i}.fit": run_fit + bytes([i]) for i in range(20)})
    items = expand_sources([z])
    assert all(it.data is None and it.member is not None for it in items)
    assert [it.label for it in items] == [f"{z}!r{i}.fit" for i in range(20)]


# --------------------------------------------------------------------------- Strava export zip


def _strava_csv(rows: list[tuple[str, str, str]]) -> bytes:
    head = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n"
    body = "".join(f"{i},\"Mar 1, 2025, 7:{k:02d}:00 AM\",Run {k},Run,1800,5.0,{f}\n"
                   for k, (i, f, _) in enumerate(rows))
    return (head + body).encode()


def test_strava_zip_with_a_bomb_activity_file_keeps_the_run(tmp_path):
    z = _zip(tmp_path / "export.zip", {
        "activities.csv": _strava_csv([("101", "activities/101.fit.gz", "")]),
        "activities/101.fit.gz": _zeros_gz(48 * MiB),
    })
    res = read_sources([z], progress=False, workers=1)
    assert list(res.runs.index) == ["strava:101"]
    row = res.log[res.log["source_file"] == f"{z}/activities/101.fit.gz"].iloc[0]
    assert row["status"] == "failed" and "decompression bomb" in row["reason"]


def test_strava_zip_under_a_parent_path_keeps_sane_labels(tmp_path):
    z = _zip(tmp_path / "export.zip", {"../activities.csv": _strava_csv([("7", "", "")])})
    res = read_sources([z], progress=False, workers=1)
    assert list(res.runs.index) == ["strava:7"]
    assert all(".." not in f for f in res.log["source_file"])
