"""Pain diary reader: long and wide layouts, synonyms, side B, bad rows by file and row."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.pain_diary import parse_wide_column, read_pain_diary, sniff

LONG = """date,time_of_day,region,side,pain,activity_id,notes
2026-03-02,morning,plantar,L,4,,first steps out of bed
2026-03-02,during,achilles,R,2,12345678901,eased after 2 km
2026-03-02,after,patellar,L,3,12345678901,
"""


def write(tmp_path, text, name="pain.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_long_layout_reads_the_formats_example(tmp_path):
    pain = read_pain_diary(write(tmp_path, LONG))
    schema.validate_pain(pain)
    assert len(pain) == 3
    assert list(pain["region"]) == ["plantar", "achilles", "patellar"]
    assert list(pain["pain"]) == [4, 2, 3]
    assert pain.loc[1, "activity_id"] == "12345678901"
    assert pd.isna(pain.loc[0, "activity_id"])
    assert pain.loc[0, "notes"] == "first steps out of bed"
    assert pain["date"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-03-02"]


def test_side_b_expands_to_left_and_right(tmp_path):
    text = "date,time_of_day,region,side,pain\n2026-03-02,morning,achilles,B,5\n"
    pain = read_pain_diary(write(tmp_path, text))
    assert sorted(pain["side"]) == ["L", "R"]
    assert list(pain["pain"]) == [5, 5]
    assert set(pain["region"]) == {"achilles"}


@pytest.mark.parametrize(
    ("region", "time", "side", "expected"),
    [
        ("Plantar Fascia", "AM", "left", ("plantar", "morning", ["L"])),
        ("HEEL", "first steps", "Right", ("plantar", "morning", ["R"])),
        ("achilles tendon", "During", "l", ("achilles", "during", ["L"])),
        ("Knee", "after", "r", ("patellar", "after", ["R"])),
        ("patella", "post-run", "both", ("patellar", "after", ["L", "R"])),
        ("gluteal", "morning", "L", ("glute", "morning", ["L"])),
        ("hip", "morning", "L", ("glute", "morning", ["L"])),
        ("Glutes", "morning", "L", ("glute", "morning", ["L"])),
    ],
)
def test_synonyms_case_insensitive(tmp_path, region, time, side, expected):
    text = f"date,time_of_day,region,side,pain\n2026-03-02,{time},{region},{side},1\n"
    pain = read_pain_diary(write(tmp_path, text))
    assert pain["region"].unique().tolist() == [expected[0]]
    assert pain["time_of_day"].unique().tolist() == [expected[1]]
    assert sorted(pain["side"]) == expected[2]


def test_wide_layout_and_empty_cells_are_not_logged(tmp_path):
    text = (
        "date,achilles_R_morning,Achilles_L_morning,plantar_after,heel_morning_right,activity_id,notes\n"
        "2026-03-02,2,,3,0,999,long run\n"
        "2026-03-03,,,,,,\n"
        "2026-03-04,,6,,,,\n"
    )
    pain = read_pain_diary(write(tmp_path, text))
    day2 = pain[pain["date"] == "2026-03-02"]
    # achilles R morning 2, plantar after on both sides 3, plantar R morning 0 (a real zero)
    assert len(day2) == 4
    got = {(r.time_of_day, r.region, r.side): r.pain for r in day2.itertuples()}
    assert got == {
        ("morning", "achilles", "R"): 2,
        ("after", "plantar", "L"): 3,
        ("after", "plantar", "R"): 3,
        ("morning", "plantar", "R"): 0,
    }
    # empty cells are not logged: no row at all (never pain 0), a blank day gives nothing
    assert (pain["date"] == "2026-03-03").sum() == 0
    assert (
        (pain["date"] == "2026-03-02") & (pain["side"] == "L") & (pain["region"] == "achilles")
    ).sum() == 0
    # activity id only for during/after entries, notes everywhere that day
    assert set(day2.loc[day2["time_of_day"] == "after", "activity_id"]) == {"999"}
    assert day2.loc[day2["time_of_day"] == "morning", "activity_id"].isna().all()
    assert set(day2["notes"]) == {"long run"}
    assert pain.loc[pain["date"] == "2026-03-04", "pain"].tolist() == [6]


def test_per_region_layout_a_column_per_time_of_day(tmp_path):
    # how diaries kept for a physiotherapist are often laid out: a row per day and region, a column per time
    text = (
        "Date;Region;Side;Morning (0-10);During;After;Activity ID;Notes\n"
        "02.03.2026;Achilles;L;2;;3;999;long run\n"
        "03.03.2026;Plantar fascia;B;1;;;;\n"
        "04.03.2026;Achilles;L;;;;;\n"
        "04.03.2026;Achilles;R;0;;;;\n"
    )
    pain = read_pain_diary(write(tmp_path, text))
    got = {(str(r.date.date()), r.time_of_day, r.region, r.side): (r.pain, r.activity_id, r.notes)
           for r in pain.itertuples()}
    na = pd.NA
    assert got == {
        ("2026-03-02", "morning", "achilles", "L"): (2, na, "long run"),  # morning pain belongs to no run
        ("2026-03-02", "after", "achilles", "L"): (3, "999", "long run"),
        ("2026-03-03", "morning", "plantar", "L"): (1, na, na),
        ("2026-03-03", "morning", "plantar", "R"): (1, na, na),
        ("2026-03-04", "morning", "achilles", "R"): (0, na, na),  # a real zero; the empty row gives nothing
    }
    assert pain.attrs["diary"]["layout"] == "per region"
    assert pain.attrs["diary"]["not_logged"] == 1
    assert sniff(text.encode(), "d.csv")


def test_per_region_layout_bad_cell_is_named_by_its_row(tmp_path):
    text = "date,region,side,morning,after\n2026-03-02,achilles,L,2,3\n2026-03-03,elbow,L,2,\n"
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 3 and "region 'elbow'" in info.value.reason
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, "date,region,side,morning,after\n2026-03-02,achilles,L,2,11\n"))
    assert info.value.row == 2 and "pain '11'" in info.value.reason
    # a column that is no time of day: not this layout, and the header error names it
    with pytest.raises(RunlogError, match="'Mood'"):
        read_pain_diary(write(tmp_path, "date,region,side,morning,Mood\n2026-03-02,achilles,L,2,ok\n"))


def test_wide_column_parsing():
    assert parse_wide_column("achilles_R_morning") == ("achilles", ("R",), "morning")
    assert parse_wide_column("achilles_morning") == ("achilles", ("L", "R"), "morning")
    assert parse_wide_column("Plantar fascia left AM") == ("plantar", ("L",), "morning")
    assert parse_wide_column("knee_after_L") == ("patellar", ("L",), "after")
    assert parse_wide_column("shin_R_morning") is None
    assert parse_wide_column("notes") is None


def test_semicolon_bytes_and_dotted_dates():
    data = "date;region;time_of_day;side;pain\n02.03.2026;glute;after;R;4,0\n".encode("cp1252")
    pain = read_pain_diary(data, name="diary.csv")
    assert pain.loc[0, "date"] == pd.Timestamp("2026-03-02")
    assert pain.loc[0, "pain"] == 4


@pytest.mark.parametrize(
    ("bad_line", "words"),
    [
        ("2026-03-03,morning,plantar,L,11,,", "pain '11'"),
        ("2026-03-03,morning,plantar,L,10.5,,", "pain '10.5'"),
        ("2026-03-03,morning,plantar,L,-1,,", "pain '-1'"),
        ("2026-03-03,morning,plantar,L,three,,", "pain 'three'"),
        ("2026-03-03,morning,shin,L,3,,", "region 'shin'"),
        ("2026-03-03,noon,plantar,L,3,,", "time of day 'noon'"),
        ("2026-03-03,morning,plantar,X,3,,", "side 'X'"),
        ("2026-13-40,morning,plantar,L,3,,", "date '2026-13-40'"),
        ("03/02/2026,morning,plantar,L,3,,", "'03/02/2026' day/month or month/day"),
    ],
)
def test_each_bad_row_is_named_by_file_and_row(tmp_path, bad_line, words):
    # a blank line and a quoted line break come first: rows are spreadsheet rows
    text = LONG + "\n" + '2026-03-02,after,glute,L,1,,"two\nlines"\n' + bad_line + "\n"
    path = write(tmp_path, text)
    with pytest.raises(RunlogError) as info:
        read_pain_diary(path)
    err = info.value
    assert err.path == str(path)
    # header 1, three rows 2-4, blank 5, quoted record 6, bad record 7
    assert err.row == 7
    assert words in err.reason
    assert str(path) in str(err) and "row 7" in str(err)


def test_several_bad_rows_first_named_others_counted(tmp_path):
    text = (
        LONG
        + "2026-03-03,morning,plantar,L,12,,\n2026-03-04,morning,shin,L,2,,\n2026-03-05,x,plantar,L,2,,\n"
    )
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 5
    assert "2 more bad rows: 6, 7" in info.value.reason


def test_wide_bad_cell_named_by_row_and_column(tmp_path):
    text = "date,achilles_R_morning,plantar_after\n2026-03-02,2,3\n2026-03-03,2,eleven\n"
    path = write(tmp_path, text)
    with pytest.raises(RunlogError) as info:
        read_pain_diary(path)
    assert (info.value.path, info.value.row) == (str(path), 3)
    assert "plantar_after" in info.value.reason


def test_wide_unknown_column_is_a_header_error(tmp_path):
    text = "date,achilles_R_morning,achiles_L_morning\n2026-03-02,2,3\n"
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 1
    assert "achiles_L_morning" in info.value.reason


def test_header_that_fits_no_layout(tmp_path):
    with pytest.raises(RunlogError, match="has no .time_of_day. or .region. or .side. or .pain. column"):
        read_pain_diary(write(tmp_path, "date,distance\n2026-03-02,5\n"))
    with pytest.raises(RunlogError, match="empty file"):
        read_pain_diary(write(tmp_path, ""))


def test_utf16_diary_and_oversized_cell(tmp_path):
    # Excel's "Unicode text" is UTF-16 with a BOM, tab separated
    path = tmp_path / "pain.csv"
    path.write_text(LONG.replace(",", "\t"), encoding="utf-16")
    assert read_pain_diary(path).equals(read_pain_diary(LONG.encode(), name="pain.csv"))
    # a cell past the csv module's field limit is one clear error, not a traceback
    data = LONG.encode() + b'2026-03-03,after,glute,L,1,,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(RunlogError, match="not readable as CSV") as info:
        read_pain_diary(data, name="pain.csv")
    assert info.value.row == 5


def test_sniff():
    assert sniff(LONG.encode(), "pain.csv")
    # a head cut inside a UTF-8 character after a BOM is still recognised
    head = ("\ufeff" + LONG + "2026-03-03,morning,plantar,L,1,,müde\n").encode()
    assert sniff(head[: head.index("ü".encode()) + 1], "pain.csv")
    assert sniff(b"date,achilles_R_morning,notes\n2026-03-02,1,\n", "x.csv")
    assert not sniff(b"Activity ID,Activity Date,Activity Name\n1,2,3\n", "activities.csv")
    assert not sniff(b"date,drill,sets\n", "drills.csv")


# --- a diary as a spreadsheet keeps it (issue "Real people's files", item 6) -----------------------

SPREADSHEET = (
    "Date;When;Where;Side;Pain (0-10)\r\n"
    "01/03/2026;morning;Achilles;right;2\r\n"
    "01/03/2026;after;Achilles;right;3,5\r\n"
    "02/03/2026;morning;Achilles;right;\r\n"  # not logged that morning
    "02/03/2026;morning;heel;left;1.5\r\n"
    "13/03/2026;morning;Achilles;right;4\r\n"  # day 13 settles day/month order
)


def test_spreadsheet_diary_as_people_save_it():
    pain = read_pain_diary(SPREADSHEET.encode("cp1252"), name="diary.csv")
    got = [(f"{r.date:%Y-%m-%d}", r.time_of_day, r.region, r.side, r.pain) for r in pain.itertuples()]
    assert got == [
        ("2026-03-01", "morning", "achilles", "R", 2),
        ("2026-03-01", "after", "achilles", "R", 4),  # 3,5 rounded half up
        ("2026-03-02", "morning", "plantar", "L", 2),  # 1.5 rounded half up
        ("2026-03-13", "morning", "achilles", "R", 4),
    ]
    stats = pain.attrs["diary"]
    assert (stats["rows"], stats["entries"], stats["not_logged"], stats["rounded"]) == (5, 4, 1, 2)
    assert stats["date_order"] == "dmy"
    notes = " | ".join(stats["notes"])
    assert "1 rows with an empty pain cell: not logged" in notes
    assert "2 pain values with a fraction rounded half up to whole points (row 3: 3,5 -> 4)" in notes
    assert "day/month/year" in notes


def test_month_first_dates_are_read_when_the_file_settles_it(tmp_path):
    text = "date,time_of_day,region,side,pain\n03/02/2026,morning,plantar,L,1\n03/25/2026,morning,plantar,L,2\n"
    pain = read_pain_diary(write(tmp_path, text))
    assert list(pain["date"]) == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-25")]
    assert pain.attrs["diary"]["date_order"] == "mdy"


def test_slashed_dates_no_file_can_settle_get_one_question(tmp_path):
    text = "date,time_of_day,region,side,pain\n03/02/2026,morning,plantar,L,1\n04/02/2026,morning,plantar,L,2\n"
    path = write(tmp_path, text)
    with pytest.raises(RunlogError) as info:
        read_pain_diary(path)
    assert info.value.row == 2
    assert "is '03/02/2026' day/month or month/day?" in info.value.reason
    assert "YYYY-MM-DD" in info.value.reason  # the fix


def test_slashed_dates_in_both_orders_are_refused(tmp_path):
    text = "date,time_of_day,region,side,pain\n25/02/2026,morning,plantar,L,1\n02/26/2026,morning,plantar,L,2\n"
    with pytest.raises(RunlogError, match="mix day/month and month/day orders .25/02/2026 and 02/26/2026."):
        read_pain_diary(write(tmp_path, text))


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("Datum;Tageszeit;Körperstelle;Seite;Schmerz (NRS)", "2.3.2026;morgens;Achillessehne;links;3"),
        ("Date;Moment;Localisation;Côté;Douleur", "02.03.2026;matin;tendon d'Achille;gauche;3"),
        ("Fecha;Momento;Zona;Lado;Dolor", "2026-03-02;mañana;Aquiles;izquierda;3"),
        ("Datum;Tijdstip;Plek;Kant;Pijn", "2026-03-02;ochtend;achillespees;links;3"),
    ],
    ids=["de", "fr", "es", "nl"],
)
def test_header_and_values_in_common_languages(header, row):
    pain = read_pain_diary(f"{header}\n{row}\n".encode(), name="tagebuch.csv")
    assert [(r.time_of_day, r.region, r.side, r.pain) for r in pain.itertuples()] == [
        ("morning", "achilles", "L", 3)
    ]
    assert pain.loc[0, "date"] == pd.Timestamp("2026-03-02")


def test_a_header_not_understood_is_named_with_the_fix():
    with pytest.raises(RunlogError) as info:
        read_pain_diary(b"Date;When;Body;Side;Pain\n2026-03-02;morning;knee;L;2\n", name="d.csv")
    assert info.value.row == 1
    assert "has no 'region' column: rename column 'Body' to 'region'" in info.value.reason


def test_conflicting_repeats_are_reported_identical_ones_counted(tmp_path):
    text = (
        "date,time_of_day,region,side,pain\n"
        "2026-03-02,morning,achilles,B,3\n"
        "2026-03-02,morning,achilles,R,6\n"  # R conflicts with the B row; L is not repeated
        "2026-03-03,morning,plantar,L,2\n"
        "2026-03-03,morning,plantar,L,2\n"  # the same entry twice: a plain repeat
    )
    pain = read_pain_diary(write(tmp_path, text))
    stats = pain.attrs["diary"]
    assert (stats["entries"], stats["repeats"], stats["conflicts"]) == (5, 2, 1)
    assert any(
        "1 entries written twice with different pain; the higher counts: "
        "2026-03-02 achilles R morning: pain 3 and 6 (rows 2, 3)" in n
        for n in stats["notes"]
    )


def test_wide_layout_dash_and_empty_rows_are_not_logged(tmp_path):
    text = "date,achilles_R_morning,plantar_L_morning\n2026-03-02,-,2\n2026-03-03,,\n2026-03-04,n/a,-\n"
    pain = read_pain_diary(write(tmp_path, text))
    assert list(pain["pain"]) == [2]
    assert pain.attrs["diary"]["not_logged"] == 2


def _xlsx(path, rows, *, sheets=("Diary",)):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for name in sheets[1:]:
        book.create_sheet(name)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_diary_is_read(tmp_path):
    import datetime as dt

    path = _xlsx(
        tmp_path / "pain.xlsx",
        [
            ["Date", "Time of day", "Region", "Side", "Pain", "Notes"],
            [dt.datetime(2026, 3, 2), "morning", "Achilles", "R", 2, None],
            [None, None, None, None, None, None],  # a blank row Excel keeps
            [dt.date(2026, 3, 3), "after", "plantar", "L", 3.5, "long run"],
            [dt.datetime(2026, 3, 4), "morning", "glute", "B", None, None],  # not logged
        ],
    )
    pain = read_pain_diary(path)
    assert [(f"{r.date:%Y-%m-%d}", r.region, r.side, r.pain) for r in pain.itertuples()] == [
        ("2026-03-02", "achilles", "R", 2),
        ("2026-03-03", "plantar", "L", 4),
    ]
    assert pain.loc[1, "notes"] == "long run"
    assert (pain.attrs["diary"]["not_logged"], pain.attrs["diary"]["rounded"]) == (1, 1)


def test_xlsx_bad_row_is_named_by_its_sheet_row(tmp_path):
    path = _xlsx(
        tmp_path / "pain.xlsx",
        [["date", "time_of_day", "region", "side", "pain"], ["2026-03-02", "morning", "shin", "L", 2]],
    )
    with pytest.raises(RunlogError) as info:
        read_pain_diary(path)
    assert (info.value.path, info.value.row) == (str(path), 2)
    assert "region 'shin'" in info.value.reason


def test_old_xls_and_ods_are_refused_with_save_as_csv(tmp_path):
    import zipfile

    xls = tmp_path / "pain.xls"
    xls.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512)
    with pytest.raises(RunlogError, match=r"old Excel \.xls.*save it as CSV"):
        read_pain_diary(xls)
    ods = tmp_path / "pain.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(RunlogError, match="OpenDocument spreadsheet.*save it as CSV"):
        read_pain_diary(ods)


def test_every_refusal_says_how_to_fix_it(tmp_path):
    # each bad row's reason carries an instruction (write/rename/remove/save ...), not only what is wrong
    bad_lines = [
        "2026-03-03,morning,plantar,L,11",
        "2026-03-03,morning,shin,L,3",
        "2026-03-03,noon,plantar,L,3",
        "2026-03-03,morning,plantar,X,3",
        "2026-13-40,morning,plantar,L,3",
        "2026-03-03,morning,plantar,L,3,extra",
    ]
    for line in bad_lines:
        with pytest.raises(RunlogError) as info:
            read_pain_diary(f"date,time_of_day,region,side,pain\n{line}\n".encode(), name="p.csv")
        assert re.search(r": (write|rename|remove|leave|add|save)", info.value.reason), info.value.reason


def test_a_diary_with_both_a_pain_column_and_pain_per_time_of_day_columns_is_refused(tmp_path):
    # the long layout reads pain from its pain column only: the 5 and 6 of Morning/After would be dropped unseen
    text = "date,time_of_day,region,side,pain,Morning,After\n2026-03-02,morning,achilles,L,2,5,6\n"
    with pytest.raises(RunlogError, match="'Morning'") as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 1
    with pytest.raises(RunlogError, match="'achilles_R_after'"):
        read_pain_diary(write(tmp_path, "date,time_of_day,region,side,pain,achilles_R_after\n"
                                        "2026-03-02,morning,achilles,L,2,3\n"))
    # such a column holding no pain (here the run's name) stays ignored, as before
    pain = read_pain_diary(write(tmp_path, "date,time_of_day,region,side,pain,run\n"
                                           "2026-03-02,after,achilles,L,2,easy 5k\n2026-03-03,morning,achilles,L,1,\n"))
    assert pain["pain"].tolist() == [2, 1]


def test_per_region_layout_counts_a_bad_row_once_whatever_its_logged_cells(tmp_path):
    # one bad date on a row with three logged times of day is one bad row (was "2 more bad rows: 2, 2")
    text = "Date;Region;Side;Morning;During;After\nxx.03.2026;Achilles;L;2;1;3\n03.03.2026;Achilles;L;2;;3\n"
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 2 and "more bad rows" not in info.value.reason
    text = "Date;Region;Side;Morning;During;After\n02.03.2026;Elbow;L;2;1;3\n03.03.2026;Knee;X;2;;3\n"
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 2 and info.value.reason.endswith("(1 more bad rows: 3)")


def test_a_bad_row_below_a_quoted_line_break_names_its_line_in_a_text_editor(tmp_path):
    # header line 1, rows 2-4 on lines 2-4, row 5's note spans lines 5-6, the bad row 6 is on line 7
    text = LONG + '2026-03-03,after,glute,L,1,,"two\nlines"\n2026-03-04,morning,plantar,L,12,,\n'
    with pytest.raises(RunlogError) as info:
        read_pain_diary(write(tmp_path, text))
    assert info.value.row == 6
    assert "row 6:" in str(info.value) and str(info.value).endswith("(line 7 in a text editor)")
