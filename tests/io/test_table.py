"""Shared CSV plumbing of the user-written tables: decoding, delimiter, rows, columns, dates, bad rows."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.io.table import (
    column_key,
    decode_text,
    first_line,
    header_cells,
    header_delimiter,
    map_columns,
    normalize_token,
    parse_date,
    raise_bad_rows,
    read_csv_table,
)

# --- decoding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "date;Fußsohle\n".encode(),
        codecs.BOM_UTF8 + "date;Fußsohle\n".encode(),
        "date;Fußsohle\n".encode("utf-16"),  # with BOM, native order
        codecs.BOM_UTF16_BE + "date;Fußsohle\n".encode("utf-16-be"),
        "date;Fußsohle\n".encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be", "cp1252"],
)
def test_decode_text_reads_what_spreadsheets_write(raw):
    assert decode_text(raw) == "date;Fußsohle\n"


def test_decode_text_never_fails():
    # 0x81 is undefined in cp1252 and invalid UTF-8: Latin-1 maps every byte
    assert decode_text(b"a\x81b") == "a\x81b"


def test_truncated_head_keeps_utf8_when_the_cut_splits_a_character():
    data = codecs.BOM_UTF8 + "date,drill,notes\n2026-03-02,toe yoga,müde\n".encode()
    head = data[: data.index("ü".encode()) + 1]  # cut inside the two bytes of "ü"
    assert decode_text(head, truncated=True).startswith("date,drill")
    # read as a whole file, the same bytes are not UTF-8: the BOM would become text
    assert decode_text(head) == "date,drill,notes\n2026-03-02,toe yoga,m\u00c3"  # a whole file: cp1252, BOM dropped


# --- header line and delimiter ----------------------------------------------------------------------


def test_first_line_skips_blank_lines():
    assert first_line("\n  \r\n date,pain\n1,2\n") == " date,pain"
    assert first_line(" \n\t\n") == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("date,region,pain", ","),
        ("date;region;pain", ";"),
        ("date\tregion\tpain", "\t"),
        # delimiters inside quotes do not count: 2 fields by ',' against 1 by ';'
        ('"a;b;c",date', ","),
        ('"notes, comments";date;pain', ";"),
        ("date", ","),  # one column: the comma
        ("date;pain,nrs", ","),  # tie: the comma
    ],
)
def test_header_delimiter(line, expected):
    assert header_delimiter(line) == expected


def test_header_cells_for_sniffing():
    assert header_cells(b"\n\"date\" ; 'drill' ;sets\n1;2;3\n") == ["date", "drill", "sets"]
    assert header_cells("week,region\n".encode("utf-16")) == ["week", "region"]
    assert header_cells(b"") == []
    assert header_cells(b"\n \n") == []


# --- tokens, column names, dates --------------------------------------------------------------------


def test_normalize_token_and_column_key():
    assert normalize_token("  Plantar-Fascia ") == "plantar fascia"
    assert normalize_token("Runner's  knee") == "runners knee"
    assert normalize_token("a_b.c/d") == "a b c d"
    assert column_key("Time of Day") == "time_of_day"
    assert column_key("time-of_day") == "time_of_day"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02", "2026-03-02"),
        ("2026-3-2", "2026-03-02"),
        ("2026-03-02T07:30:00", "2026-03-02"),
        ("2026-03-02 07:30", "2026-03-02"),
        ("2026/03/02", "2026-03-02"),
        ("02.03.2026", "2026-03-02"),
        (" 2.3.2026 ", "2026-03-02"),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["", "03/02/2026", "2026-02-30", "2026-13-01", "31.02.2026", "yesterday"])
def test_parse_date_refuses_ambiguous_and_impossible_dates(text):
    assert parse_date(text) is None


# --- reading a table --------------------------------------------------------------------------------


def test_rows_are_spreadsheet_rows(tmp_path):
    text = '\ndate,pain,notes\n2026-03-02,1,\n\n2026-03-03,2,"two\nlines"\n2026-03-04,3\n,,\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    table = read_csv_table(path)
    assert table.label == str(path)
    assert table.header == ["date", "pain", "notes"]
    # blank line 1, header 2, row 3, blank 4, quoted line break in 5, short row 6 padded, ",," skipped
    assert table.rows == [
        (3, ["2026-03-02", "1", ""]),
        (5, ["2026-03-03", "2", "two\nlines"]),
        (6, ["2026-03-04", "3", ""]),
    ]


def test_cells_stripped_and_empty_trailing_cells_dropped():
    table = read_csv_table(b" date ; pain ;;\n 2026-03-02 ; 4 ;;\n", name="t.csv")
    assert table.label == "t.csv"
    assert table.header == ["date", "pain"]
    assert table.rows == [(2, ["2026-03-02", "4"])]


def test_bytes_without_a_name_are_labelled():
    assert read_csv_table(b"date\n2026-03-02\n").label == "<bytes>"


def test_a_row_wider_than_the_header_is_refused_by_row():
    with pytest.raises(RunlogError) as info:
        read_csv_table(b"date,pain\n2026-03-02,1\n2026-03-03,2,extra\n", name="t.csv")
    assert (info.value.path, info.value.row) == ("t.csv", 3)
    assert "3 cells but the header has 2" in info.value.reason


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"  \n"])
def test_empty_file(data):
    with pytest.raises(RunlogError, match="empty file"):
        read_csv_table(data, name="t.csv")


def test_no_header_when_every_record_is_empty():
    with pytest.raises(RunlogError, match="no header"):
        read_csv_table(b" , ,\n,,\n", name="t.csv")


def test_a_field_past_the_csv_limit_is_an_error_not_a_crash():
    data = b'date,notes\n2026-03-02,ok\n2026-03-03,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(RunlogError, match="not readable as CSV") as info:
        read_csv_table(data, name="t.csv")
    assert info.value.row == 3


def test_unreadable_file(tmp_path):
    with pytest.raises(RunlogError, match="cannot read"):
        read_csv_table(tmp_path / "missing.csv")


# --- columns and bad rows ---------------------------------------------------------------------------

MAP = {"date": "date", "day": "date", "pain": "pain", "nrs": "pain", "time_of_day": "time_of_day"}


def test_map_columns_uses_synonyms_and_leaves_unknown_columns_out():
    table = read_csv_table(b"Day,Time of Day,comment,NRS\n2026-03-02,am,x,3\n", name="t.csv")
    assert map_columns(table, MAP) == {"date": 0, "time_of_day": 1, "pain": 3}


def test_two_columns_for_one_name_are_refused_on_row_1():
    table = read_csv_table(b"date,pain,nrs\n2026-03-02,3,4\n", name="t.csv")
    with pytest.raises(RunlogError) as info:
        map_columns(table, MAP)
    assert info.value.row == 1
    assert "'pain' and 'nrs' both give 'pain'" in info.value.reason


def test_raise_bad_rows():
    raise_bad_rows("t.csv", [])  # nothing bad: no error
    with pytest.raises(RunlogError) as info:
        raise_bad_rows("t.csv", [(4, "pain 'x'")])
    assert (info.value.path, info.value.row, info.value.reason) == ("t.csv", 4, "pain 'x'")
    with pytest.raises(RunlogError) as info:
        raise_bad_rows("t.csv", [(r, "bad") for r in range(2, 10)])
    assert info.value.row == 2
    assert info.value.reason == "bad (7 more bad rows: 3, 4, 5, 6, 7, ...)"


def test_decode_text_damaged_utf16_keeps_its_text():
    raw = "Date,Pain\n2026-03-02,4\n".encode("utf-16")
    damaged = raw[:9] + raw[10:]  # one byte gone: every pair after it is shifted
    text = decode_text(damaged)
    assert text.startswith("Dat")  # the part before the damage reads as it was
    assert "\ufffd" in text or len(text) < len("Date,Pain\n2026-03-02,4\n")  # then replaced, not cp1252
    assert "\x00" not in text  # never the UTF-16 bytes read one by one


def test_decode_text_utf8_bom_with_a_stray_cp1252_byte_keeps_the_header_clean():
    raw = codecs.BOM_UTF8 + b"Activity Type,Date\nRunning,Caf" + b"\xe9\n"
    text = decode_text(raw)
    assert text.startswith("Activity Type,Date") and text.endswith("Caf\u00e9\n")


def test_header_delimiter_survives_a_cell_over_the_csv_field_limit():
    line = "a" * 200_000 + ";b;c"
    assert header_delimiter(line) == ";"


def test_alnum_key_folds_case_accents_letters_that_do_not_decompose_and_punctuation():
    from analysis.io.table import alnum_key

    assert alnum_key("Distância (km)") == "distanciakm"
    assert alnum_key("Łódź / Ørsted-Þór") == "lodzorstedthor"
    assert alnum_key("Straße_Zeit 2") == "strassezeit2"
    assert alnum_key(12.5) == "125"


def test_rows_after_a_quoted_line_break_name_their_line_and_short_rows_are_listed():
    # line 1 header; row 2 holds a line break (lines 2-3); row 3 is on line 4, cut short (2 of 3 cells);
    # row 4 on line 5; a CR-only file (old Mac Excel) counts its lines the same way
    for end in ("\n", "\r\n", "\r"):
        text = end.join(["date,pain,notes", '2026-03-02,1,"two', 'lines"', "2026-03-03,2", "2026-03-04,3,x", ""])
        table = read_csv_table(text.encode(), name="t.csv")
        assert [r for r, _ in table.rows] == [2, 3, 4]  # spreadsheet rows, as before
        assert table.lines == {3: 4, 4: 5}
        assert table.short == {3: 2}
        assert table.rows[1] == (3, ["2026-03-03", "2", ""])  # still read, padded


def test_a_refused_row_after_a_quoted_line_break_names_its_line():
    text = 'date,pain\n2026-03-02,"1\nsore"\n2026-03-03,2,extra\n'
    with pytest.raises(RunlogError) as info:
        read_csv_table(text.encode(), name="t.csv")
    assert info.value.row == 3
    assert str(info.value).startswith("t.csv, row 3: row has 3 cells but the header has 2")
    assert str(info.value).endswith("(line 4 in a text editor)")
    with pytest.raises(RunlogError) as info:
        raise_bad_rows("t.csv", [(3, "pain 'x' is not 0-10")], {3: 4})
    assert str(info.value) == "t.csv, row 3: pain 'x' is not 0-10 (line 4 in a text editor)"
    with pytest.raises(RunlogError) as info:  # a row on its own line: nothing added
        raise_bad_rows("t.csv", [(2, "pain 'x' is not 0-10")], {3: 4})
    assert str(info.value) == "t.csv, row 2: pain 'x' is not 0-10"
