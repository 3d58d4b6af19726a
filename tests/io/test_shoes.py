"""Footwear files (analysis.io.shoes): catalog, Strava shoes.csv, overrides, gear log.

The reader returns the catalog as written; what runlog derives from it (MI, class, built-in
specs) is tested in tests/test_footwear.py, on the same files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.io.shoes import VARIABLE_MAP, read_gear_log, read_overrides, read_shoes, sniff
from analysis.schema import SHOES_DTYPES, validate_shoes


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ---------------------------------------------------------------------------
# Real Strava shoes.csv files (../shared/data/strava, README-exports.md)
# ---------------------------------------------------------------------------


def test_strava_shoes_4col(shared_data):
    # README: 2 rows, 4 cols, one blank Shoe Name
    path = shared_data / "strava" / "azaidrahman_shoes.csv"
    shoes = read_shoes(path)
    validate_shoes(shoes)
    assert list(shoes.columns[: len(SHOES_DTYPES)]) == list(SHOES_DTYPES)
    assert list(shoes["name"]) == ["K29", "Salomon PULSAR Trail"]
    assert list(shoes["model"]) == ["Kayano 29", "PULSAR Trail"]
    assert list(shoes["source_row"]) == [2, 3]
    assert set(shoes["source_file"]) == {str(path)}
    assert pd.isna(shoes.loc[0, "derived"])
    assert shoes.loc[1, "derived"] == "name from brand + model"
    assert list(shoes["sport_types"]) == ["Run", "Trail Run"]
    # as written: no specs, MI or class made up by the reader
    assert shoes[["weight_g", "stack_mm", "minimalist_index", "shoe_class"]].isna().all().all()
    assert "mi_partial" not in shoes.columns


def test_strava_shoes_3col_with_blank_and_repeated_names(shared_data):
    # README: 28 rows, 3 cols, some Shoe Name blank
    shoes = read_shoes(shared_data / "strava" / "danchurchill_shoes.csv")
    assert len(shoes) == 28
    assert shoes["name"].is_unique
    assert shoes.loc[0, "name"] == "Nike vapor fly 4%"
    by_name = shoes.set_index("name")
    assert by_name.loc["black", "model"] == "Pegasus 36"
    assert by_name.loc["black (2)", "model"] == "Endorphin Speed"
    assert "name made unique" in by_name.loc["black (2)", "derived"]
    assert by_name.loc["White", "model"] == "Pegasus 37"


def test_strava_shoes_quoted_blank_names(shared_data):
    # README: 21 rows, 4 cols, blank names written "", duplicate VJ models
    shoes = read_shoes(shared_data / "strava" / "dennissmith0_shoes.csv")
    assert len(shoes) == 21
    assert shoes["name"].is_unique
    assert {"VJ XTRM", "VJ XTRM (2)", "VJ Ultra", "VJ Ultra (2)"} <= set(shoes["name"])
    assert shoes.set_index("name").loc["HOKA ONE ONE Speedgoat 2", "model"] == "Speedgoat 2"


def test_strava_shoes_pre2019_header_only(shared_data):
    path = shared_data / "strava" / "ahmedaldahshoury_pre2019_shoes.csv"
    shoes = read_shoes(path)
    assert len(shoes) == 0
    assert list(shoes.columns[: len(SHOES_DTYPES)]) == list(SHOES_DTYPES)
    assert sniff(path.read_bytes(), "shoes.csv")


@pytest.mark.parametrize(
    "header",
    [
        "Schuhname,Schuhmarke,Schuhmodell,Standard-Sportarten",  # German
        "Nombre de las zapatillas,Marca de las zapatillas,Modelo de las zapatillas",  # Spanish
        "Naam schoen,Merk schoen,Model schoen",  # Dutch
        "Nom des chaussures,Marque des chaussures,Modèle des chaussures",  # French
    ],
)
def test_strava_shoes_in_other_languages_through_shoes(tmp_path, header):
    """Issue [M] 4: a translated Strava shoes.csv given with --shoes reads like the English one."""
    text = f"{header}\nBarfuß,Vivobarefoot,Primus Lite III\n,Hoka,Clifton 7\n"
    path = _write(tmp_path, "shoes.csv", text)
    shoes = read_shoes(path)
    assert list(shoes["name"]) == ["Barfuß", "Hoka Clifton 7"]
    assert list(shoes["brand"]) == ["Vivobarefoot", "Hoka"]
    assert list(shoes["model"]) == ["Primus Lite III", "Clifton 7"]
    assert sniff(path.read_bytes(), "export-shoes.csv")


# ---------------------------------------------------------------------------
# runlog's own catalog: formats and derivations
# ---------------------------------------------------------------------------


def test_catalog_semicolon_cp1252_decimal_comma_and_units(tmp_path):
    text = (
        "name;aliases;brand;model;weight_g;stack_mm;drop_mm;stability_features;flex_score;retired;retire_km\r\n"
        "Pieds légers;VFF|toe shoes;Vibram;V-Run;136;4,5 mm;0;0;5;nein;\r\n"
        "Café trainer;;Brooks;Ghost 15;278 g;35;12;2;1;ja;600\r\n"
    )
    shoes = read_shoes(_write(tmp_path, "meine_schuhe.csv", text, "cp1252"))
    assert list(shoes["name"]) == ["Pieds légers", "Café trainer"]
    assert shoes.loc[0, "aliases"] == "VFF|toe shoes" and pd.isna(shoes.loc[1, "aliases"])
    assert list(shoes["stack_mm"]) == [4.5, 35]
    assert list(shoes["weight_g"]) == [136, 278]
    assert list(shoes["drop_mm"]) == [0, 12]
    assert list(shoes["stability_features"]) == [0, 2] and list(shoes["flex_score"]) == [5, 1]
    assert list(shoes["retired"]) == [False, True]
    assert shoes.loc[1, "retire_km"] == 600
    assert shoes["minimalist_index"].isna().all()  # computed by footwear.complete_catalog, not here


def test_catalog_tab_bom_and_flex_parts(tmp_path):
    text = "\ufeffName\tBrand\tModel\tWeight_g\tStack_mm\tDrop_mm\tStability_features\tflex_longitudinal\tflex_torsional\n"
    text += "Home made huaraches\t\t\t110\t6\t0\t0\t2.5\t2\n"
    shoes = read_shoes(_write(tmp_path, "shoes.tsv", text))
    s = shoes.iloc[0]
    assert s["name"] == "Home made huaraches" and s["weight_g"] == 110
    assert (s["flex_longitudinal"], s["flex_torsional"]) == (2.5, 2.0)
    assert pd.isna(s["flex_score"])  # the sum is footwear.complete_catalog's


def test_catalog_gives_mi_or_class_only(tmp_path):
    text = "name,minimalist_index,shoe_class,gear_id\nRacer,64,,g1\nBare,,Barefoot,\nOld,12,partial,\n"
    shoes = read_shoes(_write(tmp_path, "shoes.csv", text))
    assert list(shoes["minimalist_index"].fillna(-1)) == [64, -1, 12]
    assert list(shoes["shoe_class"].fillna("-")) == ["-", "barefoot", "partial"]  # case folded, nothing derived
    assert shoes["derived"].isna().all()
    assert list(shoes["gear_id"].fillna("-")) == ["g1", "-", "-"]


def test_catalog_from_bytes_with_a_name():
    data = b"Shoe Name,Shoe Brand,Shoe Model\n,Xero Shoes,Genesis\n"
    shoes = read_shoes(data, name="export.zip/shoes.csv")
    assert shoes.loc[0, "name"] == "Xero Shoes Genesis"
    assert shoes.loc[0, "derived"] == "name from brand + model"
    assert shoes.loc[0, "source_file"] == "export.zip/shoes.csv"


# ---------------------------------------------------------------------------
# Bad rows: one line naming file and row
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell_header", "value", "message"),
    [
        ("weight_g", "abc", "weight_g 'abc' is not a number"),
        ("flex_score", "7", "flex_score 7 is outside 0-5"),
        ("flex_score", "2.3", "flex_score 2.3 is not in 0.5 steps"),
        ("shoe_class", "fast", "shoe_class 'fast' is not one of barefoot, minimalist, partial, traditional, unknown"),
        ("stability_features", "1.5", "stability_features 1.5 is not a whole number"),
        ("minimalist_index", "120", "minimalist_index 120 is outside 0-100"),
        ("retired", "maybe", "retired 'maybe' is not true/false"),
    ],
)
def test_bad_catalog_row_names_file_and_row(tmp_path, cell_header, value, message):
    text = f"name,{cell_header}\nA,\nB,\n\"C\",{value}\n"
    path = _write(tmp_path, "shoes.csv", text)
    with pytest.raises(RunlogError) as err:
        read_shoes(path)
    assert err.value.row == 4
    assert str(err.value).startswith(f"{path}, row 4: {message}")


def test_bad_rows_are_all_counted_and_quoted_line_breaks_keep_record_numbers(tmp_path):
    text = 'name,notes,weight_g\nA,"two\nlines",250\nB,,abc\nC,,-3\nD,,x\n'
    with pytest.raises(RunlogError) as err:
        read_shoes(_write(tmp_path, "shoes.csv", text), name="shoes.csv")
    # A is record 2 (spreadsheet row 2); B is record 3 although it starts on line 4, which the message names
    assert str(err.value) == ("shoes.csv, row 3: weight_g 'abc' is not a number (line 4 in a text editor) "
                              "(and 2 more bad rows: 4, 5)")


def test_catalog_whole_file_problems(tmp_path):
    with pytest.raises(RunlogError, match="no shoe name column"):
        read_shoes(_write(tmp_path, "s.csv", "colour,size\nred,42\n"))
    with pytest.raises(RunlogError, match="empty"):
        read_shoes(_write(tmp_path, "e.csv", ""))
    with pytest.raises(RunlogError, match="both give weight_g"):
        read_shoes(_write(tmp_path, "d.csv", "name,weight,weight_g\nA,1,2\n"))
    with pytest.raises(RunlogError, match="row 2: the row has no name"):
        read_shoes(_write(tmp_path, "n.csv", "name,weight_g\n,250\n"))


def test_variable_map_covers_strava_headers():
    assert {VARIABLE_MAP[k] for k in ("shoe_name", "shoe_brand", "shoe_model")} == {"name", "brand", "model"}


# ---------------------------------------------------------------------------
# Overrides and gear log
# ---------------------------------------------------------------------------


def test_read_overrides(tmp_path):
    text = "Activity ID;Shoe\nstrava:1;barefoot\n2;Xero HFS\n\nstrava:1;Barefoot\n"
    ov = read_overrides(_write(tmp_path, "overrides.csv", text))
    assert list(ov["activity_id"]) == ["strava:1", "2"]
    assert list(ov["shoe"]) == ["barefoot", "Xero HFS"]
    assert list(ov["source_row"]) == [2, 3]
    assert ov["date"].isna().all()


def test_read_overrides_by_date(tmp_path):
    """Issue [M] 5: a run of a watch folder has a content-hash id; the date is what a runner knows."""
    text = "activity_id,date,shoe\n,2024-05-01,FiveFingers\nfit:abc,,barefoot\n2024-05-03,,Hoka Clifton 9\n"
    ov = read_overrides(_write(tmp_path, "overrides.csv", text))
    assert list(ov["activity_id"].fillna("-")) == ["-", "fit:abc", "-"]  # a date in the id column is a date
    assert list(ov["date"].dt.strftime("%Y-%m-%d").fillna("-")) == ["2024-05-01", "-", "2024-05-03"]
    assert list(ov["shoe"]) == ["FiveFingers", "barefoot", "Hoka Clifton 9"]
    only_dates = read_overrides(_write(tmp_path, "o2.csv", "date,shoe\n01.05.2024,VFF\n"))
    assert only_dates.loc[0, "date"] == pd.Timestamp("2024-05-01")


def test_read_overrides_errors(tmp_path):
    with pytest.raises(RunlogError) as err:
        read_overrides(_write(tmp_path, "o.csv", "activity_id,shoe\n1,VFF\n1,Ghost\n2,\n"))
    assert err.value.row == 3
    assert "already has shoe 'VFF' (row 2)" in str(err.value)
    assert "(and 1 more bad row: 4)" in str(err.value)
    with pytest.raises(RunlogError, match="expected the columns activity_id"):
        read_overrides(_write(tmp_path, "p.csv", "id2,colour\n1,red\n"))
    with pytest.raises(RunlogError, match="row 2: date '5/1/24' is not a date"):
        read_overrides(_write(tmp_path, "q.csv", "date,shoe\n5/1/24,VFF\n"))
    with pytest.raises(RunlogError, match="row 3: date 2024-05-01 already has shoe 'VFF'"):
        read_overrides(_write(tmp_path, "r.csv", "date,shoe\n2024-05-01,VFF\n2024-05-01,Ghost\n"))


def test_read_gear_log(tmp_path):
    text = "from,to,shoe,min_km,max_km,sport\n2024-03-01,2024-06-30,FiveFingers,,8,\n01.07.2024,,minimalist,,,trail\n"
    log = read_gear_log(_write(tmp_path, "gear_log.csv", text))
    assert list(log["from"]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-07-01")]
    assert pd.isna(log.loc[1, "to"])
    assert log.loc[0, "max_km"] == 8 and pd.isna(log.loc[0, "min_km"])
    assert list(log["sport"].fillna("-")) == ["-", "trail_running"]
    assert list(log["shoe"]) == ["FiveFingers", "minimalist"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("3/1/24,2024-06-30,VFF,,,", "from '3/1/24' is not a date (use YYYY-MM-DD)"),
        ("2024-06-30,2024-03-01,VFF,,,", "from 2024-06-30 is after to 2024-03-01"),
        ("2024-03-01,2024-06-30,,,,", "shoe is blank"),
        ("2024-03-01,2024-06-30,VFF,8,5,", "min_km 8 is not below max_km 5"),
        ("2024-03-01,2024-06-30,VFF,,,swim", "sport 'swim' is not a run sport"),
    ],
)
def test_read_gear_log_errors(tmp_path, row, message):
    path = _write(tmp_path, "log.csv", f"from,to,shoe,min_km,max_km,sport\n{row}\n")
    with pytest.raises(RunlogError) as err:
        read_gear_log(path)
    assert err.value.row == 2
    assert message in str(err.value)


def test_sniff():
    assert sniff(b"Shoe Name,Shoe Brand,Shoe Model\nK29,ASICS,Kayano 29\n", "x.csv")
    assert sniff(b"name;weight_g;stack_mm\nA;1;2\n", "mine.csv")
    assert not sniff(b"Activity ID,Activity Date,Activity Name\n", "activities.csv")
    assert not sniff(b"date,time_of_day,region,side,pain\n", "pain.csv")


# ---------------------------------------------------------------------------
# text: analysis.io.table's decoding and delimiter, and this format's "|"
# ---------------------------------------------------------------------------


def test_catalog_pipe_delimited_only_when_nothing_else_splits_the_header(tmp_path):
    shoes = read_shoes(_write(tmp_path, "pipes.csv", "name|brand|model|weight_g\nRacer|Nike|Free|200\n"))
    assert list(shoes["name"]) == ["Racer"] and list(shoes["weight_g"]) == [200]
    assert sniff(b"name|weight_g|stack_mm\nA|1|2\n", "pipes.csv")
    # a comma splits this header: the "|" in the aliases cells stays inside them
    shoes = read_shoes(_write(tmp_path, "comma.csv", "name,aliases,weight_g\nRacer,R|Fast one,200\n"))
    assert list(shoes["aliases"]) == ["R|Fast one"]


def test_catalog_delimiter_ignores_delimiters_inside_quotes(tmp_path):
    """Fixed: the delimiter was the most frequent character, so commas in a quoted header cell won."""
    shoes = read_shoes(_write(tmp_path, "q.csv", '"notes, free text, any";name;weight_g\nx;Racer;200\n'))
    assert list(shoes["name"]) == ["Racer"] and list(shoes["weight_g"]) == [200]


def test_catalog_utf16_tab(tmp_path):
    shoes = read_shoes(_write(tmp_path, "u.csv", "name\tweight_g\nLéger\t200\n", "utf-16"))
    assert list(shoes["name"]) == ["Léger"]


def test_header_too_long_for_csv_is_a_runlog_error(tmp_path):
    with pytest.raises(RunlogError, match="not readable as CSV"):
        read_shoes(_write(tmp_path, "long.csv", "a" * 200_000))
    assert not sniff(b"a" * 65536, "long.csv")


def test_sniff_quoted_headers_and_a_cut_head():
    """Fixed: quoted header cells (a spreadsheet's "quote all text" save) were not recognised."""
    assert sniff(b'"Shoe Name","Shoe Brand","Shoe Model"\n"K29","ASICS","Kayano 29"\n', "x.csv")
    head = "\nname;weight_g;stack_mm\nLéger;1;2\n".encode()[:-9]
    assert head.endswith(b"L\xc3")  # cut inside the é
    assert sniff(head, "mine.csv")
