"""Tests for analysis.io.fit against the real FIT files in ../shared/data/fit.

Reference values are those of ../shared/data/README.md (fitdecode 0.11, lenient
mode); hand-made damaged copies are written to tmp_path.
"""

from __future__ import annotations

import gzip
import struct
from functools import cache
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.fit import _decode, _drop_garbage_tail, read_fit, run_sport, sniff

#: file -> (records that decode, status, canonical sport or None, start UTC,
#:          distance_m, mean cadence spm over records with cadence > 0 or None)
REFERENCE = {
    "coros_pace2_ride_badfieldsize.fit": (11272, "not_a_run", None, None, None, None),
    "garmin_fenix2_run_dynamics.fit": (2809, "imported", "running", "2015-08-15T14:45:08Z", 9008.2, 162.9),
    "garmin_fenix5_run_short.fit": (21, "imported", "running", "2017-06-11T14:34:09Z", 157.6, 173.9),
    "garmin_fenix5_walk_short.fit": (17, "not_a_run", None, None, None, None),
    "garmin_fr110_run_2013.fit": (590, "imported", "running", "2013-02-06T12:11:14Z", 4835.4, None),
    "garmin_fr70_run_compressed_ts.fit": (755, "imported", "running", "2012-02-13T11:16:16Z", 10248.7, 173.8),
    "garmin_fr920xt_run_stryd.fit": (6874, "imported", "running", "2019-05-18T14:11:39Z", 16773.3, 167.1),
    "garmin_fr920xt_triathlon_chained.fit": (1773, None, "running", "2018-05-27T09:23:41Z", 9805.9, 167.0),
    "strava_android_run_truncated.fit": (473, "imported", "running", "2021-09-27T14:13:10Z", 11274.0, None),
    "strava_export_venusq_run.fit.gz": (326, "imported", "running", "2022-05-29T15:53:35Z", 3322.9, 143.3),
    "stryd_run_devfields.fit": (3424, "imported", "running", "2017-01-17T17:06:47Z", 6754.0, 149.4),
    "wahoo_roam_ride_unterminated.fit": (7225, "not_a_run", None, None, None, None),
    "zwift_ride_virtual.fit": (1808, "not_a_run", None, None, None, None),
}
RUN_FILES = [name for name, ref in REFERENCE.items() if ref[2] is not None]


@pytest.fixture(scope="module")
def fit_dir(shared_data: Path) -> Path:
    return shared_data / "fit"


@cache
def _read(path: Path, positions: bool = False, tz: str | None = None):
    """read_fit once per file and options (the tests only look)."""
    return read_fit(path, positions=positions, tz=tz)


def _raw(path: Path) -> bytes:
    """The FIT bytes of a file, gunzipped."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


# --------------------------------------------------------------------------- every real file


def test_every_file_has_a_reference(fit_dir):
    assert sorted(p.name for p in fit_dir.iterdir()) == sorted(REFERENCE)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_records_decode(fit_dir, name):
    assert _decode(_raw(fit_dir / name)).n_records == REFERENCE[name][0]


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_frames_follow_the_contract(fit_dir, name):
    result = _read(fit_dir / name)
    schema.validate_runs(result.runs)
    schema.validate_samples(result.samples)
    schema.validate_import_log(result.log)
    assert set(result.log["source_file"]) == {str(fit_dir / name)}
    assert set(result.runs.index) == set(result.log["activity_id"].dropna())
    assert set(result.samples["activity_id"]) <= set(result.runs.index)


@pytest.mark.parametrize("name", RUN_FILES)
def test_run_matches_readme(fit_dir, name):
    _, _, sport, start, distance_m, _ = REFERENCE[name]
    runs = _read(fit_dir / name).runs
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["sport"] == sport
    assert run["start_time"] == pd.Timestamp(start)
    assert run["distance_m"] == pytest.approx(distance_m, rel=1e-3)
    assert run["source"] == "fit"
    assert pd.isna(run["name"])
    assert runs.index[0].startswith("fit:")


@pytest.mark.parametrize("name", [n for n in RUN_FILES if REFERENCE[n][5] is not None])
def test_mean_cadence_is_steps_per_minute(fit_dir, name):
    cadence = _read(fit_dir / name).samples["cadence_spm"]
    assert cadence[cadence > 0].mean() == pytest.approx(REFERENCE[name][5], abs=0.5)


@pytest.mark.parametrize("name", ["garmin_fr110_run_2013.fit", "strava_android_run_truncated.fit"])
def test_no_cadence_is_missing_not_zero(fit_dir, name):
    result = _read(fit_dir / name)
    assert result.samples["cadence_spm"].isna().all()
    assert result.runs["avg_cadence_spm"].isna().all()


@pytest.mark.parametrize(
    "name, status, words",
    [
        (
            "coros_pace2_ride_badfieldsize.fit",
            "not_a_run",
            ["cycling", "5 decoder warning(s), read leniently", "invalid field size 1"],
        ),
        ("garmin_fenix5_walk_short.fit", "not_a_run", ["walking (generic)"]),
        ("zwift_ride_virtual.fit", "not_a_run", ["cycling (virtual_activity)"]),
        ("wahoo_roam_ride_unterminated.fit", "not_a_run", ["cycling", "no session message", "7225 records"]),
        (
            "strava_android_run_truncated.fit",
            "imported",
            ["truncated after 473 records", "dropped 1 trailing"],
        ),
    ],
)
def test_status_and_reason(fit_dir, name, status, words):
    log = _read(fit_dir / name).log
    assert len(log) == 1 and pd.isna(log["row"].iloc[0])
    assert log["status"].iloc[0] == status
    for word in words:
        assert word in log["reason"].iloc[0]


@pytest.mark.parametrize("name", ["garmin_fenix2_run_dynamics.fit", "stryd_run_devfields.fit"])
def test_clean_file_has_no_reason(fit_dir, name):
    assert _read(fit_dir / name).log["reason"].iloc[0] == ""


def test_clean_single_run_keeps_every_record(fit_dir):
    for name in ("garmin_fenix2_run_dynamics.fit", "garmin_fr110_run_2013.fit", "stryd_run_devfields.fit"):
        assert len(_read(fit_dir / name).samples) == REFERENCE[name][0]


def test_session_times_and_averages(fit_dir):
    run = _read(fit_dir / "garmin_fr920xt_run_stryd.fit").runs.iloc[0]
    assert run["moving_time_s"] == pytest.approx(6856.0, abs=0.1)
    assert run["elapsed_time_s"] == pytest.approx(8629.4, abs=0.1)
    assert run["avg_heart_rate_bpm"] == 147
    assert run["elevation_gain_m"] == 99
    # session avg_running_cadence 82 + avg_fractional_cadence 0.6484375 strides/min
    assert run["avg_cadence_spm"] == pytest.approx(2 * (82 + 0.6484375))


def test_local_date_from_the_files_own_offset(fit_dir):
    # fenix 5: local_timestamp is UTC-7; UTC+14 given as tz must not move the date
    run = _read(fit_dir / "garmin_fenix5_run_short.fit", tz="Pacific/Kiritimati").runs.iloc[0]
    assert run["date"] == pd.Timestamp("2017-06-11")


def test_local_date_from_tz_without_offset(fit_dir):
    # Stryd file: no activity.local_timestamp; 17:06 UTC is 07:06 next day at UTC+14
    assert _read(fit_dir / "stryd_run_devfields.fit").runs["date"].iloc[0] == pd.Timestamp("2017-01-17")
    run = _read(fit_dir / "stryd_run_devfields.fit", tz="Pacific/Kiritimati").runs.iloc[0]
    assert run["date"] == pd.Timestamp("2017-01-18")


# --------------------------------------------------------------------------- samples content


def test_positions_only_on_request(fit_dir):
    plain = _read(fit_dir / "garmin_fenix2_run_dynamics.fit").samples
    assert not {"latitude_deg", "longitude_deg"} & set(plain.columns)
    with_pos = _read(fit_dir / "garmin_fenix2_run_dynamics.fit", positions=True).samples
    # first record: position_lat 703410450, position_long 68347712 semicircles
    assert with_pos["latitude_deg"].iloc[0] == pytest.approx(703410450 * 180 / 2**31)
    assert with_pos["longitude_deg"].iloc[0] == pytest.approx(68347712 * 180 / 2**31)
    assert with_pos["latitude_deg"].between(-90, 90).all()


def test_running_dynamics_columns(fit_dir):
    samples = _read(fit_dir / "garmin_fenix5_run_short.fit").samples
    assert samples["stance_time_ms"].notna().sum() == 18
    assert samples["step_length_mm"].notna().sum() == 19
    # last record (fitdecode, scale applied): stance_time 258.0 ms, vertical_oscillation 81.0 mm,
    # vertical_ratio 8.37 %
    last = samples.iloc[-1]
    assert (last["stance_time_ms"], last["vertical_oscillation_mm"], last["vertical_ratio_pct"]) == (
        258.0,
        81.0,
        8.37,
    )
    assert samples["step_length_mm"].median() == pytest.approx(1000, rel=0.3)  # ~1 m steps at 3 m/s


def test_zero_dynamics_are_missing(fit_dir):
    samples = _read(fit_dir / "stryd_run_devfields.fit").samples  # first record has stance_time 0
    assert not (samples["stance_time_ms"] == 0).any()
    assert pd.isna(samples["stance_time_ms"].iloc[0])


def test_developer_fields(fit_dir):
    stryd = _read(fit_dir / "stryd_run_devfields.fit").samples
    for col in ("dev_form_power", "dev_leg_spring_stiffness", "dev_speed", "dev_distance"):
        assert stryd[col].dtype == "float64"
        assert stryd[col].notna().sum() == 3424
    ciq = _read(fit_dir / "garmin_fr920xt_run_stryd.fit").samples
    assert {"dev_power", "dev_cadence", "dev_ground_time", "dev_form_power", "dev_elevation"} <= set(
        ciq.columns
    )
    assert ciq["dev_power"].max() > 100


def test_elapsed_and_time(fit_dir):
    samples = _read(fit_dir / "garmin_fenix2_run_dynamics.fit").samples
    assert str(samples["time"].dtype) == schema.UTC_TIME
    assert samples["elapsed_s"].iloc[0] == 0
    assert (
        samples["elapsed_s"].iloc[-1] == (samples["time"].iloc[-1] - samples["time"].iloc[0]).total_seconds()
    )


# --------------------------------------------------------------------------- quirks of real files


def test_multisport_run_leg(fit_dir):
    result = _read(fit_dir / "garmin_fr920xt_triathlon_chained.fit")
    assert list(result.log["row"]) == [0, 1, 2, 3, 4]
    assert list(result.log["status"]) == ["not_a_run"] * 4 + ["imported"]
    for reason, sport in zip(
        result.log["reason"], ["swimming", "transition", "cycling", "transition"], strict=False
    ):
        assert reason.startswith(sport)
    (run_id,) = result.runs.index
    assert run_id.startswith("fit:") and run_id.endswith(":4")
    assert result.log["activity_id"].iloc[4] == run_id
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(9805.9, rel=1e-3)
    assert run["start_time"] == pd.Timestamp("2018-05-27T09:23:41Z")
    assert run["moving_time_s"] == pytest.approx(2850.7, abs=0.1)
    samples = result.samples
    assert samples["time"].min() == pd.Timestamp("2018-05-27T09:23:41Z")
    assert samples["time"].max() <= pd.Timestamp("2018-05-27T10:11:31Z")
    assert samples["distance_m"].iloc[0] == 0
    assert samples["distance_m"].iloc[-1] == pytest.approx(9805.9, rel=1e-3)


def test_compressed_timestamps_placed_in_2012(fit_dir):
    result = _read(fit_dir / "garmin_fr70_run_compressed_ts.fit")
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2012-02-13T11:16:16Z")
    assert run["elapsed_time_s"] == pytest.approx(3883.3, abs=0.1)
    assert (result.samples["time"].dt.year == 2012).all()
    assert "relative device time" in result.log["reason"].iloc[0]
    berlin = _read(fit_dir / "garmin_fr70_run_compressed_ts.fit", tz="Europe/Berlin")
    assert berlin.runs["start_time"].iloc[0] == pd.Timestamp("2012-02-13T10:16:16Z")
    assert "Europe/Berlin" in berlin.log["reason"].iloc[0]


def test_truncated_strava_keeps_records_before_damage(fit_dir):
    result = _read(fit_dir / "strava_android_run_truncated.fit")
    samples = result.samples
    # 473 records, the last one garbage (2085); the rest are position/distance pairs
    assert samples["time"].min() == pd.Timestamp("2021-09-27T14:13:10Z")
    assert samples["time"].max() == pd.Timestamp("2021-09-27T14:18:24Z")
    assert samples["distance_m"].max() == pytest.approx(928.25)
    # merged pairs: most rows carry both distance and speed
    assert samples["distance_m"].notna().sum() > 230 and samples["speed_mps"].notna().sum() > 230
    run = result.runs.iloc[0]
    assert run["moving_time_s"] == 3558.0


def test_gzip_file_and_gzip_bytes_with_a_name(fit_dir):
    from_path = _read(fit_dir / "strava_export_venusq_run.fit.gz")
    raw = (fit_dir / "strava_export_venusq_run.fit.gz").read_bytes()
    from_bytes = read_fit(raw, name="export.zip/activities/12866632127.bin")
    assert from_bytes.log["source_file"].iloc[0] == "export.zip/activities/12866632127.bin"
    assert list(from_bytes.runs.index) == list(from_path.runs.index)
    assert len(from_bytes.samples) == 326
    # the id hashes the FIT bytes, so the uncompressed file has the same id
    plain = read_fit(gzip.decompress(raw), name="12866632127.fit")
    assert list(plain.runs.index) == list(from_path.runs.index)


def test_sniff(fit_dir):
    assert sniff(_raw(fit_dir / "garmin_fenix2_run_dynamics.fit")[:64], "a.fit")
    assert sniff((fit_dir / "strava_export_venusq_run.fit.gz").read_bytes()[:65536], "a.fit.gz")
    assert not sniff(b'<?xml version="1.0"?><TrainingCenterDatabase>', "a.tcx")
    assert not sniff(gzip.compress(b"<gpx></gpx>"), "a.gpx.gz")
    assert not sniff(b"\x0e\x10", "short.fit")
    assert not sniff(b"\x1f\x8b" + b"\x00" * 30, "damaged.fit.gz")  # unreadable gzip: not FIT


def test_gzip_damaged_before_anything_inflates_says_so(fit_dir):
    """The bounded inflation's refusal, instead of "not a FIT file" (what the empty output gave before)."""
    packed = (fit_dir / "strava_export_venusq_run.fit.gz").read_bytes()
    with pytest.raises(RunlogError, match=r"cut.fit.gz: damaged gzip data \(gzip data cut short"):
        read_fit(packed[:20], name="cut.fit.gz")
    crc = bytearray(gzip.compress(_raw(fit_dir / "garmin_fenix5_run_short.fit")))
    crc[-8] ^= 0xFF  # the CRC-32 of the trailer
    with pytest.raises(RunlogError, match="damaged gzip data .*incorrect data check"):
        read_fit(bytes(crc), name="crc.fit.gz")


@pytest.mark.parametrize(
    "sport, sub_sport, expected",
    [
        ("running", None, "running"),
        ("running", "generic", "running"),
        ("running", "trail", "trail_running"),
        ("running", "treadmill", "treadmill_running"),
        ("running", "track", "track_running"),
        ("running", "virtual_activity", "virtual_running"),
        ("running", "ultra", "ultra_running"),
        ("cycling", "virtual_activity", None),
        ("walking", "generic", None),
        ("transition", "generic", None),
    ],
)
def test_run_sport(sport, sub_sport, expected):
    assert run_sport(sport, sub_sport) == expected


# --------------------------------------------------------------------------- damage made by hand


def _offset_of(data: bytes, message: str) -> int:
    """Byte offset of the first data message of this name."""
    with fitdecode.FitReader(data, keep_raw_chunks=True) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == message:
                return frame.chunk.offset
    raise AssertionError(message)


@pytest.mark.parametrize(
    "name, cuts",
    [
        ("garmin_fenix5_run_short.fit", [0, 5, 13, 14, 300, 1700, 2500, 3500, 4700, 5300, 5596]),
        ("garmin_fr920xt_run_stryd.fit", [100_000, 250_000]),
        ("strava_export_venusq_run.fit.gz", [20, 3000]),
    ],
)
def test_cut_files_give_partial_records_or_runlog_error(fit_dir, tmp_path, name, cuts):
    raw = (fit_dir / name).read_bytes()
    gz = name.endswith(".gz")
    for cut in cuts:
        path = tmp_path / f"cut_{cut}_{name}"
        path.write_bytes(raw[:cut])
        n_decoded = None if gz else _decode(raw[:cut]).n_records
        try:
            result = read_fit(path)
        except RunlogError as exc:
            assert str(path) in str(exc)
            assert not n_decoded, f"cut at {cut}: {n_decoded} records decode, yet nothing was returned"
            continue
        schema.validate_import_log(result.log)
        reason = result.log["reason"].iloc[0]
        if gz:
            # the Venu Sq file writes no sport message and its laps at the end: with the
            # session cut away its sport is unknown
            assert result.log["status"].iloc[0] == "not_a_run"
            assert reason.startswith("no sport in file") and "gzip data cut short" in reason
        else:
            assert result.log["status"].iloc[0] == "imported", reason
            assert f"truncated after {n_decoded} records" in reason
            assert len(result.samples) == n_decoded > 0


def test_cut_before_session_builds_run_from_records(fit_dir):
    data = _raw(fit_dir / "garmin_fenix5_run_short.fit")
    result = read_fit(data[: _offset_of(data, "session")], name="cut.fit")
    run = result.runs.iloc[0]
    assert run["sport"] == "running"
    assert run["start_time"] == pd.Timestamp("2017-06-11T14:34:09Z")
    assert run["distance_m"] == pytest.approx(157.56)  # last record
    assert run["elapsed_time_s"] == 57  # 14:34:09 to 14:35:06
    assert pd.isna(run["moving_time_s"])
    reason = result.log["reason"].iloc[0]
    assert "no session message" in reason and "sport message" in reason
    assert len(result.samples) == 21


def test_cut_file_without_any_sport_is_not_a_run(fit_dir):
    data = _raw(fit_dir / "stryd_run_devfields.fit")  # no sport message; its only lap comes at the end
    result = read_fit(data[: len(data) // 2], name="cut.fit")
    assert result.runs.empty
    assert result.log["status"].iloc[0] == "not_a_run"
    assert result.log["reason"].iloc[0].startswith("no sport in file (no session message)")


def test_cut_multisport_keeps_finished_legs(fit_dir):
    data = _raw(fit_dir / "garmin_fr920xt_triathlon_chained.fit")
    # cut inside the run leg: its sport message (running) was written, its session not
    result = read_fit(data[: _offset_of(data, "activity") - 3000], name="tri.fit")
    assert list(result.log["status"]) == ["not_a_run"] * 4 + ["imported"]
    run = result.runs.iloc[0]
    assert run["start_time"] >= pd.Timestamp("2018-05-27T09:23:41Z")
    assert 0 < run["distance_m"] < 9805.9
    assert "sport message" in result.log["reason"].iloc[4]


def test_broken_crc_is_imported_with_a_warning(fit_dir):
    data = bytearray(_raw(fit_dir / "garmin_fenix5_run_short.fit"))
    data[-1] ^= 0xFF
    result = read_fit(bytes(data), name="crc.fit")
    assert result.log["status"].iloc[0] == "imported"
    assert "CRC mismatch" in result.log["reason"].iloc[0]
    assert len(result.samples) == 21


def _times(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"time": pd.to_datetime(list(texts), format="ISO8601", utc=True)})


def test_garbage_tail_after_damage_is_dropped():
    # the Strava case in miniature: the last decoded record jumps decades ahead
    kept, note = _drop_garbage_tail(
        _times("2021-01-01T10:00:00", "2021-01-01T10:00:01", "2085-12-21T16:46:58")
    )
    assert (
        len(kept) == 2
        and note == "dropped 1 trailing record with an impossible timestamp (from 2085-12-21T16:46:58Z)"
    )
    # a jump back in time: that record and all after it go
    kept, note = _drop_garbage_tail(
        _times("2021-01-01T10:00:00", "2021-01-01T10:00:05", "1995-01-01", "1995-01-02")
    )
    assert len(kept) == 2 and note.startswith("dropped 2 trailing records")
    # a 5-hour pause is not garbage
    kept, note = _drop_garbage_tail(_times("2021-01-01T10:00:00", "2021-01-01T15:00:00"))
    assert len(kept) == 2 and note is None


@pytest.mark.parametrize(
    "content", [b"", b"not a fit file at all", b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT\x00\x00"]
)
def test_nothing_usable_raises(tmp_path, content):
    path = tmp_path / "bad.fit"
    path.write_bytes(content)
    with pytest.raises(RunlogError, match="bad.fit"):
        read_fit(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(RunlogError, match="cannot read"):
        read_fit(tmp_path / "nope.fit")


def test_samples_are_numpy_floats(fit_dir):
    samples = _read(fit_dir / "garmin_fr920xt_run_stryd.fit").samples
    numeric = samples.drop(columns=["activity_id", "time"])
    assert all(dtype == np.float64 for dtype in numeric.dtypes)


# --------------------------------------------------------------------------- fast decoder vs fitdecode

from fastcrc import crc16  # noqa: E402

from analysis.io import fit as fit_module  # noqa: E402
from analysis.io import fit_fast  # noqa: E402

#: files the fast decoder leaves to fitdecode, and why
FALLBACK = {
    "coros_pace2_ride_badfieldsize.fit": "not a multiple of its base type",
    "garmin_fr920xt_triathlon_chained.fit": "hr.event_timestamp_12",
    "strava_android_run_truncated.fit": "truncated",
    "wahoo_roam_ride_unterminated.fit": "truncated",
}
#: session keys read_fit uses (the fast decoder reads only these)
SESSION_KEYS = {
    "sport", "sub_sport", "start_time", "timestamp", "total_elapsed_time", "total_timer_time",
    "total_distance", "avg_heart_rate", "avg_cadence", "avg_running_cadence", "avg_fractional_cadence",
    "total_ascent", "_seq",
}


def _same_values(a, b) -> bool:
    """Two columns equal value for value, None and NaN both meaning absent."""
    def norm(v):
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v
    return len(a) == len(b) and all(norm(x) == norm(y) for x, y in zip(list(a), list(b), strict=True))


def _assert_same_decode(fast: fit_fast.Decoded, slow: fit_fast.Decoded) -> None:
    """What read_fit takes from a decode is the same from both decoders."""
    assert (fast.decoder, slow.decoder) == ("fast", "fitdecode")
    assert fast.n_records == slow.n_records
    assert set(fast.records) == set(slow.records)
    for key in fast.records:
        assert _same_values(fast.records[key], slow.records[key]), key
    assert set(fast.dev_records) == set(slow.dev_records)
    for key in fast.dev_records:
        assert _same_values(fast.dev_records[key], slow.dev_records[key]), key
    for name, keys in (("sessions", SESSION_KEYS), ("laps", {"sport", "sub_sport", "_seq"}),
                       ("sport_messages", {"sport", "sub_sport", "_seq"})):
        pick = [[{k: v for k, v in m.items() if k in keys} for m in getattr(d, name)] for d in (fast, slow)]
        assert pick[0] == pick[1], name
    for key in ("timestamp", "local_timestamp"):
        assert fast.activity.get(key) == slow.activity.get(key)
    assert fast.file_id.get("type") == slow.file_id.get("type")
    assert (fast.n_fit_files, fast.crc_mismatches, fast.warnings, fast.error) == (
        slow.n_fit_files, slow.crc_mismatches, slow.warnings, slow.error)


def _assert_same_result(a, b) -> None:
    for frame in ("runs", "samples", "log"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame), check_exact=False, rtol=1e-12)


def _read_with(source, fast: bool, monkeypatch, **kw):
    monkeypatch.setattr(fit_module, "USE_FAST_DECODER", fast)
    return read_fit(source, **kw)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_fast_path_where_it_applies_fallback_elsewhere(fit_dir, name):
    dec = _decode(_raw(fit_dir / name))
    if name in FALLBACK:
        assert dec.decoder == "fitdecode" and FALLBACK[name] in dec.fallback_reason
    else:
        assert dec.decoder == "fast" and dec.fallback_reason is None
    assert dec.n_records == REFERENCE[name][0]


@pytest.mark.parametrize("name", sorted(set(REFERENCE) - set(FALLBACK)))
def test_fast_decoder_gives_what_fitdecode_gives(fit_dir, name):
    data = _raw(fit_dir / name)
    _assert_same_decode(_decode(data), _decode(data, fast=False))


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_both_paths_give_the_same_frames(fit_dir, name, monkeypatch):
    # positions and a zone, so every column and the local date are compared
    kw = {"positions": True, "tz": "Europe/Berlin"}
    fast = _read_with(fit_dir / name, True, monkeypatch, **kw)
    slow = _read_with(fit_dir / name, False, monkeypatch, **kw)
    _assert_same_result(fast, slow)
    schema.validate_samples(fast.samples)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_frames_are_built_canonical(fit_dir, name):
    """read_fit builds its frames in the canonical dtypes itself: coercing them changes nothing."""
    result = _read(fit_dir / name)
    pd.testing.assert_frame_equal(schema.coerce_runs(result.runs), result.runs)
    pd.testing.assert_frame_equal(schema.coerce_samples(result.samples), result.samples)
    pd.testing.assert_frame_equal(schema.coerce_import_log(result.log), result.log)


def test_forced_fallback_on_a_fast_file_gives_todays_results(fit_dir, monkeypatch):
    path = fit_dir / "garmin_fr920xt_run_stryd.fit"  # developer fields, 62 runs of records
    assert _decode(_raw(path), fast=False).decoder == "fitdecode"
    slow = _read_with(path, False, monkeypatch)
    assert len(slow.samples) == 6874 and slow.samples["dev_power"].max() > 100
    _assert_same_result(_read_with(path, True, monkeypatch), slow)


def test_fast_decoder_counts_crc_mismatches_like_fitdecode(fit_dir):
    data = bytearray(_raw(fit_dir / "garmin_fenix5_run_short.fit"))
    data[-1] ^= 0xFF  # file CRC
    data[12] ^= 0xFF  # header CRC
    fast = _decode(bytes(data))
    assert fast.decoder == "fast" and fast.crc_mismatches == 2
    _assert_same_decode(fast, _decode(bytes(data), fast=False))


def test_chained_files_in_the_fast_decoder(fit_dir, monkeypatch):
    data = b"".join(
        _raw(fit_dir / n)
        for n in ("garmin_fenix5_run_short.fit", "garmin_fenix5_walk_short.fit", "stryd_run_devfields.fit")
    )
    fast = _decode(data)
    assert fast.decoder == "fast" and fast.n_fit_files == 3 and fast.n_records == 21 + 17 + 3424
    _assert_same_decode(fast, _decode(data, fast=False))
    result = _read_with(data, True, monkeypatch, name="chained.fit")
    assert list(result.log["status"]) == ["imported", "not_a_run", "imported"]
    _assert_same_result(result, _read_with(data, False, monkeypatch, name="chained.fit"))


@pytest.mark.parametrize("extra", [b"\x00", b"\x00" * 12])
def test_bytes_after_the_last_file_go_to_fitdecode(fit_dir, extra):
    dec = _decode(_raw(fit_dir / "garmin_fenix5_run_short.fit") + extra)
    assert dec.decoder == "fitdecode" and "header" in dec.fallback_reason
    assert dec.n_records == 21 and dec.error  # fitdecode reports the bytes as damage


def test_cut_files_go_to_fitdecode(fit_dir):
    data = _raw(fit_dir / "stryd_run_devfields.fit")
    for cut in range(0, len(data), len(data) // 40):
        with pytest.raises(fit_fast.Unsupported):
            fit_fast.decode(data[:cut])


# --------------------------------------------------------------------------- hand-made FIT files

#: base type -> struct code
_CODES = {0x00: "B", 0x02: "B", 0x84: "H", 0x86: "I", 0x85: "i", 0x07: "s", 0x0D: "B"}


def _fit(*messages: bytes) -> bytes:
    """A FIT file (12-byte header, no header CRC) around the messages, with its CRC."""
    body = b"".join(messages)
    data = struct.pack("<BBHI4s", 12, 0x20, 2100, len(body), b".FIT") + body
    return data + struct.pack("<H", crc16.arc(data))


def _define(local: int, mesg: int, fields, dev=(), big: bool = False) -> bytes:
    """A definition message: fields as (number, size, base type), dev as (number, size, index)."""
    e = ">" if big else "<"
    out = bytes([0x40 | 0x20 * bool(dev) | local]) + struct.pack(f"{e}BBHB", 0, int(big), mesg, len(fields))
    out += b"".join(bytes(f) for f in fields)
    if dev:
        out += bytes([len(dev)]) + b"".join(bytes(f) for f in dev)
    return out


def _data(header: int, fields, values, big: bool = False) -> bytes:
    """A data message; a string value is given as bytes, a byte array as a tuple."""
    e = ">" if big else "<"
    out = bytes([header])
    for (_, size, base), value in zip(fields, values, strict=True):
        code = _CODES[base]
        if base == 0x07:
            out += struct.pack(f"{size}s", value)
        elif isinstance(value, tuple):
            out += struct.pack(f"{e}{len(value)}{code}", *value)
        else:
            out += struct.pack(e + code, value)
    return out


FILE_ID = [(0, 1, 0x00)]
SESSION = [(253, 4, 0x86), (2, 4, 0x86), (5, 1, 0x00), (9, 4, 0x86), (7, 4, 0x86)]
T0 = 1_000_000_030  # low 5 bits: 30


def _session(local: int, end: int, distance_cm: int) -> bytes:
    return _define(local, 18, SESSION) + _data(local, SESSION, [end, T0, 1, distance_cm, (end - T0) * 1000])


def test_compressed_timestamps_hand_made(monkeypatch):
    record = [(3, 1, 0x02), (5, 4, 0x86)]  # heart_rate, distance (cm); the time comes from the header
    with_time = [(253, 4, 0x86), *record]
    data = _fit(
        _define(0, 0, FILE_ID), _data(0, FILE_ID, [4]),
        _define(1, 20, with_time), _data(1, with_time, [T0, 120, 0]),
        _define(2, 20, record),
        _data(0x80 | 2 << 5 | 31, record, [121, 300]),  # 30 -> 31: +1 s
        _data(0x80 | 2 << 5 | 2, record, [122, 600]),  # 31 -> 2 rolls over: +3 s
        _data(0x80 | 2 << 5 | 5, record, [123, 900]),  # +3 s
        _session(3, T0 + 7, 900),
    )
    fast = _decode(data)
    assert fast.decoder == "fast"
    assert list(fast.records["timestamp"]) == [T0, T0 + 1, T0 + 4, T0 + 7]
    _assert_same_decode(fast, _decode(data, fast=False))
    result = _read_with(data, True, monkeypatch, name="hand.fit")
    _assert_same_result(result, _read_with(data, False, monkeypatch, name="hand.fit"))
    samples = result.samples
    assert list(samples["elapsed_s"]) == [0, 1, 4, 7]
    assert list(samples["distance_m"]) == [0, 3, 6, 9]
    assert samples["time"].iloc[0] == pd.Timestamp("1989-12-31", tz="UTC") + pd.Timedelta(seconds=T0)


def test_compressed_speed_distance_hand_made(monkeypatch):
    # 3 bytes, little-endian: speed in the low 12 bits (1/100 m/s), distance in the next 12
    # (1/16 m), the distance counting on from the record before: 4000, 4090, then 10 = 4106
    record = [(253, 4, 0x86), (8, 3, 0x0D)]

    def csd(speed: int, distance: int) -> tuple:
        v = speed | distance << 12
        return (v & 0xFF, v >> 8 & 0xFF, v >> 16)

    data = _fit(
        _define(0, 0, FILE_ID), _data(0, FILE_ID, [4]),
        _define(1, 20, record),
        *(_data(1, record, [T0 + i, csd(300, d)]) for i, d in enumerate((4000, 4090, 10))),
        _data(1, record, [T0 + 3, (0xFF, 0xFF, 0xFF)]),  # invalid: no speed, no distance
        _session(2, T0 + 3, 25663),
    )
    fast = _decode(data)
    assert fast.decoder == "fast"
    _assert_same_decode(fast, _decode(data, fast=False))
    assert _same_values(fast.records["distance"], [250.0, 255.625, 256.625, None])
    assert _same_values(fast.records["speed"], [3.0, 3.0, 3.0, None])
    _assert_same_result(_read_with(data, True, monkeypatch, name="csd.fit"),
                        _read_with(data, False, monkeypatch, name="csd.fit"))


def test_big_endian_developer_fields_and_redefinitions_hand_made(monkeypatch):
    # a big-endian record layout with a developer field, redefined little-endian in another
    # order; records of both layouts interleaved
    dev_id = [(3, 1, 0x02)]
    description = [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 8, 0x07)]
    big = [(253, 4, 0x86), (6, 2, 0x84), (42, 1, 0x00), (3, 1, 0x02)]
    little = [(3, 1, 0x02), (253, 4, 0x86), (6, 2, 0x84)]
    power = [(0, 2, 0)]
    data = _fit(
        _define(0, 0, FILE_ID), _data(0, FILE_ID, [4]),
        _define(1, 207, dev_id), _data(1, dev_id, [0]),
        _define(2, 206, description), _data(2, description, [0, 0, 0x84, b"Power"]),
        _define(3, 20, big, dev=power, big=True),
        _data(3, big + [(0, 2, 0x84)], [T0, 2500, 1, 140, 250], big=True),
        _define(4, 20, little),
        _data(4, little, [141, T0 + 1, 2600]),
        _data(3, big + [(0, 2, 0x84)], [T0 + 2, 0xFFFF, 1, 142, 0xFFFF], big=True),
        _data(4, little, [0xFF, T0 + 3, 2700]),
        _session(5, T0 + 3, 800),
    )
    fast = _decode(data)
    assert fast.decoder == "fast"
    _assert_same_decode(fast, _decode(data, fast=False))
    assert list(fast.records["timestamp"]) == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert _same_values(fast.records["enhanced_speed"], [2.5, 2.6, None, 2.7])  # from speed
    assert _same_values(fast.records["heart_rate"], [140, 141, 142, None])
    assert _same_values(fast.records["activity_type"], ["running", None, "running", None])
    assert _same_values(fast.dev_records[(0, "Power")], [250, None, None, None])
    result = _read_with(data, True, monkeypatch, name="be.fit")
    _assert_same_result(result, _read_with(data, False, monkeypatch, name="be.fit"))
    assert _same_values(result.samples["dev_power"], [250.0, None, None, None])


def test_merge_split_records_by_hand():
    t = pd.to_datetime(["2021-01-01T10:00:00", "2021-01-01T10:00:00", "2021-01-01T10:00:01",
                        "2021-01-01T10:00:02", "2021-01-01T10:00:02"], utc=True)
    frame = pd.DataFrame({
        "time": t,
        "distance_m": [np.nan, 5.0, 9.0, 12.0, 13.0],  # the last second: two different readings
        "latitude_deg": [1.5, np.nan, 1.6, 1.7, np.nan],
        "_activity_type": np.array(["running", None, "running", None, None], dtype=object),
    })
    out = fit_module._merge_split_records(frame)
    assert list(out["time"]) == [t[0], t[2], t[3], t[4]]
    assert _same_values(out["distance_m"], [5.0, 9.0, 12.0, 13.0])
    assert _same_values(out["latitude_deg"], [1.5, 1.6, 1.7, None])
    assert _same_values(out["_activity_type"], ["running", "running", None, None])


def test_average_heart_rate_from_records_leaves_out_zero():
    """A record's 0 bpm is no reading (a strap that lost contact), not a beat rate in the average.

    The run-level average from records (a file without a session message, or a session without
    ``avg_heart_rate``): 0, 150 and 160 bpm average 155, not 103.3.
    """
    from analysis.io.fit import _record_values, _Records

    times = pd.date_range("2024-05-01 07:00", periods=3, freq="1s", tz="UTC")
    records = _Records.from_frame(pd.DataFrame({
        "time": times, "distance_m": [0.0, 3.0, 6.0], "heart_rate_bpm": [0.0, 150.0, 160.0],
        "cadence_spm": [np.nan, 170.0, 172.0],
    }))
    assert _record_values(records, rebase=False)["avg_heart_rate_bpm"] == 155.0
