import dataclasses
import os
import shutil
import stat
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import analysis.ingest.loader as loader
from analysis.ingest import cache as store
from analysis.ingest.cache import Cache
from analysis.ingest.loader import read_sources

RUNS = ("garmin_fenix5_run_short.fit", "garmin_fr110_run_2013.fit", "garmin_fenix2_run_dynamics.fit")
OPTIONS = f"tz=None;positions=False;kinds={loader.KINDS_SIGNATURE}"  # as read_sources keys its inputs


@pytest.fixture()
def archive(shared_data, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in RUNS:
        shutil.copy(shared_data / "fit" / name, folder / name)
    return folder


@pytest.fixture()
def counted(monkeypatch):
    calls = []
    real = loader._read_item

    def spy(item, **kw):
        calls.append(item.label)
        return real(item, **kw)

    monkeypatch.setattr(loader, "_read_item", spy)
    return calls


def _read(folder, cache):
    return read_sources([folder], cache=cache, workers=1, progress=False)


def test_warm_read_decodes_nothing_and_gives_same_frames(archive, tmp_path, counted):
    cache = Cache(tmp_path / "cache")
    cold = _read(archive, cache)
    assert len(counted) == 3
    warm = _read(archive, Cache(tmp_path / "cache"))
    assert len(counted) == 3  # nothing decoded again
    assert list(warm.runs.index) == list(cold.runs.index)
    assert warm.runs["distance_m"].tolist() == cold.runs["distance_m"].tolist()
    assert len(warm.samples) == len(cold.samples)
    assert warm.log["status"].tolist() == cold.log["status"].tolist()


def test_touched_but_same_file_is_not_decoded_changed_file_is(archive, tmp_path, counted):
    _read(archive, Cache(tmp_path / "cache"))
    target = archive / RUNS[0]
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
    _read(archive, Cache(tmp_path / "cache"))
    assert len(counted) == 3  # same bytes: hash matched
    shutil.copy(archive.parent / "archive" / RUNS[1], target)  # new content under the old name
    res = _read(archive, Cache(tmp_path / "cache"))
    assert counted[-1] == str(target) and len(counted) == 4
    # the copied file is the same run as RUNS[1]: reported once
    assert (res.log["status"] == "duplicate").sum() == 1


def test_deleted_file_drops_out(archive, tmp_path):
    cache_dir = tmp_path / "cache"
    first = _read(archive, Cache(cache_dir))
    (archive / RUNS[2]).unlink()
    second = _read(archive, Cache(cache_dir))
    assert len(second.runs) == len(first.runs) - 1
    assert str(archive / RUNS[2]) not in set(second.log["source_file"])


def test_corrupt_cache_is_rebuilt(archive, tmp_path, counted):
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    for p in Cache(cache_dir).root.glob("*.parquet"):
        p.write_bytes(b"not parquet")
    res = _read(archive, Cache(cache_dir))
    assert len(res.runs) == 3 and len(counted) == 6


def test_schema_version_change_invalidates(archive, tmp_path, counted, monkeypatch):
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    monkeypatch.setattr(store, "SCHEMA_VERSION", "changed")
    _read(archive, Cache(cache_dir))
    assert len(counted) == 6


def test_clear_removes_everything(archive, tmp_path):
    cache = Cache(tmp_path / "cache")
    _read(archive, cache)
    assert any(cache.root.iterdir())
    cache.clear()
    assert not (tmp_path / "cache").exists()


def test_clear_and_corruption_never_touch_other_files(archive, tmp_path):
    shared = tmp_path / "shared"  # RUNLOG_CACHE_DIR pointed at a folder with other things in it
    shared.mkdir()
    (shared / "notes.txt").write_text("mine")
    (shared / "v1-photos").mkdir()  # looks a little like a version folder, is not one
    old = shared / "v1-0123456789ab-0.0.9"  # an older runlog's cache version
    old.mkdir()
    cache = Cache(shared)
    _read(archive, cache)
    # a corrupt index resets this version only
    cache.index_path.write_bytes(b"not parquet")
    cache._index = None
    assert len(cache._read_index()) == 0
    assert old.is_dir() and (shared / "notes.txt").read_text() == "mine"
    cache.clear()  # every runlog version goes, nothing else
    assert sorted(p.name for p in shared.iterdir()) == ["notes.txt", "v1-photos"]


def test_lookup_treats_an_unreadable_changed_input_as_a_miss(archive, tmp_path):
    cache = Cache(tmp_path / "cache")
    _read(archive, cache)
    first = sorted(archive.iterdir())[0]
    entries = _entries(archive)
    first.unlink()  # gone between the walk and the hash: size/mtime cannot match
    entry = next(e for e, p in entries if p == first)
    hits, misses = cache.lookup([(dataclasses.replace(entry, size=entry.size + 1), first)])
    assert len(hits) == 0 and misses == [entry.key]


def _entries(folder, options=OPTIONS):
    return [(Cache.entry(p, str(p), options), p) for p in sorted(folder.iterdir())]


def test_lookup_without_samples_gives_runs_and_log_only(archive, tmp_path):
    cache = Cache(tmp_path / "cache")
    cold = _read(archive, cache)
    hits, misses = Cache(tmp_path / "cache").lookup(_entries(archive), samples=False)
    assert not misses and len(hits) == 3
    assert hits.result.samples.empty and not cold.samples.empty
    assert len(hits.result.runs) == len(cold.runs)


# -- the stack: every cached input in one set of frames, in the order asked for ---------------------------


def test_lookup_stacks_inputs_in_the_order_asked_with_their_rows(archive, tmp_path):
    _read(archive, Cache(tmp_path / "cache"))
    entries = _entries(archive)[::-1]  # not the order they were stored in
    hits, misses = Cache(tmp_path / "cache").lookup(entries)
    assert not misses
    assert hits.keys == tuple(e.key for e, _ in entries)
    for n, (_entry, path) in enumerate(entries):
        alone = loader._read_item(loader.Item(str(path), path=path), tz=None, positions=False)  # as stored
        _same(hits.part(n, n + 1), alone)
    assert hits.part(0, 3) is hits.result
    assert len(hits.part(1, 3).log) == len(hits.result.log) - len(hits.part(0, 1).log)


def _same(a, b):
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    pd.testing.assert_frame_equal(a.log, b.log)


def test_warm_read_equals_cold_read_exactly_with_changed_and_uncached_inputs(archive, shared_data, tmp_path,
                                                                              counted):
    """Cached stretches, a changed file and a zip (never cached) interleaved: the frames of a cold read."""
    import zipfile

    zipped = archive / "garmin_fenix3_members.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(shared_data / "fit" / "stryd_run_devfields.fit", "stryd.fit")
    member = f"{zipped}!stryd.fit"
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    changed = archive / RUNS[1]
    shutil.copy(shared_data / "fit" / "garmin_fr70_run_compressed_ts.fit", changed)
    # in order: fenix2 (cached), the zip's member (never cached), fenix5 (cached), fr110 (changed)
    assert [it.label for it in loader.expand_sources([archive])] == [
        str(archive / RUNS[2]), member, str(archive / RUNS[0]), str(changed)]
    cold = read_sources([archive], workers=1, progress=False)
    calls = len(counted)
    _same(_read(archive, Cache(cache_dir)), cold)
    assert counted[calls:] == [member, str(changed)]
    calls = len(counted)
    _same(_read(archive, Cache(cache_dir)), cold)  # all cached now but the zip's member
    assert counted[calls:] == [member]


def test_file_given_twice_is_logged_twice_when_cached_too(archive, tmp_path):
    """Found while stacking: the cache stored such a file twice and gave its rows twice (4 log rows)."""
    one = archive / RUNS[0]
    reads = [read_sources([one, one], cache=Cache(tmp_path / "cache"), workers=1, progress=False)
             for _ in range(3)]
    for res in reads:
        assert res.log["status"].tolist() == ["imported", "duplicate"]
        assert len(res.runs) == 1
    _same(reads[2], reads[0])


def test_many_small_chunks_are_folded_into_one(archive, shared_data, tmp_path):
    cache_dir = tmp_path / "cache"
    source = shared_data / "fit" / "garmin_fenix5_run_short.fit"
    folder = tmp_path / "one_by_one"
    folder.mkdir()
    for n in range(18):  # one new file per import: a new chunk each time
        (folder / f"run_{n:02d}.fit").write_bytes(source.read_bytes())
        _read(folder, Cache(cache_dir))
    root = Cache(cache_dir).root
    chunks = {p.name.split(".")[0] for p in root.glob("chunk-*.parquet")}
    assert len(chunks) < 18
    _same(_read(folder, Cache(cache_dir)), read_sources([folder], workers=1, progress=False))


def test_chunk_with_an_input_split_in_two_is_not_trusted(archive, tmp_path, counted):
    """Rows of one input not contiguous: not what the cache writes, so it is rebuilt."""
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    root = Cache(cache_dir).root
    path = sorted(root.glob("chunk-*.log.parquet"))[0]
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), path)  # the first input's row again, at the end
    res = _read(archive, Cache(cache_dir))
    assert len(counted) == 6 and len(res.log) == 3


# -- durability ----------------------------------------------------------------------------------------------


def _temp(folder, name, age_s):
    path = folder / name
    path.write_bytes(b"partial")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_opening_the_cache_removes_its_stale_temporary_files_only(archive, tmp_path):
    cache = Cache(tmp_path / "cache")
    _read(archive, cache)
    root = cache.root
    stale = [_temp(root, ".index.parquet.ab12cd_9.tmp", 3600),
             _temp(root, ".chunk-0123456789ab.samples.parquet.zz99zz99.tmp", 120)]
    fresh = _temp(root, ".chunk-0123456789ab.runs.parquet.q1w2e3r4.tmp", 1)  # a writer at work
    others = [_temp(root, "notes.tmp", 3600), _temp(root, ".index.parquet.tmp", 3600),
              _temp(root, ".other.parquet.ab12cd34.tmp", 3600), _temp(tmp_path / "cache", ".index.parquet.ab12cd34.tmp",
                                                                       3600)]
    hits, _ = Cache(tmp_path / "cache").lookup(_entries(archive))
    assert len(hits) == 3  # the cache still works
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and all(p.exists() for p in others)


def test_remove_stale_temps_keeps_a_folder_named_like_a_temp(tmp_path):
    folder = tmp_path / ".index.parquet.ab12cd34.tmp"
    folder.mkdir()
    then = time.time() - 3600
    os.utime(folder, (then, then))
    assert store.remove_stale_temps(tmp_path) == []
    assert folder.is_dir()
    assert store.remove_stale_temps(tmp_path / "missing") == []


def test_atomic_write_flushes_the_data_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode), os.fstat(fd).st_size))
        real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", Path(src).name.endswith(".tmp"), Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "fsync", fsync)
    monkeypatch.setattr(store.os, "replace", replace)
    table = pa.table({"x": list(range(10_000)), "y": [f"row {i}" for i in range(10_000)]})
    target = tmp_path / "t.parquet"
    store._atomic_write_table(table, target)
    assert [c[0] for c in calls] == ["fsync", "replace", "fsync"]
    assert calls[0][1] is False and calls[0][2] == target.stat().st_size  # the file, complete, before the rename
    assert calls[1] == ("replace", True, "t.parquet")
    assert calls[2][1] is True  # then its folder
    assert pq.read_table(target).equals(table)  # the data after the rename is complete
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_that_fails_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "t.parquet"
    old = pa.table({"x": [1, 2, 3]})
    store._atomic_write_table(old, target)

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store.os, "fsync", broken)
    with pytest.raises(OSError):
        store._atomic_write_table(pa.table({"x": [4]}), target)
    assert pq.read_table(target).equals(old)
    assert list(tmp_path.iterdir()) == [target]


def test_fsync_dir_is_skipped_where_a_folder_cannot_be_opened(tmp_path, monkeypatch):
    tried, synced = [], []

    def refuse(path, *args, **kwargs):
        tried.append(Path(path))
        raise PermissionError(13, "Permission denied")  # what Windows says for a folder

    monkeypatch.setattr(store.os, "open", refuse)
    monkeypatch.setattr(store.os, "fsync", synced.append)
    assert store.fsync_dir(tmp_path) is None  # no error raised
    assert tried == [tmp_path] and synced == []  # it tried the folder, then skipped the sync


def test_entry_keys_are_the_resolved_paths_whatever_the_links(archive, tmp_path, monkeypatch):
    import hashlib

    linked_folder = tmp_path / "linked"
    linked_folder.symlink_to(archive, target_is_directory=True)
    (archive / "link.fit").symlink_to(archive / RUNS[0])
    monkeypatch.chdir(archive)
    paths = [archive / RUNS[1], linked_folder / RUNS[1], archive / "link.fit", Path(RUNS[2]), archive]
    entries = Cache.entries([(p, str(p)) for p in paths], OPTIONS)
    for path, entry in zip(paths, entries, strict=True):
        assert entry.key == hashlib.sha1(f"{path.resolve()}\0{OPTIONS}".encode()).hexdigest()
        assert entry == Cache.entry(path, str(path), OPTIONS)
    assert entries[0].key == entries[1].key and entries[2].key == Cache.entry(archive / RUNS[0], "", OPTIONS).key
    assert entries[2].size == (archive / RUNS[0]).stat().st_size
    assert entries[4].size == sum(p.stat().st_size for p in archive.iterdir() if p.is_file())


# -- faults: damaged chunks, files replaced under the same stamp, --verify-cache ----------------------------

QUICK_RUNS = ("garmin_fenix2_run_dynamics.fit", "garmin_fenix5_run_short.fit", "garmin_fr110_run_2013.fit",
              "garmin_fr70_run_compressed_ts.fit", "stryd_run_devfields.fit", "strava_export_venusq_run.fit.gz")


def _chunked_cache(shared_data, tmp_path):
    """A folder of real runs and a cache holding them in one chunk per file (imported one by one)."""
    folder = tmp_path / "runs"
    folder.mkdir()
    cache_dir = tmp_path / "clean-cache"
    for name in QUICK_RUNS:
        shutil.copy(shared_data / "fit" / name, folder / name)
        _read(folder, Cache(cache_dir))
    return folder, cache_dir


def _equal_results(a, b):
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    pd.testing.assert_frame_equal(a.log, b.log)


def test_a_flipped_bit_anywhere_in_the_cache_never_changes_the_answer(shared_data, tmp_path, capsys):
    """24 single-bit flips at random offsets of the chunks and the index: the frames of a clean read.

    The issue's finding: 4 of 40 flips changed the runs table silently (once a run missing), exit 0.
    ``benchmarks/fuzz.py --cache-flips N`` tries many more.
    """
    import random

    folder, clean = _chunked_cache(shared_data, tmp_path)
    expected = read_sources([folder], workers=1, progress=False)
    files = sorted(p.relative_to(clean) for p in clean.rglob("*.parquet"))
    assert len([p for p in files if p.name.startswith("chunk-")]) == 3 * len(QUICK_RUNS)
    capsys.readouterr()
    rng = random.Random(20260301)
    warned_chunks = 0
    for n in range(24):
        damaged = tmp_path / f"damaged-{n}"
        shutil.copytree(clean, damaged)
        target = damaged / rng.choice(files)
        data = bytearray(target.read_bytes())
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(data))
        got = _read(folder, Cache(damaged))
        _equal_results(got, expected)
        warnings = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("runlog:")]
        if target.name.startswith("chunk-"):
            assert len(warnings) == 1 and "is dropped" in warnings[0], (target.name, at, warnings)
            warned_chunks += 1
        else:
            assert len(warnings) <= 1  # the index: a damaged row or an unreadable file, or an unused byte
        if n % 4 == 0:
            again = _read(folder, Cache(damaged))  # repaired: the next run is quiet and the same
            _equal_results(again, expected)
            assert capsys.readouterr().err == ""
        shutil.rmtree(damaged)
    assert warned_chunks >= 12


def test_a_removed_chunk_costs_a_decode_not_a_wrong_answer(archive, tmp_path, counted, capsys):
    cache_dir = tmp_path / "cache"
    cold = _read(archive, Cache(cache_dir))
    for p in Cache(cache_dir).root.glob("chunk-*.runs.parquet"):
        p.unlink()  # as a concurrent compaction could
    _equal_results(_read(archive, Cache(cache_dir)), cold)
    assert len(counted) == 6
    assert "is missing" in capsys.readouterr().err


def _same_size_other_runs(path: Path, first_km: float) -> None:
    """A generic CSV of two runs; the same length for any ``first_km`` of the same number of digits."""
    path.write_text("start_time,distance_m,moving_time_s\n"
                    f"2025-03-01T07:00:00Z,{first_km * 1000:.0f},1800\n"
                    f"2025-03-02T07:00:00Z,{first_km * 1000 + 1000:.0f},2000\n")


@pytest.mark.parametrize("racy_ns", [0, store.RACY_NS])
def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(tmp_path, counted, monkeypatch, racy_ns):
    """``cp -p``, ``rsync -t``, unzip keep size and mtime: ctime and inode tell, then the hash decides.

    ``racy_ns=0`` makes the stamps trusted however recent (in a test every file is
    seconds old, so with the real margin the stamp is always hashed again).
    """
    monkeypatch.setattr(store, "RACY_NS", racy_ns)
    folder = tmp_path / "runs"
    folder.mkdir()
    target = folder / "runs.csv"
    _same_size_other_runs(target, 5.0)
    cache_dir = tmp_path / "cache"
    first = _read(folder, Cache(cache_dir))
    assert first.runs["distance_m"].tolist() == [5000.0, 6000.0]
    st = target.stat()
    replacement = tmp_path / "other.csv"
    _same_size_other_runs(replacement, 7.0)
    assert replacement.stat().st_size == st.st_size
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(replacement, target)  # a new inode, same size and mtime (what a restore does)
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    second = _read(folder, Cache(cache_dir))
    assert second.runs["distance_m"].tolist() == [7000.0, 8000.0]
    # rewritten in place (same inode), size and mtime put back: ctime tells
    _same_size_other_runs(target, 9.0)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    third = _read(folder, Cache(cache_dir))
    assert third.runs["distance_m"].tolist() == [9000.0, 10000.0]
    assert len(counted) == 3


def test_a_touched_file_is_hashed_not_decoded_and_an_unchanged_one_not_even_hashed(archive, tmp_path, counted,
                                                                                   monkeypatch):
    monkeypatch.setattr(store, "RACY_NS", 0)  # trust stamps however recent (see above)
    hashed = []
    real = store._digest_or_none
    monkeypatch.setattr(store, "_digest_or_none", lambda p: hashed.append(p) or real(p))
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    _read(archive, Cache(cache_dir))
    assert len(counted) == 3 and hashed == []  # unchanged stamps: neither decoded nor hashed
    target = archive / RUNS[0]
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns - 5_000_000_000))
    _read(archive, Cache(cache_dir))
    assert len(counted) == 3 and hashed == [target]  # touched: hashed, same bytes, not decoded
    _read(archive, Cache(cache_dir))
    assert hashed == [target]  # its new stamp was stored
    _read(archive, Cache(cache_dir, verify=True))  # --verify-cache: every input hashed
    assert len(hashed) == 4 and len(counted) == 3


def test_a_recent_file_is_stored_marked_for_hashing(archive, tmp_path, counted, monkeypatch):
    """Racy git: a file changed within the same clock tick as it was looked at keeps its stamp."""
    hashed = []
    real = store._digest_or_none
    monkeypatch.setattr(store, "_digest_or_none", lambda p: hashed.append(p) or real(p))
    cache = Cache(tmp_path / "cache")
    _read(archive, cache)
    assert cache._read_index()["verify"].all()  # the files were copied a moment ago
    _read(archive, Cache(tmp_path / "cache"))
    assert len(hashed) == 3 and len(counted) == 3


def test_bytes_decoded_are_the_bytes_hashed(archive, tmp_path, monkeypatch):
    """A file rewritten between its decode and its storing is not stored with the new file's hash."""
    target = archive / RUNS[0]
    real = loader._read_item

    def rewrite_after_decoding(item, **kw):
        out = real(item, **kw)
        if item.label == str(target):
            shutil.copy(archive / RUNS[1], target)  # written while the import goes on
        return out

    monkeypatch.setattr(loader, "_read_item", rewrite_after_decoding)
    cache_dir = tmp_path / "cache"
    _read(archive, Cache(cache_dir))
    monkeypatch.setattr(loader, "_read_item", real)
    warm = _read(archive, Cache(cache_dir))
    fresh = read_sources([archive], workers=1, progress=False)
    assert sorted(warm.runs.index) == sorted(fresh.runs.index)  # the new file's run, not the old one's
    _equal_results(warm, fresh)  # the new content, not the frames of the old one


@pytest.mark.parametrize("command", ["runs", "check", "shoes"])
def test_verify_cache_flag_hashes_every_input(archive, tmp_path, monkeypatch, command, capsys):
    from analysis.cli import main

    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(store, "RACY_NS", 0)
    hashed = []
    real = store._digest_or_none
    monkeypatch.setattr(store, "_digest_or_none", lambda p: hashed.append(p) or real(p))
    assert main([command, str(archive), "--no-progress", "--tz", "UTC"]) in (0, 2)
    assert main([command, str(archive), "--no-progress", "--tz", "UTC"]) in (0, 2)
    assert hashed == []
    assert main([command, str(archive), "--no-progress", "--tz", "UTC", "--verify-cache"]) in (0, 2)
    assert len(hashed) == 3


def test_a_strava_export_folder_is_cached_only_when_its_files_did_not_move(shared_data, tmp_path, counted,
                                                                           monkeypatch):
    """A folder is decoded by path (not from bytes hashed once): stored only when its stamp held still."""
    export = tmp_path / "export"
    export.mkdir()
    shutil.copy(shared_data / "strava" / "azaidrahman_94col_activities.csv", export / "activities.csv")
    cache_dir = tmp_path / "cache"
    read_sources([export], cache=Cache(cache_dir), workers=1, progress=False)
    read_sources([export], cache=Cache(cache_dir), workers=1, progress=False)
    assert len(counted) == 2  # written a moment ago: its stamp may not show a change, so not stored
    monkeypatch.setattr(store, "RACY_NS", 0)
    first = read_sources([export], cache=Cache(cache_dir), workers=1, progress=False)
    again = read_sources([export], cache=Cache(cache_dir), workers=1, progress=False)
    assert len(counted) == 3
    _equal_results(again, first)
    text = (export / "activities.csv").read_text(encoding="utf-8")
    (export / "activities.csv").write_text(text.replace("Morning Run", "Morning Jog", 1), encoding="utf-8")
    changed = read_sources([export], cache=Cache(cache_dir), workers=1, progress=False)
    assert len(counted) == 4 and changed.runs["name"].tolist() != first.runs["name"].tolist()


def test_a_sniffer_error_while_reading_for_the_cache_fails_that_file_only(archive, tmp_path, monkeypatch):
    """A sniffer that raises on a file's bytes must not stop the import with a traceback: the file is read
    by path instead, where the guarded reader logs it as failed, and the other files import as usual."""
    bad = archive / "odd.csv"
    bad.write_text("start_time,distance_m\n2025-03-01T07:00:00Z,5000\n", encoding="utf-8")
    real = loader.detect_kind

    def fragile(item):
        if item.label.endswith("odd.csv"):
            raise ValueError("sniffer bug")
        return real(item)

    monkeypatch.setattr(loader, "detect_kind", fragile)
    result = _read(archive, Cache(tmp_path / "cache"))
    log = result.log.set_index("source_file")
    odd = [label for label in log.index if str(label).endswith("odd.csv")]
    assert len(odd) == 1 and log.loc[odd[0], "status"] == "failed" and "sniffer bug" in log.loc[odd[0], "reason"]
    assert len(result.runs) == len(RUNS)  # the FIT files still import


def _big_csv(path: Path, rows: int) -> None:
    """A generic CSV of ``rows`` runs 2 h apart (no ids: each row's id is hashed), some names quoted."""
    start = pd.Timestamp("2001-01-01T06:00:00Z") + pd.to_timedelta(pd.RangeIndex(rows) * 7200, unit="s")
    pd.DataFrame({
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "distance_m": [3000 + (i * 37) % 20000 for i in range(rows)],
        "moving_time_s": [900 + (i * 13) % 5000 for i in range(rows)],
        "name": ["Long run, easy" if i % 3 else "Tempo" for i in range(rows)],
    }).to_csv(path, index=False)


def test_large_frames_written_in_threads_read_back_as_written(tmp_path, monkeypatch):
    path = tmp_path / "runs.csv"
    _big_csv(path, 3_000)
    monkeypatch.setattr(store, "_PARALLEL_ROWS", 1_000)  # runs and log both "large": the threaded write
    from concurrent.futures import ThreadPoolExecutor

    mapped = []

    class Pool(ThreadPoolExecutor):  # records what the chunk writer hands to its threads
        def map(self, fn, *iterables, **kw):
            items = [list(it) for it in iterables]
            mapped.append((self._max_workers, items[0]))
            return super().map(fn, *items, **kw)

    monkeypatch.setattr(store, "ThreadPoolExecutor", Pool)
    cold = read_sources([path], cache=Cache(tmp_path / "cache"), progress=False)
    assert len(cold.runs) == 3_000
    # runs, samples and log handed to a pool of three threads at once (the whole store already runs in a thread
    # beside the merge, so "not the main thread" would hold for a one-after-another write too)
    assert (3, list(store.FRAMES)) in mapped
    warm = read_sources([path], cache=Cache(tmp_path / "cache"), progress=False)
    plain = read_sources([path], progress=False)
    for frame in ("runs", "samples", "log"):
        pd.testing.assert_frame_equal(getattr(warm, frame), getattr(plain, frame))
        pd.testing.assert_frame_equal(getattr(cold, frame), getattr(plain, frame))


def test_chunk_checksums_are_those_of_the_files_bytes_and_the_store_is_done_on_return(archive, tmp_path):
    import xxhash

    cache = Cache(tmp_path / "cache")
    _read(archive, cache)  # read_sources returns once the cache is written: its files are complete now
    idx = pq.read_table(cache.index_path).to_pandas()
    assert len(idx) == 3
    for sums in set(idx["sums"]):
        for part in sums.split(","):
            frame, digest = part.split("=")
            (chunk,) = set(idx.loc[idx["sums"] == sums, "chunk"])
            data = (cache.root / f"chunk-{chunk}.{frame}.parquet").read_bytes()
            assert xxhash.xxh3_64_hexdigest(data) == digest
    assert not list(cache.root.glob(".*.tmp"))


def test_columns_of_one_value_per_row_are_written_without_a_dictionary(tmp_path):
    path = tmp_path / "runs.csv"
    _big_csv(path, 500)
    cache = Cache(tmp_path / "cache")
    read_sources([path], cache=cache, progress=False)
    for frame, plain in store._PLAIN.items():
        (chunk_file,) = cache.root.glob(f"chunk-*.{frame}.parquet")
        meta = pq.ParquetFile(chunk_file).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        for i, name in enumerate(names):
            if frame != "samples" or meta.num_rows:  # the CSV has no samples
                assert meta.row_group(0).column(i).has_dictionary_page == (name not in plain), (frame, name)
    assert read_sources([path], cache=Cache(tmp_path / "cache"), progress=False).runs.equals(
        read_sources([path], progress=False).runs)
