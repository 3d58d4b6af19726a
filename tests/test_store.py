import os
import shutil

import pytest

import analysis.io as loader
from analysis import store
from analysis.io import read_sources
from analysis.store import Cache

RUNS = ("garmin_fenix5_run_short.fit", "garmin_fr110_run_2013.fit", "garmin_fenix2_run_dynamics.fit")


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


def test_lookup_without_samples_gives_runs_and_log_only(archive, tmp_path):
    cache = Cache(tmp_path / "cache")
    cold = _read(archive, cache)
    entries = [(Cache.entry(p, str(p), "tz=None;positions=False"), p) for p in sorted(archive.iterdir())]
    hits, misses = Cache(tmp_path / "cache").lookup(entries, samples=False)
    assert not misses and len(hits) == 3
    assert all(r.samples.empty for r in hits.values())
    assert sum(len(r.runs) for r in hits.values()) == len(cold.runs)
