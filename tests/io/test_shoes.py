"""Footwear files (analysis.io.shoes): catalog, Strava shoes.csv, overrides, gear log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import footwear as fw
from analysis.errors import RunlogError
from analysis.io.shoes import VARIABLE_MAP, read_gear_log, read_overrides, read_shoes, sniff
from analysis.schema import SHOES_DTYPES, coerce_runs, validate_shoes


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ---------------------------------------------------------------------------
# Real Strava shoes.csv files (../shared/data/strava, README-exports.md)
# ---------------------------------------------------------------------------


def test_strava_shoes_4col(shared_data):
    # README: 2 rows, 4 cols, one blank Shoe Name
    shoes = read_shoes(shared_data / "strava" / "azaidrahman_shoes.csv")
    validate_shoes(shoes)
    assert list(shoes.columns[: len(SHOES_DTYPES)]) == list(SHOES_DTYPES)
    assert list(shoes["name"]) == ["K29", "Salomon PULSAR Trail"]
    assert list(shoes["source_row"]) == [2, 3]
    assert shoes.loc[1, "derived"].startswith("name from brand + model")
    assert list(shoes["sport_types"]) == ["Run", "Trail Run"]
    # Kayano 29: specs from the built-in Gel-Kayano 31 (305 g -> 1, 40 mm -> 0, 10 mm -> 1, 3 techs -> 2,
    # flex 0.5) = 4.5 x 4 = 18 %, complete
    k29 = shoes.iloc[0]
    assert (k29["weight_g"], k29["stack_mm"], k29["drop_mm"]) == (305, 40, 10)
    assert (k29["stability_features"], k29["flex_score"]) == (3, 0.5)
    assert k29["minimalist_index"] == 18.0 and bool(k29["mi_partial"]) is False
    assert pd.isna(k29["mi_missing"])
    assert "specs from built-in table (ASICS Gel-Kayano 31; nearest version of Kayano 29)" in k29["derived"]
    assert k29["shoe_class"] == "traditional"
    assert shoes.loc[1, "shoe_class"] == "unknown"


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
    # Pegasus 40 specs: 266 g -> 2, 33 mm -> 0, 10 mm -> 1, 1 tech -> 4, flex 1: 8 x 4 = 32
    assert by_name.loc["White", "minimalist_index"] == 32.0


def test_strava_shoes_quoted_blank_names(shared_data):
    # README: 21 rows, 4 cols, blank names written "", duplicate VJ models
    shoes = read_shoes(shared_data / "strava" / "dennissmith0_shoes.csv")
    assert len(shoes) == 21
    assert shoes["name"].is_unique
    assert {"VJ XTRM", "VJ XTRM (2)", "VJ Ultra", "VJ Ultra (2)"} <= set(shoes["name"])
    assert shoes.set_index("name").loc["HOKA ONE ONE Speedgoat 2", "weight_g"] == 291


def test_strava_shoes_pre2019_header_only(shared_data):
    path = shared_data / "strava" / "ahmedaldahshoury_pre2019_shoes.csv"
    shoes = read_shoes(path)
    assert len(shoes) == 0
    assert list(shoes.columns[: len(SHOES_DTYPES)]) == list(SHOES_DTYPES)
    assert sniff(path.read_bytes(), "shoes.csv")


def test_real_runs_get_their_strava_gear(shared_data):
    """Strava activities.csv gear names resolve to the shoes.csv catalog of the same export."""
    acts = pd.read_csv(shared_data / "strava" / "danchurchill_84col_activities.csv")
    acts = acts[acts["Activity Type"] == "Run"]
    runs = coerce_runs(pd.DataFrame({
        "activity_id": "strava:" + acts["Activity ID"].astype(str),
        "date": pd.to_datetime(acts["Activity Date"], format="%b %d, %Y, %I:%M:%S %p").dt.normalize(),
        "distance_m": acts["Distance.1"],  # the second Distance column is metres
        "gear_name": acts["Activity Gear"],
        "name": acts["Activity Name"],
    }))
    assert len(runs) == 56  # README: 56 runs
    shoes = read_shoes(shared_data / "strava" / "danchurchill_shoes.csv")
    out = fw.assign_footwear(runs, shoes)
    with_gear = runs["gear_name"].notna()
    assert with_gear.sum() == 35  # README: 35 runs with gear
    assert (out.loc[with_gear, "shoe_rule"] == "gear_name").all()
    assert set(out.loc[with_gear, "gear_name"]) <= set(shoes["name"])
    assert (out.loc[with_gear, "gear_name"] == runs.loc[with_gear, "gear_name"].str.strip()).all()
    summary = fw.shoe_summary(out, shoes)
    assert summary["runs"].sum() == 56
    assert summary["distance_km"].sum() == pytest.approx(runs["distance_m"].sum() / 1000)
    white = summary.set_index("shoe").loc["White"]
    assert white["runs"] == 12


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
    assert list(shoes["stack_mm"]) == [4.5, 35]
    assert list(shoes["weight_g"]) == [136, 278]
    assert list(shoes["retired"]) == [False, True]
    assert shoes.loc[1, "retire_km"] == 600
    # 4+5+5+5+5 = 24 -> 96; 1+0+1+3+1 = 6 -> 24
    assert list(shoes["minimalist_index"]) == [96.0, 24.0]
    assert list(shoes["shoe_class"]) == ["minimalist", "traditional"]
    assert list(shoes["mi_partial"]) == [False, False]
    assert shoes.loc[0, "derived"] == "minimalist_index from specs; shoe_class from minimalist_index"


def test_catalog_tab_bom_and_flex_parts(tmp_path):
    text = "\ufeffName\tBrand\tModel\tWeight_g\tStack_mm\tDrop_mm\tStability_features\tflex_longitudinal\tflex_torsional\n"
    text += "Home made huaraches\t\t\t110\t6\t0\t0\t2.5\t2\n"
    shoes = read_shoes(_write(tmp_path, "shoes.tsv", text))
    s = shoes.iloc[0]
    assert s["flex_score"] == 4.5
    assert s["minimalist_index"] == 98.0  # 5+5+5+5+4.5 = 24.5 -> 98
    assert s["derived"].startswith("flex_score from longitudinal + torsional")


def test_catalog_gives_mi_or_class_only(tmp_path):
    text = "name,minimalist_index,shoe_class,gear_id\nRacer,64,,g1\nBare,,Barefoot,\nOld,12,partial,\n"
    shoes = read_shoes(_write(tmp_path, "shoes.csv", text))
    assert list(shoes["shoe_class"]) == ["partial", "barefoot", "partial"]  # a given class is kept
    assert shoes.loc[0, "derived"] == "shoe_class from minimalist_index"
    assert pd.isna(shoes.loc[2, "derived"])
    assert list(shoes["gear_id"].fillna("-")) == ["g1", "-", "-"]


def test_catalog_thresholds_are_passed_through(tmp_path):
    text = "name,minimalist_index\nRacer,64\n"
    assert read_shoes(_write(tmp_path, "s.csv", text), mi_thresholds=(30, 60)).loc[0, "shoe_class"] == "minimalist"


def test_catalog_from_bytes_with_a_name():
    data = b"Shoe Name,Shoe Brand,Shoe Model\n,Xero Shoes,Genesis\n"
    shoes = read_shoes(data, name="export.zip/shoes.csv")
    assert shoes.loc[0, "name"] == "Xero Shoes Genesis"
    assert shoes.loc[0, "shoe_class"] == "minimalist"  # 96 % from the built-in specs
    assert "specs from built-in table (Xero Shoes Genesis)" in shoes.loc[0, "derived"]
    no_builtin = read_shoes(data, name="shoes.csv", builtin=False)
    assert no_builtin.loc[0, "shoe_class"] == "unknown"


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
    # A is record 2 (spreadsheet row 2); B is record 3 although it starts on line 4
    assert str(err.value) == "shoes.csv, row 3: weight_g 'abc' is not a number (and 2 more bad rows: 4, 5)"


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


def test_read_overrides_errors(tmp_path):
    with pytest.raises(RunlogError) as err:
        read_overrides(_write(tmp_path, "o.csv", "activity_id,shoe\n1,VFF\n1,Ghost\n2,\n"))
    assert err.value.row == 3
    assert "already has shoe 'VFF' (row 2)" in str(err.value)
    assert "(and 1 more bad row: 4)" in str(err.value)
    with pytest.raises(RunlogError, match="expected the columns activity_id and shoe"):
        read_overrides(_write(tmp_path, "p.csv", "id,colour\n1,red\n"))


def test_read_gear_log_and_use_it(tmp_path):
    text = "from,to,shoe,min_km,max_km,sport\n2024-03-01,2024-06-30,FiveFingers,,8,\n01.07.2024,,minimalist,,,trail\n"
    log = read_gear_log(_write(tmp_path, "gear_log.csv", text))
    assert list(log["from"]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-07-01")]
    assert pd.isna(log.loc[1, "to"])
    assert log.loc[0, "max_km"] == 8 and pd.isna(log.loc[0, "min_km"])
    assert list(log["sport"].fillna("-")) == ["-", "trail_running"]
    runs = coerce_runs(pd.DataFrame([
        dict(activity_id="a", date="2024-04-01", distance_m=5000, sport="running"),
        dict(activity_id="b", date="2024-08-01", distance_m=5000, sport="trail_running"),
        dict(activity_id="c", date="2024-08-01", distance_m=5000, sport="running"),
    ]))
    out = fw.assign_footwear(runs, gear_log=tmp_path / "gear_log.csv")
    assert list(out["shoe_rule"]) == ["gear_log", "gear_log", "unknown"]
    assert out.loc["a", "gear_name"] == "FiveFingers"  # not in any catalog: named as given
    assert list(out["shoe_class"]) == ["unknown", "minimalist", "unknown"]


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


def test_assign_reads_paths(tmp_path):
    shoes = _write(tmp_path, "shoes.csv", "name,weight_g,stack_mm,drop_mm,stability_features,flex_score,gear_id\n"
                   "Racer,200,18,4,1,3,g7\n")
    overrides = _write(tmp_path, "ov.csv", "activity_id,shoe\nb,barefoot\n")
    runs = coerce_runs(pd.DataFrame([dict(activity_id="a", gear_id="7"), dict(activity_id="b", gear_id="7")]))
    out = fw.assign_footwear(runs, shoes, overrides=overrides)
    assert list(out["shoe_rule"]) == ["gear_id", "override"]
    assert list(out["shoe_class"]) == ["partial", "barefoot"]  # 3+3+3+4+3 = 16 -> 64 %
    assert out.loc["a", "minimalist_index"] == 64.0


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
