"""One test per bug the mutation engine found, each reduced to the input that showed it.

Every input here made a reader raise something other than RunlogError (a
traceback for the user) or hid part of a file, before the fix named in the test.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from analysis.errors import RunlogError
from analysis.ingest.loader import read_sources
from analysis.ingest.strava_export import is_export_zip, read_strava_export
from analysis.io.garmin import read_garmin_csv, read_garmin_json, sniff_csv
from analysis.io.shoes import read_shoes
from analysis.io.strava import read_strava, sniff


def _cr_only(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


# --------------------------------------------------------------------------- Strava


def test_strava_sniffer_takes_cr_only_line_ends(shared_data):
    """csv.Error 'new-line character seen in unquoted field' escaped strava.sniff for every CR-only CSV,
    so any such CSV (Garmin's too: Strava is sniffed first) stopped the whole import."""
    mac = _cr_only((shared_data / "strava" / "joboso_99col_activities.csv").read_bytes())
    assert sniff(mac[:65536], "activities.csv")
    res = read_strava(mac, name="activities.csv")
    assert (res.log["row"].notna()).sum() == 60  # README-exports.md: 60 activities


def test_strava_damaged_zip_member_is_not_an_export_and_no_crash(tmp_path, shared_data):
    """zlib.error from a damaged activities.csv escaped strava.is_export_zip (the loader's container check)."""
    csv_bytes = (shared_data / "strava" / "archipelagic_77col_activities.csv").read_bytes()
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", csv_bytes)
    raw = bytearray(z.read_bytes())
    raw[60:80] = b"\xff" * 20  # inside the deflated data of activities.csv
    z.write_bytes(bytes(raw))
    assert is_export_zip(z) is False
    res = read_sources([tmp_path], progress=False, workers=1)
    assert list(res.log["status"]) == ["failed"]


def test_strava_zip_with_one_damaged_activity_file_keeps_the_rest(tmp_path, shared_data):
    """One member failing its CRC made the whole export fail (25 activities lost for one byte)."""
    fit = (shared_data / "fit" / "garmin_fenix5_run_short.fit").read_bytes()
    rows = "".join(f'{i},"Mar {i}, 2025, 7:00:00 AM",Run,Run,60,0.2,activities/{i}.fit\n' for i in (1, 2))
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("activities.csv", "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,"
                                      "Distance,Filename\n" + rows)
        zf.writestr("activities/1.fit", fit)
        zf.writestr("activities/2.fit", fit)
    raw = bytearray(z.read_bytes())
    raw[raw.index(fit[:40]) + 500] ^= 0x01  # inside activities/1.fit: its CRC no longer matches
    z.write_bytes(bytes(raw))
    res = read_sources([z], progress=False, workers=1)
    assert sorted(res.runs.index) == ["strava:1", "strava:2"]
    one = res.log[res.log["source_file"] == f"{z}/activities/1.fit"].iloc[0]
    assert one["status"] == "failed" and "Bad CRC-32" in one["reason"]
    two = res.log[res.log["source_file"] == f"{z}/activities/2.fit"].iloc[0]
    assert two["status"] == "duplicate"  # merged into strava:2
    assert len(res.samples) == 21  # the fenix 5 file's 21 records, once


def test_strava_bytes_of_a_cut_zip_are_one_line():
    """BadZipFile escaped read_strava(bytes) when the bytes start like a zip but are cut short."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("activities.csv", "Activity ID,Activity Date,Activity Type\n1,x,Run\n")
    with pytest.raises(RunlogError, match="export.zip: cannot open the zip"):
        read_strava_export(buf.getvalue()[:60], name="export.zip")


# --------------------------------------------------------------------------- Garmin


def test_garmin_json_nested_too_deep_is_one_line():
    """RecursionError escaped json.loads in garmin._load_json for [[[[... deeper than the stack."""
    with pytest.raises(RunlogError, match="x.json: not valid JSON: nested too deeply"):
        read_garmin_json(b"[" * 100_000, name="x.json")


@pytest.mark.parametrize("stamp", ["1e400", "-1e400", "1e30"])
def test_garmin_json_impossible_start_time_fails_that_row_only(stamp):
    """OverflowError (infinite) / OutOfBoundsDatetime (huge) escaped for one bad beginTimestamp."""
    good = {"activityType": "running", "beginTimestamp": 1740849662000, "distance": 500000.0, "duration": 1800000}
    bad = {**good, "beginTimestamp": "@"}
    text = json.dumps([{"summarizedActivitiesExport": [good, bad]}]).replace('"@"', stamp)
    res = read_garmin_json(text.encode(), name="a.json")
    assert list(res.log["status"]) == ["imported", "failed"]
    assert res.log["reason"].iloc[1].startswith("start time out of range")
    assert len(res.runs) == 1 and res.runs["distance_m"].iloc[0] == pytest.approx(5000.0)  # cm -> m


def test_garmin_csv_with_cr_only_line_ends_is_recognised(shared_data):
    """A Garmin CSV re-saved by Mac Excel (lone CR) was not sniffed, so it failed as 'CSV of unknown kind'."""
    src = shared_data / "garmin_csv" / "gisnofunrev_en_semicolon_excel_Activities.csv"
    mac = _cr_only(src.read_bytes())
    assert sniff_csv(mac[:65536])
    plain, res = read_garmin_csv(src), read_garmin_csv(mac, name="mac.csv")
    assert list(res.log["status"]) == list(plain.log["status"])  # 13 imported, 7 not runs
    assert (res.log["status"] == "imported").sum() == 13


# --------------------------------------------------------------------------- shoes catalog


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'""\n""\n', "the file is empty"),  # a header of quoted empty cells: IndexError before
        (b'name,brand\n"' + b"x" * 200_000, "not readable as CSV"),  # csv.Error escaped before
    ],
)
def test_shoes_catalog_odd_files_are_one_line(data, message):
    with pytest.raises(RunlogError, match=message):
        read_shoes(data, name="shoes.csv")


def test_shoes_catalog_undecodable_bytes_and_utf16_are_read():
    """0x81 is undefined in cp1252: UnicodeDecodeError escaped; UTF-16 (Excel 'Unicode Text') was unread."""
    text = "name,brand,model,shoe_class\nDaily\x81,Brooks,Ghost 15,traditional\n"
    cat = read_shoes(text.encode("latin-1"), name="shoes.csv")
    assert list(cat["shoe_class"]) == ["traditional"]
    utf16 = read_shoes(text.replace("\x81", "").replace(",", "\t").encode("utf-16"), name="s.txt")
    assert list(utf16["name"]) == ["Daily"] and list(utf16["shoe_class"]) == ["traditional"]
