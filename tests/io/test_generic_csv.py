"""Tests for analysis.io.generic_csv: canonical files, other trackers' CSVs through a map, bad rows."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.generic_csv import read_generic_csv, sniff

CANONICAL = (
    "activity_id,start_time,distance_m,moving_time_s,elapsed_time_s,gear_name,name,sport,"
    "avg_heart_rate_bpm,avg_cadence_spm,elevation_gain_m,rpe,description\n"
    "a1,2025-03-01T07:30:00Z,5000,1500,1560,Vivobarefoot Primus,Morning run,running,141,172,35,4,easy\n"
    ",2025-03-02T18:05:00+01:00,10000.5,3300,3400,Kinvara 14,Evening run,trail_running,150,168,120,,\n"
    "strava:123,2025-03-03 07:00:00,8000,2700,,,Run,,,,,,\n"
)


def _write(tmp_path, text: str, name: str = "runs.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_canonical_file_is_read_as_it_is(tmp_path):
    path = _write(tmp_path, CANONICAL)
    result = read_generic_csv(path, tz="Europe/Copenhagen")
    schema.validate_runs(result.runs)
    schema.validate_import_log(result.log)
    runs = result.runs
    assert runs.index[0] == "csv:a1"
    assert runs.index[1].startswith("csv:") and len(runs.index[1]) == len("csv:") + 12
    assert runs.index[2] == "strava:123"  # already carries a source prefix

    first = runs.loc["csv:a1"]
    assert first["start_time"] == pd.Timestamp("2025-03-01T07:30:00Z")
    assert first["date"] == pd.Timestamp("2025-03-01")
    assert (first["distance_m"], first["moving_time_s"], first["elapsed_time_s"]) == (5000, 1500, 1560)
    assert (first["avg_heart_rate_bpm"], first["avg_cadence_spm"], first["elevation_gain_m"]) == (
        141,
        172,
        35,
    )
    assert (first["rpe"], first["gear_name"], first["name"], first["description"]) == (
        4,
        "Vivobarefoot Primus",
        "Morning run",
        "easy",
    )
    assert first["source"] == "csv" and first["source_file"] == str(path)

    second = runs.iloc[1]
    assert second["start_time"] == pd.Timestamp("2025-03-02T17:05:00Z")  # offset converted to UTC
    assert second["sport"] == "trail_running"
    assert pd.isna(second["rpe"]) and pd.isna(second["description"])  # blank = NA, never 0

    third = runs.iloc[2]
    # naive time is Copenhagen wall time (UTC+1 in March before the switch)
    assert third["start_time"] == pd.Timestamp("2025-03-03T06:00:00Z")
    assert third["sport"] == "running"  # blank sport means running
    assert pd.isna(third["elapsed_time_s"])

    log = result.log
    assert log["row"].tolist() == [2, 3, 4]
    assert log["status"].tolist() == ["imported"] * 3
    assert log["activity_id"].tolist() == runs.index.tolist()
    assert result.samples.empty


def test_local_date_from_own_offset_or_tz(tmp_path):
    text = (
        "start_time,distance_m\n"
        "2025-06-01T23:30:00-04:00,5000\n"  # own offset: local date 1 June (UTC: 2 June)
        "2025-06-01T23:30:00Z,5000\n"  # UTC: local date in tz
    )
    runs = read_generic_csv(_write(tmp_path, text), tz="Asia/Tokyo").runs
    assert runs["start_time"].tolist() == [
        pd.Timestamp("2025-06-02T03:30Z"),
        pd.Timestamp("2025-06-01T23:30Z"),
    ]
    assert runs["date"].tolist() == [pd.Timestamp("2025-06-01"), pd.Timestamp("2025-06-02")]


def test_date_only_rows_start_at_local_midnight(tmp_path):
    result = read_generic_csv(
        _write(tmp_path, "date,distance_m,moving_time_s\n2025-01-15,7000,2400\n"), tz="Europe/Berlin"
    )
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2025-01-14T23:00:00Z")
    assert run["date"] == pd.Timestamp("2025-01-15")
    assert result.log["reason"].iloc[0] == "no start time; date only"


def test_column_map_with_km_and_minutes(tmp_path):
    text = (
        "When,Km,Minutes,Shoe,Type,Avg HR\n"
        "2025-04-01 06:45,5.2,26.5,Merrell Vapor Glove,Run,150\n"
        "2025-04-02 06:45,12.25,61,Merrell Vapor Glove,Cycling,120\n"
    )
    result = read_generic_csv(
        _write(tmp_path, text),
        column_map={
            "When": "start_time",
            "Km": "distance_m",
            "Minutes": "moving_time_s",
            "Shoe": "gear_name",
            "Type": "sport",
            "Avg HR": "avg_heart_rate_bpm",
        },
        distance_unit="km",
        time_unit="min",
    )
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(5200)
    assert run["moving_time_s"] == pytest.approx(1590)
    assert run["gear_name"] == "Merrell Vapor Glove" and run["avg_heart_rate_bpm"] == 150
    assert result.log["status"].tolist() == ["imported", "not_a_run"]
    assert "Cycling" in result.log["reason"].iloc[1]


def test_column_map_with_miles_and_hms(tmp_path):
    text = "Date,Distance (mi),Duration\n2025-04-01,3.1,0:25:30\n2025-04-02,6.2,1:02:03\n2025-04-03,1,59:59\n"
    runs = read_generic_csv(
        _write(tmp_path, text),
        column_map={"Distance (mi)": "distance_m", "Duration": "moving_time_s"},
        distance_unit="mi",
        time_unit="hms",
    ).runs
    assert runs["distance_m"].tolist() == pytest.approx([3.1 * 1609.344, 6.2 * 1609.344, 1609.344])
    assert runs["moving_time_s"].tolist() == [1530, 3723, 3599]


def test_bad_rows_fail_alone_with_their_row_numbers(tmp_path):
    text = (
        "start_time,distance_m,moving_time_s,name,rpe\n"
        '2025-05-01T07:00:00Z,5000,1500,"two\nlines",3\n'  # record 1 spans two lines
        "2025-05-02T07:00:00Z,abc,1500,bad number,\n"
        "2025/05/03 07:00,5000,1500,bad date,\n"
        "2025-05-04T07:00:00Z,-5,1500,negative,\n"
        "2025-05-05T07:00:00Z,5000,1500,bad rpe,12\n"
        "2025-05-06T07:00:00Z,5000,1500,too many,3,extra\n"
        "2025-05-07T07:00:00Z,5000,9:99:xx,bad time,\n"
        ",,,,\n"
        "2025-05-08T07:00:00Z,6000,1800,fine,\n"
    )
    result = read_generic_csv(_write(tmp_path, text))
    log = result.log.set_index("row")
    assert log["status"].to_dict() == {
        2: "imported",
        3: "failed",
        4: "failed",
        5: "failed",
        6: "failed",
        7: "failed",
        8: "failed",
        10: "imported",
    }
    assert "'distance_m'" in log.loc[3, "reason"] and "abc" in log.loc[3, "reason"]
    assert "'start_time'" in log.loc[4, "reason"]
    assert "'distance_m'" in log.loc[5, "reason"] and "negative" in log.loc[5, "reason"]
    assert "'rpe'" in log.loc[6, "reason"]
    assert "6 fields" in log.loc[7, "reason"]
    assert "'moving_time_s'" in log.loc[8, "reason"]
    assert result.runs["name"].tolist() == ["two\nlines", "fine"]


def test_semicolon_cp1252_decimal_comma(tmp_path):
    text = "start_time;distance_m;moving_time_s;gear_name;name\r\n2025-02-01 08:00;5200,5;1800;Xero® Prio;Løb på stranden\r\n"
    path = _write(tmp_path, text, encoding="cp1252")
    assert path.read_bytes().count(b"\xae") == 1  # really cp1252, not UTF-8
    run = read_generic_csv(path).runs.iloc[0]
    assert run["distance_m"] == 5200.5
    assert run["gear_name"] == "Xero® Prio"
    assert run["name"] == "Løb på stranden"


def test_tab_delimited_utf8_bom_and_thousands(tmp_path):
    text = "start_time\tdistance_m\tsport\n2025-02-01T08:00:00Z\t21097\tRun\n"
    path = tmp_path / "tabs.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_generic_csv(path).runs["distance_m"].tolist() == [21097]
    quoted = 'start_time,distance_m\n2025-02-01T08:00:00Z,"21,097.5"\n'
    assert read_generic_csv(_write(tmp_path, quoted)).runs["distance_m"].tolist() == [21097.5]


def test_repeated_activity_id_is_a_duplicate(tmp_path):
    text = "activity_id,start_time,distance_m\n7,2025-01-01T08:00Z,5000\n7,2025-01-01T08:00Z,5000\n"
    result = read_generic_csv(_write(tmp_path, text))
    assert result.runs.index.tolist() == ["csv:7"]
    assert result.log["status"].tolist() == ["imported", "duplicate"]
    assert result.log["reason"].iloc[1] == "same activity_id as row 2"


def test_bytes_source_uses_name(tmp_path):
    result = read_generic_csv(CANONICAL.encode(), name="export/runs.csv")
    assert set(result.log["source_file"]) == {"export/runs.csv"}
    assert len(result.runs) == 3


def test_whole_file_problems_raise(tmp_path):
    with pytest.raises(RunlogError, match="no distance_m"):
        read_generic_csv(_write(tmp_path, "start_time,km\n2025-01-01,5\n"))
    with pytest.raises(RunlogError, match="no start_time or date"):
        read_generic_csv(_write(tmp_path, "distance_m\n5\n"))
    with pytest.raises(RunlogError, match="both give 'distance_m'"):
        read_generic_csv(
            _write(tmp_path, "date,distance_m,km\n2025-01-01,5,5\n"), column_map={"km": "distance_m"}
        )
    with pytest.raises(RunlogError, match="not a runs column"):
        read_generic_csv(_write(tmp_path, "date,distance_m\n2025-01-01,5\n"), column_map={"date": "day"})
    with pytest.raises(RunlogError, match="not in the header"):
        read_generic_csv(_write(tmp_path, "date,distance_m\n2025-01-01,5\n"), column_map={"Km": "distance_m"})
    with pytest.raises(RunlogError, match="no data rows"):
        read_generic_csv(_write(tmp_path, "date,distance_m\n"))
    with pytest.raises(ValueError, match="distance_unit"):
        read_generic_csv(_write(tmp_path, CANONICAL), distance_unit="yards")


def test_sniff():
    assert sniff(CANONICAL.encode(), "runs.csv")
    assert sniff(b"\xef\xbb\xbfdate;Distance_m;name\n2025-01-01;5;x\n", "x.csv")
    assert not sniff(b"Activity ID,Activity Date,Distance\n1,x,2\n", "activities.csv")
    assert not sniff(b"start_time,km\n", "x.csv")


def _records(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text, newline=""), delimiter=","))


def _trimmed(record) -> list[str]:
    out = [str(c) for c in record]
    while out and out[-1] == "":
        out.pop()
    return out


def test_records_are_split_as_the_csv_module_splits_them_whichever_parser_splits():
    """pyarrow, pandas' C parser or csv: the same records on random texts (trailing empty fields aside)."""
    import csv
    import random

    from analysis.io import generic_csv

    rng = random.Random(3)
    tokens = ['a', 'b c', '1.5', '', ' ', '"q"', '"a,b"', '"x\ny"', '"x""y"', '"a"b', 'a"b', '"\r\n"', 'é', '"',
              "'x'", '""', ' "a"', '"a" ', '\r', '\n', ',']
    paths = {"arrow": 0, "other": 0}
    real = generic_csv._arrow_cells

    def spy(*args):
        out = real(*args)
        paths["arrow" if out is not None else "other"] += 1
        return out

    generic_csv._arrow_cells = spy
    try:
        for _ in range(600):
            eol = rng.choice(["\n", "\r\n", "\r"])
            lines = ["start_time,distance_m,x"] + [",".join(rng.choice(tokens) for _ in range(3))
                                                   for _ in range(rng.randrange(1, 6))]
            text = eol.join(lines) + (eol if rng.random() < 0.5 else "")
            try:
                expected = _records(text)
            except csv.Error:
                continue
            cells = generic_csv._cells(text, ",", "x.csv")
            got = [_trimmed(row) for row in cells.itertuples(index=False)]
            assert got == [_trimmed(r) for r in expected], repr(text)
    finally:
        generic_csv._arrow_cells = real
    assert paths["arrow"] > 100 and paths["other"] > 100  # both ways were tried


def test_a_trailing_delimiter_is_no_extra_field_and_a_short_row_is_padded(tmp_path):
    text = "start_time,distance_m,name\n2025-03-01T07:00:00Z,5000,a,\n2025-03-02T07:00:00Z,6000\n"
    result = read_generic_csv(_write(tmp_path, text))
    assert result.log["status"].tolist() == ["imported", "imported"]
    import xxhash

    padded = xxhash.xxh3_64_hexdigest(b"2025-03-02T07:00:00Z,6000,")[:12]
    assert result.runs.index[1] == f"csv:{padded}"


def test_a_year_zero_start_time_fails_its_row_alone(tmp_path):
    text = "start_time,distance_m\n0000-01-01T07:00:00Z,5000\n2025-03-01T07:00:00Z,6000\n"
    result = read_generic_csv(_write(tmp_path, text))
    assert result.log["status"].tolist() == ["failed", "imported"]
    assert "'start_time'" in result.log["reason"].iloc[0]
    assert result.runs["distance_m"].tolist() == [6000]


def test_runs_are_in_canonical_form_as_built(tmp_path):
    """The reader builds the runs frame in its canonical dtypes itself: coerce_runs would change nothing."""
    runs = read_generic_csv(_write(tmp_path, CANONICAL), tz="Europe/Copenhagen").runs
    pd.testing.assert_frame_equal(schema.coerce_runs(runs), runs)
    schema.validate_runs(runs)
    assert list(runs.columns) == list(schema.RUNS_DTYPES)


def test_a_hashed_id_is_the_xxh3_of_the_row_text_and_does_not_change():
    """The id rule of the Notes: frozen values (the XXH3-64 test is xxHash's own; these pin the text hashed)."""
    text = "start_time,distance_m,name\n2025-03-01T07:00:00Z,5000,a\n2025-03-02T07:00:00Z,6000,\"b, c\"\n"
    runs = read_generic_csv(text.encode(), name="x.csv").runs
    # the fields as read (quotes removed), joined by the delimiter; frozen: an id must not move between versions
    assert runs.index.tolist() == ["csv:77d7d9c0531f", "csv:" + _xxh3_12(b"2025-03-02T07:00:00Z,6000,b, c")]


def _xxh3_12(data: bytes) -> str:
    import xxhash

    return xxhash.xxh3_64_hexdigest(data)[:12]


def test_repeated_rows_without_ids_are_duplicates_and_a_given_id_equal_to_a_hash_too():
    row = "2025-03-01T07:00:00Z,5000"
    same = read_generic_csv(f"start_time,distance_m\n{row}\n{row}\n2025-03-02T07:00:00Z,5000\n{row}\n".encode(),
                            name="x.csv")
    assert same.log["status"].tolist() == ["imported", "duplicate", "imported", "duplicate"]
    assert same.log["reason"].tolist()[1] == same.log["reason"].tolist()[3] == "same activity_id as row 2"
    hashed = "csv:" + _xxh3_12(f",{row}".encode())  # the hashed row's text has the empty activity_id first
    mixed = read_generic_csv(f"activity_id,start_time,distance_m\n,{row}\n{hashed},{row}\n".encode(), name="x.csv")
    assert mixed.log["activity_id"].tolist() == [hashed, hashed]
    assert mixed.log["status"].tolist() == ["imported", "duplicate"]


def test_legacy_ids_map_the_old_sha1_ids_to_the_new_ones():
    import hashlib

    from analysis.io.generic_csv import legacy_ids

    text = ("start_time;distance_m;name\n2025-03-01T07:00:00Z;5000;a\n\n"
            "2025-03-02T07:00:00Z;6000\nbad;x;y\n")
    runs = read_generic_csv(text.encode(), name="x.csv").runs
    old = {f"csv:{hashlib.sha1(t).hexdigest()[:12]}": f"csv:{_xxh3_12(t)}"
           for t in (b"2025-03-01T07:00:00Z;5000;a", b"2025-03-02T07:00:00Z;6000;")}
    mapping = legacy_ids(text.encode(), name="x.csv")
    assert {k: mapping[k] for k in old} == old
    assert set(old.values()) == set(runs.index)
    assert legacy_ids(b"start_time,distance_m\n", name="x.csv") == {}


def test_start_times_read_column_wise_agree_with_fromisoformat_cell_by_cell():
    """The Arrow paths (UTC to the second; the common ISO forms) give what the per-cell reader gives."""
    import numpy as np
    import pyarrow as pa

    from analysis.io import generic_csv as g

    rng = np.random.default_rng(7)

    def cell() -> str:
        y = rng.choice(["2025", "1999", "0000", "2024"])
        m, d = rng.choice(["01", "02", "12", "13", "1"]), rng.choice(["01", "29", "30", "31", "00"])
        hh, mm, ss = rng.choice(["00", "07", "23", "24", "7"]), rng.choice(["00", "59", "60"]), rng.choice(["00", "59", "60", "5"])
        sep = rng.choice(["T", " ", "t"])
        frac = rng.choice(["", ".5", ".123456", ".1234567"])
        zone = rng.choice(["Z", "", "+01:00", "-05:30", "+24:00", "z", "+0100"])
        form = int(rng.integers(0, 7))
        if form == 5:  # a valid one
            return f"{rng.integers(1900, 2100)}-{m if m not in ('13', '1') else '03'}-15T{rng.integers(0, 24):02d}:05:09Z"
        if form == 0:
            return f"{y}-{m}-{d}T{hh}:{mm}:{ss}Z"
        if form == 1:
            return f"{y}-{m}-{d}{sep}{hh}:{mm}:{ss}{frac}{zone}"
        if form == 2:
            return f"{y}-{m}-{d}{sep}{hh}:{mm}{zone}"
        if form == 3:
            return f" {y}-{m}-{d}T{hh}:{mm}:{ss}Z "
        return str(rng.choice(["", "--", "NA", "soon", f"{y}-{m}-{d}", f"{y}{m}{d}T{hh}{mm}{ss}Z"]))

    cells = [cell() for _ in range(3000)]
    wall, offset_s, problems = g._start_times(pa.array(cells, pa.large_string()), len(cells))
    _agree_with_the_per_cell_reader(cells, wall, offset_s, problems)
    utc = [i for i, c in enumerate(cells) if len(c) == 20 and c.endswith("Z") and not np.isnat(wall[i])]
    assert len(utc) > 200 and len(problems) > 500  # both paths and the per-cell one were taken


def test_start_times_of_twenty_characters_told_from_the_bytes_agree_with_fromisoformat():
    """Columns whose every cell is 20 bytes take the byte check (and, all matching, Arrow's cast): the same
    wall times, offsets and problems as the per-cell reader, cell by cell."""
    import string

    import numpy as np
    import pyarrow as pa

    from analysis.io import generic_csv as g

    rng = np.random.default_rng(11)
    printable = string.ascii_letters + string.digits + string.punctuation + " "

    def stamp(valid: bool) -> str:
        if valid:
            y, m, d = int(rng.choice([0, 1, 1700, 1999, 2024, 2100])), int(rng.integers(1, 13)), int(rng.integers(1, 29))
            return f"{y:04d}-{m:02d}-{d:02d}T{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}:{rng.integers(0, 60):02d}Z"
        y, m, d = int(rng.integers(0, 2200)), int(rng.integers(0, 14)), int(rng.integers(0, 33))
        text = f"{y:04d}-{m:02d}-{d:02d}T{rng.integers(0, 30):02d}:{rng.integers(0, 70):02d}:{rng.integers(0, 70):02d}Z"
        if rng.random() < 0.4:
            at = int(rng.integers(0, 20))
            text = text[:at] + str(rng.choice(list(printable))) + text[at + 1:]
        return text

    def agree(cells: list[str]) -> None:
        column = pa.array(cells, pa.large_string())
        assert g._utc_form(column)[0] is not None  # the byte check was used
        _agree_with_the_per_cell_reader(cells, *g._start_times(column, len(cells)))

    mixed = [stamp(rng.random() < 0.3) for _ in range(4000)]
    agree(mixed)
    agree([stamp(True) for _ in range(2000)])  # every cell matches: Arrow's cast, year 0000 told
    agree([stamp(True) for _ in range(50)] + ["2023-02-29T10:00:00Z"])  # a day that does not exist
    problems = g._start_times(pa.array(mixed, pa.large_string()), len(mixed))[2]
    assert 500 < len(problems) < len(mixed) - 500  # both good and bad cells were met
    assert g._utc_form(pa.array(["2025-03-01T07:30:00Z", " 2025-03-01T07:30:00Z"], pa.large_string()))[0] is None


def test_text_cells_equal_trimming_with_blanks_made_null_on_random_columns():
    """_text_cells skips the trim when no cell has a possible white space at an end: same cells either way."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from analysis.io import generic_csv as g

    rng = random.Random(3)
    alphabet = ["a", "b", " ", "\t", "\u00a0", "\u2003", "é", "x y", "", "\x1c", "\x7f", "\u0085", ",", "Z"]
    skipped = 0
    for _ in range(3000):
        cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(1, 12))]
        if rng.random() < 0.5:  # columns with nothing to trim: the copy-free path
            cells = [c for c in cells if c.strip() == c] or ["x"]
        column = pa.array(cells, pa.large_string())
        if rng.random() < 0.3:
            column = column.slice(1)  # an offset into the buffers
        text = pc.utf8_trim_whitespace(column)
        expected = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)
        got = g._text_cells(column)
        assert got.to_pylist() == expected.to_pylist(), cells
        skipped += got is column
    assert skipped > 200


def test_an_ascii_file_split_without_decoding_it_gives_the_decoded_files_cells():
    """_ascii_columns (bytes, the first 64 KiB decoded) and _columns (the whole text) agree on random files."""
    import random

    import pyarrow as pa

    from analysis.io import generic_csv as g
    from analysis.io.table import decode_text, header_delimiter

    rng = random.Random(5)
    tokens = ["a", "b c", "1.5", "", " ", '"q"', '"a,b"', '"x\ny"', '"x""y"', "a;b", "\t", '"', "\x0b", "\0"]
    taken = 0
    for trial in range(800):
        sep = rng.choice([",", ";", "\t"])
        eol = rng.choice(["\n", "\r\n", "\r"])
        width = rng.randrange(1, 4)
        header = sep.join(["start_time", "distance_m", "x"][:width])
        lines = ([""] * rng.randrange(0, 2)) + [header] + [
            sep.join(rng.choice(tokens) for _ in range(rng.choice([width] * 6 + [width + 1])))
            for _ in range(rng.randrange(1, 6))]
        if trial % 50 == 0:  # a first line past 64 KiB: the whole text decides
            lines[0] = "x" * 70_000
        raw = ((b"\xef\xbb\xbf" if trial % 7 == 0 else b"") + eol.join(lines).encode("ascii"))
        body = raw[3:] if trial % 7 == 0 else raw
        fast = g._ascii_columns(body)
        if fast is None:
            continue
        taken += 1
        text = decode_text(raw)
        delimiter = header_delimiter(g._first_line(text))
        slow = g._columns(text, delimiter, "x.csv", encoded=body)
        assert fast[1] == delimiter, repr(raw)
        assert [pa.array(c).to_pylist() for c in fast[0]] == [pa.array(c).to_pylist() for c in slow], repr(raw)
    assert taken > 100


def test_a_date_centuries_away_is_a_failed_row_that_says_so(tmp_path):
    text = (
        "start_time,date,distance_m,moving_time_s\n"
        "1700-05-09T21:46:55Z,,5000,1500\n"  # a typo for 2017? the row fails, it is not a run of 1700
        ",2105-01-02,5000,1500\n"
        "1900-01-01T06:00:00Z,,5000,1500\n"  # the first plausible day
        "2025-05-08T07:00:00Z,,6000,1800\n"
    )
    result = read_generic_csv(_write(tmp_path, text))
    log = result.log.set_index("row")
    assert log["status"].to_dict() == {2: "failed", 3: "failed", 4: "imported", 5: "imported"}
    assert log.loc[2, "reason"] == ("column 'start_time': 1700-05-09 is not a plausible run date (1900-2099); "
                                    "fix the year")
    assert "'date': 2105-01-02" in log.loc[3, "reason"]
    assert len(result.runs) == 2


def _agree_with_the_per_cell_reader(cells, wall, offset_s, problems) -> None:
    """Each cell's wall time, offset and problem as ``generic_csv._start`` (fromisoformat) reads it alone."""
    import numpy as np

    from analysis.io import generic_csv as g

    for i, text in enumerate(cells):
        try:
            t = g._start(text)
        except g._RowError as exc:
            assert problems.get(i) == str(exc), text
            continue
        assert i not in problems, text
        if t is None:
            assert np.isnat(wall[i]) and np.isnan(offset_s[i]), text
            continue
        assert wall[i] == np.datetime64(t.replace(tzinfo=None), "us"), text
        expected = t.utcoffset()
        assert (np.isnan(offset_s[i]) if expected is None else offset_s[i] == expected.total_seconds()), text


def _mixed_rows_file(rows: int, seed: int) -> bytes:
    """Rows with and without ids, repeated rows, a blank and a white-space-only record, failing and
    non-run rows, a too-wide row: every way a record's id and status can be decided."""
    import random

    rnd = random.Random(seed)
    lines = ["activity_id,start_time,distance_m,sport,name"]
    for i in range(rows):
        kind = rnd.random()
        aid = rnd.choice(["", "", "", f"a{i % 50}", "strava:7", " "])
        when = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        if kind < 0.03:
            lines.append(rnd.choice(["", ",,,,", " , , , , "]))
        elif kind < 0.06 and len(lines) > 1:
            lines.append(lines[-1])
        else:
            lines.append(",".join([aid, rnd.choice([when, when, "bad", ""]), rnd.choice(["5000", "-1", "x", ""]),
                                   rnd.choice(["running", "cycling", ""]), rnd.choice(["a", '"b, c"', ""])]
                                  + ([] if rnd.random() > 0.01 else ["extra"])))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_row_hashes_taken_in_a_thread_give_the_same_frames(monkeypatch, seed):
    """A large file's row hashes are taken ahead, in a thread, for every record without an id (blank and
    failing ones too) and then picked for the records that need one: the frames equal hashing after parsing."""
    import threading

    import analysis.io.generic_csv as generic_csv

    data = _mixed_rows_file(3_000, seed)
    alone = read_generic_csv(data, name="x.csv")
    threads = []
    hash_values = generic_csv._hashed_ids

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return hash_values(*args, **kwargs)

    monkeypatch.setattr(generic_csv, "_THREADED_ROWS", 1)
    monkeypatch.setattr(generic_csv, "_hashed_ids", spy)
    ahead = read_generic_csv(data, name="x.csv")
    assert threads == [False]  # hashed once, off the main thread
    pd.testing.assert_frame_equal(ahead.runs, alone.runs, check_exact=True)
    pd.testing.assert_frame_equal(ahead.log, alone.log, check_exact=True)
    statuses = set(alone.log["status"])
    assert statuses == {"imported", "duplicate", "not_a_run", "failed"}, statuses


def test_utc_times_in_utc_take_their_dates_without_a_zone_conversion_as_the_general_path_does():
    """Every start time "Z" and the zone UTC: the dates are the start times' days, read without converting
    (also before 1970, where a day is floored); the same frames as the zone conversion gives (a zone object,
    not the name, takes the general path), and with a date column, a naive or an offset time among them."""
    from zoneinfo import ZoneInfo

    rows = ["start_time,distance_m", "1900-01-01T00:00:00Z,5000", "1969-12-31T23:59:59Z,6000",
            "1970-01-01T00:00:00Z,7000", "2025-03-30T01:30:00Z,8000", "2099-12-31T23:00:00Z,9000"]
    variants = {"all UTC": rows, "a naive time": rows + ["2025-03-30 02:30,1000"],
                "an offset": rows + ["2025-03-30T02:30:00+02:00,1000"]}
    for what, lines in variants.items():
        data = ("\n".join(lines) + "\n").encode()
        fast = read_generic_csv(data, name="x.csv", tz="UTC")
        general = read_generic_csv(data, name="x.csv", tz=ZoneInfo("UTC"))
        pd.testing.assert_frame_equal(fast.runs, general.runs, check_exact=True, obj=what)
        pd.testing.assert_frame_equal(fast.log, general.log, check_exact=True, obj=what)
    runs = read_generic_csv(("\n".join(rows) + "\n").encode(), name="x.csv").runs
    assert runs["date"].dt.strftime("%Y-%m-%d").tolist() == ["1900-01-01", "1969-12-31", "1970-01-01", "2025-03-30",
                                                             "2099-12-31"]
    assert str(runs["start_time"].dtype) == schema.RUNS_DTYPES["start_time"]


def test_columns_a_file_does_not_have_are_all_na_in_their_dtypes():
    """Numbers and texts the file lacks are NA (built without filling them), each column its own array."""
    runs = read_generic_csv(b"start_time,distance_m\n2025-03-01T07:00:00Z,5000\n2025-03-02T07:00:00Z,6000\n",
                            name="x.csv").runs
    for column, dtype in schema.RUNS_DTYPES.items():
        assert str(runs[column].dtype) == dtype, column
        if column not in ("start_time", "date", "distance_m", "sport", "source", "source_file"):
            assert runs[column].isna().all(), column
    runs.loc[runs.index[0], "rpe"] = 5.0  # setting one missing column leaves the others NA
    runs.loc[runs.index[0], "description"] = "easy"
    assert runs["avg_heart_rate_bpm"].isna().all() and runs["gear_id"].isna().all()
    assert runs["rpe"].tolist()[0] == 5.0 and runs["description"].tolist()[0] == "easy"
    pd.testing.assert_frame_equal(schema.coerce_runs(runs), runs)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_named_row_below_a_quoted_line_break_gives_its_line_in_a_text_editor(end):
    # line 1 blank, 2 header, 3-4 row 3 (a name on two lines), 5 blank (row 4), 6-7 a blank record holding a
    # quoted line break (row 5, skipped), 8 row 6 (bad distance), 9-11 row 7 (a name on three lines), 12 row 8
    # (too many fields). The log's row stays the spreadsheet row; its reason names the line an editor shows.
    text = end.join(["", "start_time,distance_m,moving_time_s,name",
                     f'2024-05-01T07:00:00Z,5000,1500,"two{end}lines"', "", f',,,"  {end} "',
                     "2024-05-02T07:00:00Z,x,1500,a", f'2024-05-03T07:00:00Z,5000,1500,"b{end}c{end}d"',
                     "2024-05-04T07:00:00Z,5000,1500,b,c,d", ""])
    log = read_generic_csv(text.encode(), name="r.csv").log.set_index("row")
    assert list(log.index) == [3, 6, 7, 8]
    assert log.loc[6, "reason"] == "column 'distance_m': 'x' is not a number (line 8 in a text editor)"
    assert log.loc[8, "reason"] == "row has 6 fields, the header has 4 (line 12 in a text editor)"
    assert log.loc[7, "status"] == "imported" and log.loc[7, "reason"] == ""


def test_a_line_break_above_the_header_counts_and_rows_on_their_own_line_say_nothing_more():
    # a blank record holding a quoted line break (lines 1-2) above the header (line 3): row 3 is on line 4
    text = '"\n",\nstart_time,distance_m\n2024-05-01T07:00:00Z,-5\n'
    log = read_generic_csv(text.encode(), name="r.csv").log
    assert list(log["row"]) == [3]
    assert log["reason"].iloc[0].endswith("(line 4 in a text editor)")
    plain = read_generic_csv(b"start_time,distance_m\n2024-05-01T07:00:00Z,-5\n", name="r.csv").log
    assert "line" not in plain["reason"].iloc[0]


@pytest.mark.parametrize("name", ["a", "é", "a\x00"])  # pyarrow's split, the decoded text's, the csv module's
def test_every_splitter_counts_the_lines_of_a_quoted_line_break(name):
    text = f'start_time,distance_m,name\n2024-05-01T07:00:00Z,5000,"{name}\nb"\n2024-05-02T07:00:00Z,x,c\n'
    log = read_generic_csv(text.encode(), name="r.csv").log
    assert list(log["row"]) == [2, 3]
    assert log["reason"].iloc[1] == "column 'distance_m': 'x' is not a number (line 4 in a text editor)"
