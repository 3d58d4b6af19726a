import gzip
import shutil

import pytest

from analysis.errors import RunlogError
from analysis.ingest.loader import Item, detect_kind, expand_sources, read_sources


def test_fit_folder_every_file_accounted(shared_data):
    files = sorted((shared_data / "fit").iterdir())
    res = read_sources([shared_data / "fit"], progress=False)
    assert set(res.log["source_file"]) == {str(p) for p in files}
    assert res.runs.index.is_unique
    # the walk and ride files are not runs; nothing is lost
    statuses = res.log.groupby("source_file")["status"].apply(set)
    assert statuses[str(shared_data / "fit" / "zwift_ride_virtual.fit")] == {"not_a_run"}
    assert statuses[str(shared_data / "fit" / "garmin_fenix5_walk_short.fit")] == {"not_a_run"}
    assert (res.log["status"] == "imported").sum() == len(res.runs)


def test_same_folder_twice_each_run_once(shared_data):
    once = read_sources([shared_data / "fit"], progress=False)
    twice = read_sources([shared_data / "fit", shared_data / "fit"], progress=False)
    assert list(twice.runs.index) == list(once.runs.index)
    assert (twice.log["status"] == "duplicate").sum() == len(once.runs)
    assert len(twice.log) == 2 * len(once.log)


def test_detects_kind_by_content_not_extension(shared_data, tmp_path):
    renamed = tmp_path / "mystery.dat"
    shutil.copy(shared_data / "fit" / "garmin_fenix5_run_short.fit", renamed)
    assert detect_kind(Item(str(renamed), path=renamed)) == "fit"
    gz = tmp_path / "run.bin"
    gz.write_bytes(gzip.compress((shared_data / "fit" / "garmin_fenix5_run_short.fit").read_bytes()))
    assert detect_kind(Item(str(gz), path=gz)) == "fit"


def test_missing_path_is_runlog_error(tmp_path):
    with pytest.raises(RunlogError, match="no such file"):
        read_sources([tmp_path / "missing.fit"])


def test_unknown_file_named_directly_fails_but_in_folder_is_logged(tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("foo,bar\n1,2\n")
    with pytest.raises(RunlogError, match="notes.csv: CSV of unknown kind"):
        read_sources([junk])
    res = read_sources([tmp_path], progress=False)
    assert list(res.log["status"]) == ["failed"]
    assert "unknown kind" in res.log["reason"].iloc[0]


def test_zip_of_fit_files_read_without_unpacking(shared_data, tmp_path):
    import zipfile

    z = tmp_path / "runs.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(shared_data / "fit" / "garmin_fenix5_run_short.fit", "a/run.fit")
        zf.write(shared_data / "fit" / "zwift_ride_virtual.fit", "a/ride.fit")
    items = expand_sources([z])
    assert [i.label for i in items] == [f"{z}!a/run.fit", f"{z}!a/ride.fit"]
    res = read_sources([z], progress=False)
    assert len(res.runs) == 1
    assert sorted(res.log["status"]) == ["imported", "not_a_run"]
    assert list(tmp_path.iterdir()) == [z]  # nothing extracted


def test_garmin_gdpr_folder_links_gear_to_runs(tmp_path):
    import json

    from tests.io.test_garmin import GEAR, SUMMARIES

    fitness = tmp_path / "DI_CONNECT" / "DI-Connect-Fitness"
    fitness.mkdir(parents=True)
    (fitness / "me_0_summarizedActivities.json").write_text(json.dumps([{"summarizedActivitiesExport": SUMMARIES}]))
    (fitness / "me_gear.json").write_text(json.dumps(GEAR))
    res = read_sources([tmp_path], progress=False)
    assert list(res.runs["gear_name"]) == ["Altra Escalante", "Xero Prio", "Altra Escalante"]
    gear_row = res.log[res.log["source_file"].str.endswith("me_gear.json")]
    assert list(gear_row["status"]) == ["not_a_run"] and "gear list" in gear_row["reason"].iloc[0]


def _stack_of(keys: str):
    """A cache stack (analysis.ingest.cache.Stack) holding one log row per key."""
    import numpy as np

    from analysis import schema
    from analysis.ingest.cache import Stack
    from analysis.io.base import ReadResult, log_row

    log = ReadResult.build(log_rows=[log_row(k, "not_a_run", "x") for k in keys]).log
    zeros = np.zeros(len(keys) + 1, dtype=np.int64)
    return Stack(tuple(keys), ReadResult(schema.empty_runs(), schema.empty_samples(), log),
                 {"runs": zeros, "samples": zeros, "log": np.arange(len(keys) + 1)})


def test_cached_inputs_take_one_slice_per_stretch_of_consecutive_items():
    """Items 0-1 cached, 2 not on disk, 3 cached, 4 the first file again, 5 not cached."""
    from analysis.ingest.cache import Entry
    from analysis.ingest.loader import _place_cached, _stack

    def entry(key):
        return Entry(key=key, label=key, size=1, mtime_ns=1, options=""), None

    hits = _stack_of("abc")
    results = [None] * 6
    _place_cached(results, {0: entry("a"), 1: entry("b"), 3: entry("c"), 4: entry("a"), 5: entry("x")}, hits)
    labels = [None if r is None else r.log["source_file"].tolist() for r in results]
    assert labels == [["a", "b"], [], None, ["c"], ["a"], None]
    assert results[0].log.index.tolist() == [0, 1] and results[3].log.index.tolist() == [0]
    assert _stack(results, hits).log["source_file"].tolist() == ["a", "b", "c", "a"]


def test_a_warm_import_of_cached_inputs_only_is_the_stack_itself():
    from analysis.ingest.cache import Entry
    from analysis.ingest.loader import _place_cached, _stack

    hits = _stack_of("ab")
    results = [None, None]
    _place_cached(results, {i: (Entry(k, k, 1, 1, ""), None) for i, k in enumerate("ab")}, hits)
    assert _stack(results, hits) is hits.result  # not coerced (copied) again


def test_unusable_cache_folder_warns_once_and_imports_anyway(shared_data, tmp_path, capsys):
    from analysis.ingest.cache import Cache

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = Cache(blocker / "cache")  # its folder can never be made
    with_cache = read_sources([shared_data / "fit"], cache=cache, progress=False)
    plain = read_sources([shared_data / "fit"], progress=False)
    assert sorted(with_cache.runs.index) == sorted(plain.runs.index) and len(with_cache.runs) == 9
    assert len(with_cache.log) == len(plain.log)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be used" in err[0] and "importing without it" in err[0]


# --------------------------------------------------------------------------- side files and gzip


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("pain.csv", b"date,region,pain\n2026-01-05,achilles,2\n", "a pain diary"),
        # Excel's "Unicode Text": UTF-16, tab-separated (was "CSV of unknown kind")
        ("pain.csv", "date\ttime_of_day\tregion\tside\tpain\n2026-01-05\tmorning\tachilles\tL\t2\n".encode("utf-16"),
         "a pain diary"),
        ("wide.csv", b"date,achilles_L_morning\n2026-01-05,2\n", "a pain diary"),
        # the per-region layout (a column per time of day; was "CSV of unknown kind"), in English and German
        ("physio.csv", b"Date;Region;Side;Morning;During;After;Notes\n02.03.2026;Achilles;L;2;;3;\n", "a pain diary"),
        ("physio_de.csv", b"Datum;Stelle;Seite;Morgens;Danach\n02.03.2026;Ferse;R;2;3\n", "a pain diary"),
        # a blank line before the header (was "not a known activity format")
        ("drills.csv", b"\r\ndate,drill,sets\n2026-01-05,skips,3\n", "a drills log"),
        ("catalog.csv", b'"name";"weight_g";"stack_mm"\nRacer;200;20\n', "a shoes catalog"),
        ("shoes.csv", b"Shoe Name\tShoe Brand\tShoe Model\nK29\tASICS\tKayano 29\n", "a Strava shoes list"),
        # the footwear files of issue [M] 5, dropped into the watch folder
        ("gear_log.csv", b"from,to,shoe\n2025-01-01,,Hoka Clifton 9\n", "a gear log, not an activity file (give it "
         "with --gear-log)"),
        ("overrides.csv", b"activity_id,date,shoe\n,2025-05-17,barefoot\n", "footwear overrides"),
    ],
)
def test_side_files_in_a_folder_are_named_not_failed(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    res = read_sources([tmp_path], progress=False, workers=1)
    assert list(res.log["status"]) == ["not_a_run"]
    assert res.log["reason"].iloc[0].startswith(words)


def test_gzip_damaged_before_anything_inflates_is_refused_in_the_readers_words(tmp_path, shared_data):
    """A stream sniffed fine (its first 64 KiB inflate) but damaged within the first inflated chunk."""
    fit = (shared_data / "fit" / "garmin_fenix2_run_dynamics.fit").read_bytes()
    assert len(fit) > 64 * 1024
    packed = bytearray(gzip.compress(fit))
    packed[-8] ^= 0xFF  # the CRC-32 of the trailer
    (tmp_path / "crc.fit.gz").write_bytes(bytes(packed))
    res = read_sources([tmp_path], progress=False, workers=1)
    assert list(res.log["status"]) == ["failed"]
    assert res.log["reason"].iloc[0].startswith("damaged gzip data (gzip data damaged")


def test_a_cut_gzip_whose_reader_fails_names_the_cut(tmp_path, shared_data):
    packed = gzip.compress((shared_data / "gpx" / "strava_run.gpx").read_bytes())
    (tmp_path / "run.gpx.gz").write_bytes(packed[:2000])
    res = read_sources([tmp_path], progress=False, workers=1)
    assert list(res.log["status"]) == ["failed"]
    reason = res.log["reason"].iloc[0]
    assert "not readable as GPX" in reason and reason.endswith("gzip data cut short; read up to the cut")


def test_known_exports_runlog_does_not_read_are_named(tmp_path):
    """The Wahoo app's CSV failed as "CSV of unknown kind"; it is named. (Samsung Health's exercise
    table, named here too until session 10, is read now: tests/ingest/test_samsung_export.py.)"""
    wahoo = tmp_path / "wahoo.csv"
    wahoo.write_text("Device,fisica,model,key,version,1,AppVersion,5.8.1\n"
                     "Year,2016,Month,10,Day,7,Hour,17,Minute,24,Second,2\n\ncomments\n"
                     "File created by Wahoo Fitness iPhone App.\n")
    with pytest.raises(RunlogError, match="a Wahoo Fitness app CSV: runlog does not read it"):
        read_sources([wahoo])
    res = read_sources([tmp_path], progress=False)
    assert list(res.log["status"]) == ["failed"]
    assert "unknown kind" not in " ".join(res.log["reason"])


def test_samsung_exercise_table_is_read_not_refused(tmp_path):
    """The table refused with "runlog does not read it yet" in session 10 (decoder 28) is read."""
    samsung = tmp_path / "com.samsung.shealth.exercise.20231111.csv"
    samsung.write_text(
        "com.samsung.shealth.exercise,6320001,17\n"
        "com.samsung.health.exercise.start_time,com.samsung.health.exercise.exercise_type,"
        "com.samsung.health.exercise.duration,com.samsung.health.exercise.distance\n"
        "2023-11-11 09:24:21.285,1002,1442877,3101.814\n"
    )
    res = read_sources([samsung], progress=False)
    assert list(res.runs.index) == ["samsung:20231111T092421"]
    assert list(res.log["status"]) == ["imported", "imported"]
