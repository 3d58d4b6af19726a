"""Minimalist Index, classes, assignment rules and summaries (analysis.footwear).

Every expected value below is scored by hand from the METHODS.md 3 table.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import footwear as fw
from analysis.io.shoes import read_shoes
from analysis.schema import coerce_runs, validate_runs

# ---------------------------------------------------------------------------
# The rubric, at and around every boundary
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight_g", "score"),
    [(0.1, 5), (124, 5), (124.9, 5), (125, 4), (174, 4), (174.9, 4), (175, 3), (224, 3), (225, 2),
     (274, 2), (275, 1), (324, 1), (324.9, 1), (325, 0), (600, 0)],
)
def test_weight_score_boundaries(weight_g, score):
    assert fw.score_weight(weight_g) == score


@pytest.mark.parametrize(
    ("stack_mm", "score"),
    [(0, 5), (7.9, 5), (8, 4), (13.9, 4), (14, 3), (19.9, 3), (20, 2), (25.9, 2), (26, 1), (31.9, 1),
     (32, 0), (45, 0)],
)
def test_stack_score_boundaries(stack_mm, score):
    assert fw.score_stack(stack_mm) == score


@pytest.mark.parametrize(
    ("drop_mm", "score"),
    [(-2, 5), (0, 5), (0.9, 5), (1, 4), (3.9, 4), (4, 3), (6.9, 3), (7, 2), (9.9, 2), (10, 1), (12.9, 1),
     (13, 0), (16, 0)],
)
def test_drop_score_boundaries(drop_mm, score):
    assert fw.score_drop(drop_mm) == score


@pytest.mark.parametrize(("count", "score"), [(0, 5), (1, 4), (2, 3), (3, 2), (4, 1), (5, 0), (8, 0)])
def test_stability_score(count, score):
    assert fw.score_stability(count) == score


def test_scores_vectorised_and_missing_stays_missing():
    s = fw.score_weight(pd.Series([124.0, None, 325.0], index=["a", "b", "c"]))
    assert list(s.index) == ["a", "b", "c"]
    assert s["a"] == 5 and math.isnan(s["b"]) and s["c"] == 0


@pytest.mark.parametrize("bad", [-0.5, 5.5, 2.3])
def test_flex_score_out_of_range_or_not_half_steps(bad):
    with pytest.raises(ValueError):
        fw.score_flexibility(bad)


@pytest.mark.parametrize("bad", [-1, 1.5])
def test_stability_must_be_a_whole_count(bad):
    with pytest.raises(ValueError):
        fw.score_stability(bad)


# ---------------------------------------------------------------------------
# MI of hand-scored shoes, to the point
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "mi", "cls"),
    [
        # toe shoe: 136 g -> 4, 4.5 mm -> 5, 0 mm -> 5, none -> 5, flex 5 -> 24 x 4 = 96
        (dict(weight_g=136, stack_mm=4.5, drop_mm=0, stability_features=0, flex_score=5), 96.0, "minimalist"),
        # stability trainer: 305 g -> 1, 40 mm -> 0, 10 mm -> 1, 3 techs -> 2, flex 1.5 -> 5.5 x 4 = 22
        (dict(weight_g=305, stack_mm=40, drop_mm=10, stability_features=3, flex_score=1.5), 22.0, "traditional"),
        # light trainer: 200 g -> 3, 18 mm -> 3, 4 mm -> 3, 1 tech -> 4, flex 3 -> 16 x 4 = 64
        (dict(weight_g=200, stack_mm=18, drop_mm=4, stability_features=1, flex_score=3), 64.0, "partial"),
        # exactly 70: 125 g -> 4, 8 mm -> 4, 1 mm -> 4, 1 -> 4, flex 1.5 -> 17.5 x 4 = 70
        (dict(weight_g=125, stack_mm=8, drop_mm=1, stability_features=1, flex_score=1.5), 70.0, "minimalist"),
        # exactly 30: 325 g -> 0, 14 mm -> 3, 13 mm -> 0, 4 -> 1, flex 3.5 -> 7.5 x 4 = 30
        (dict(weight_g=325, stack_mm=14, drop_mm=13, stability_features=4, flex_score=3.5), 30.0, "partial"),
        # 28: as above with flex 3 -> 7 x 4
        (dict(weight_g=325, stack_mm=14, drop_mm=13, stability_features=4, flex_score=3), 28.0, "traditional"),
        # nothing at all scores: 400 g, 35 mm, 14 mm, 6 techs, flex 0
        (dict(weight_g=400, stack_mm=35, drop_mm=14, stability_features=6, flex_score=0), 0.0, "traditional"),
    ],
)
def test_mi_of_hand_scored_shoes(specs, mi, cls):
    r = fw.minimalist_index(**specs)
    assert r.mi == mi
    assert r.partial is False and r.missing == ()
    assert r.mi_min == r.mi_max == mi
    assert fw.mi_class(r.mi) == cls


def test_partial_mi_is_known_sum_times_4_and_names_what_is_missing():
    # 159 g -> 4, 6 mm -> 5, 0 mm -> 5: 14 x 4 = 56; stability and flexibility unknown
    r = fw.minimalist_index(weight_g=159, stack_mm=6, drop_mm=0)
    assert r.mi == 56.0
    assert r.partial is True
    assert r.missing == ("stability_features", "flex_score")
    assert (r.mi_min, r.mi_max) == (56.0, 96.0)
    # the best case reaches 70, the worst does not: the class is not certain
    assert fw.mi_class_range(r.mi_min, r.mi_max) == "unknown"


def test_partial_mi_class_certain_when_the_range_stays_in_one_class():
    # sandal: 170 g -> 4, 5 mm -> 5, 0 mm -> 5, no techs -> 5: 19 x 4 = 76, at best 96
    r = fw.minimalist_index(weight_g=170, stack_mm=5, drop_mm=0, stability_features=0)
    assert (r.mi, r.mi_max) == (76.0, 96.0)
    assert fw.mi_class_range(r.mi_min, r.mi_max) == "minimalist"
    # boot: 330 g -> 0, 35 mm -> 0, 12 mm -> 1, 5 techs -> 0: 4 %, at best 24 %
    r = fw.minimalist_index(weight_g=330, stack_mm=35, drop_mm=12, stability_features=5)
    assert (r.mi, r.mi_max) == (4.0, 24.0)
    assert fw.mi_class_range(r.mi_min, r.mi_max) == "traditional"


def test_nothing_known_gives_no_mi():
    r = fw.minimalist_index()
    assert math.isnan(r.mi) and r.partial is False
    assert fw.mi_class(r.mi) == "unknown"


def test_thresholds_are_parameters():
    assert fw.mi_class(64.0) == "partial"
    assert fw.mi_class(64.0, thresholds=(30, 60)) == "minimalist"
    assert fw.mi_class(26.0, thresholds=(25, 75)) == "partial"
    with pytest.raises(ValueError):
        fw.mi_class(50.0, thresholds=(70, 30))


def test_barefoot_style_grouping_is_a_parameter():
    classes = pd.Series(["barefoot", "minimalist", "partial", "traditional", "unknown", None])
    got = fw.barefoot_style(classes)
    assert list(got.iloc[:4]) == ["barefoot-style", "barefoot-style", "traditional", "traditional"]
    assert got.iloc[4:].isna().all()
    custom = {"barefoot": "barefoot-style", "minimalist": "barefoot-style", "partial": "barefoot-style",
              "traditional": "traditional"}
    assert fw.barefoot_style("partial", grouping=custom) == "barefoot-style"
    assert fw.barefoot_style("partial") == "traditional"


def test_complete_catalog_derives_and_says_so():
    cat = pd.DataFrame({
        "name": ["Specs", "MI only", "Class only", "Half specs", "Nothing"],
        "weight_g": [136, None, None, 159, None], "stack_mm": [4.5, None, None, 6, None],
        "drop_mm": [0, None, None, 0, None], "stability_features": [0, None, None, None, None],
        "flex_score": [5, None, None, None, None], "minimalist_index": [None, 64, None, None, None],
        "shoe_class": [None, None, "barefoot", None, None],
    })
    out = fw.complete_catalog(cat, builtin=False)
    assert list(out["minimalist_index"].fillna(-1)) == [96.0, 64.0, -1, 56.0, -1]
    assert list(out["shoe_class"]) == ["minimalist", "partial", "barefoot", "unknown", "unknown"]
    assert list(out["mi_partial"].fillna(pd.NA).astype(object).where(out["mi_partial"].notna(), None)) == [
        False, False, None, True, None]
    assert out["derived"].iloc[0] == "minimalist_index from specs; shoe_class from minimalist_index"
    assert out["derived"].iloc[1] == "shoe_class from minimalist_index"
    assert pd.isna(out["derived"].iloc[2])
    assert "partial: missing stability_features, flex_score" in out["derived"].iloc[3]
    assert "MI 56-96 % spans partial and minimalist" in out["derived"].iloc[3]


# ---------------------------------------------------------------------------
# The built-in table
# ---------------------------------------------------------------------------


def test_builtin_table_loads_and_every_row_is_sourced():
    b = fw.builtin_shoes()
    assert len(b) >= 30
    assert list(b.columns) == list(fw.BUILTIN_COLUMNS)
    assert b["source"].str.startswith("http").all()
    has_weight = b["weight_g"].notna()
    assert b.loc[has_weight, "weight_size"].notna().all()
    for brand in ("Vibram", "Xero Shoes", "Vivobarefoot", "Merrell", "Altra", "Nike", "Hoka", "Brooks", "ASICS",
                  "New Balance", "Saucony", "Adidas", "On"):
        assert (b["brand"] == brand).any(), brand


def test_builtin_match_by_brand_model_and_family():
    m = fw.match_builtin("ASICS", "Kayano 29")
    assert m.label == "ASICS Gel-Kayano 31" and "nearest version" in m.version_note
    assert fw.match_builtin("HOKA ONE ONE", "Speedgoat 2").label == "Hoka Speedgoat 5"
    assert fw.match_builtin(name="Vibram FiveFingers V-Run").version_note == ""
    assert fw.match_builtin("Nike", "Pegasus Turbo") is None  # a different shoe, not a version
    assert fw.match_builtin(name="Pegasus 37") is None  # a bare model needs its brand


#: built-in rows whose class stays unknown: a published spec is missing and the partial MI spans two classes.
BUILTIN_UNKNOWN = {
    "Nike Free RN 5.0": ("stack_mm",),
    "Brooks Adrenaline GTS 23": ("stack_mm",),
    "ASICS Gel-Nimbus 26": ("weight_g",),
}


def _builtin_by_name():
    b = fw.builtin_shoes()
    b.index = b["brand"] + " " + b["model"]
    return b, fw._builtin_catalog(fw.DEFAULT_MI_THRESHOLDS).set_index("name")


def test_every_builtin_model_is_rated_and_gets_a_class_unless_a_spec_is_missing():
    b, cat = _builtin_by_name()
    # stability and flexibility are rated for every model, and the rating says it is ours
    assert b["stability_features"].notna().all() and b["flex_score"].notna().all()
    assert b["rating_basis"].str.startswith("runlog rating").all()
    assert b["minimalist_index_published"].isna().all()  # none found; a published MI would override ours
    definite = cat["shoe_class"] != "unknown"
    assert set(cat.index[~definite]) == set(BUILTIN_UNKNOWN)
    for name, missing in BUILTIN_UNKNOWN.items():
        assert cat.loc[name, "mi_missing"] == "|".join(missing)
        assert name in b.index and b.loc[name, list(missing)].isna().all()
    # every model with all five components known has a definite, non-partial MI
    complete = b[list(fw.SPEC_COLUMNS)].notna().all(axis=1)
    assert complete.sum() >= 27
    assert (cat.loc[complete[complete].index, "mi_partial"] == False).all()  # noqa: E712
    assert definite[complete[complete].index].all()


def test_builtin_mi_hand_computed_from_the_rows():
    b, cat = _builtin_by_name()
    ghost = b.loc["Brooks Ghost 15"]
    assert (ghost["weight_g"], ghost["stack_mm"], ghost["drop_mm"]) == (278, 35, 12)
    assert (ghost["stability_features"], ghost["flex_score"]) == (1, 1.5)
    # 278 g -> 1 (275-324), 35 mm -> 0 (>= 32), 12 mm -> 1 (10-12.9), 1 tech -> 4, flex 1.5: 7.5 x 4 = 30
    assert cat.loc["Brooks Ghost 15", "minimalist_index"] == 30.0
    assert cat.loc["Brooks Ghost 15", "shoe_class"] == "partial"  # 30 is the partial lower bound
    glove = b.loc["Merrell Vapor Glove 6"]
    assert (glove["weight_g"], glove["stack_mm"], glove["drop_mm"]) == (159, 6, 0)
    assert (glove["stability_features"], glove["flex_score"]) == (0, 5)
    # 159 g -> 4 (125-174), 6 mm -> 5 (< 8), 0 mm -> 5 (< 1), no techs -> 5, flex 5: 24 x 4 = 96
    assert cat.loc["Merrell Vapor Glove 6", "minimalist_index"] == 96.0
    # a partial MI with a certain class: Geo Racer has no published weight, 80-100 % either way
    geo = cat.loc["Vivobarefoot Geo Racer"]
    assert (geo["minimalist_index"], bool(geo["mi_partial"]), geo["shoe_class"]) == (80.0, True, "minimalist")


def test_barefoot_shoes_are_minimalist_and_cushioned_trainers_are_not():
    _, cat = _builtin_by_name()
    for name in ("Vivobarefoot Primus Lite III", "Vibram FiveFingers KSO EVO", "Xero Shoes HFS",
                 "Merrell Vapor Glove 6", "Xero Shoes Genesis", "Luna Sandals Mono"):
        assert cat.loc[name, "shoe_class"] == "minimalist", name
        assert cat.loc[name, "minimalist_index"] >= 80, name
    for name in ("Nike Pegasus 40", "Brooks Ghost 15", "ASICS Gel-Kayano 31", "Hoka Clifton 9", "ASICS Novablast 4",
                 "Saucony Guide 17", "New Balance Fresh Foam X 880v14"):
        assert cat.loc[name, "shoe_class"] in ("traditional", "partial"), name
        assert fw.barefoot_style(cat.loc[name, "shoe_class"]) == "traditional", name
        assert cat.loc[name, "minimalist_index"] <= 42, name
    assert cat.loc["ASICS Gel-Kayano 31", "shoe_class"] == "traditional"  # 1+0+1+2+0.5 = 4.5 -> 18
    for name in ("Altra Escalante 3", "Altra Torin 7", "Altra Lone Peak 8", "Altra Paradigm 7"):
        assert cat.loc[name, "shoe_class"] == "partial", name


def test_runners_naming_common_shoes_get_a_class():
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_name="Nike Pegasus"),
        dict(activity_id="b", date="2024-05-02", distance_m=5000, gear_name="Vivobarefoot Primus Lite"),
        dict(activity_id="c", date="2024-05-03", distance_m=5000, gear_name="Hoka Clifton 8"),
    ])
    out = fw.assign_footwear(runs)
    # classed by the built-in table (an alias, an alias, the nearest version), named as the runner named them
    assert list(out["gear_name"]) == ["Nike Pegasus", "Vivobarefoot Primus Lite", "Hoka Clifton 8"]
    assert list(out["shoe_class"]) == ["partial", "minimalist", "partial"]
    # Pegasus 40: 266 g -> 2, 33 mm -> 0, 10 mm -> 1, 1 tech -> 4, flex 1: 8 x 4 = 32
    # Primus Lite III: 238 g -> 2, 7 mm -> 5, 0 mm -> 5, no techs -> 5, flex 5: 22 x 4 = 88
    assert list(out["minimalist_index"]) == [32.0, 88.0, 42.0]
    assert list(out["shoe_specs"]) == ["specs of the built-in Nike Pegasus 40",
                                       "specs of the built-in Vivobarefoot Primus Lite III",
                                       "specs of the nearest built-in version, Hoka Clifton 9"]
    assert out["shoe_catalog"].isna().all()


def test_gear_is_never_renamed_or_merged():
    """Issue [M] 4: a Pegasus 32 stays a Pegasus 32; a Clifton 7 never adds to a Clifton 9's mileage."""
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=10000, gear_name="Nike Pegasus 32"),
        dict(activity_id="b", date="2024-05-02", distance_m=600000, gear_name="Hoka Clifton 7"),
        dict(activity_id="c", date="2024-05-03", distance_m=300000, gear_name="Hoka Clifton 9"),
        dict(activity_id="d", date="2024-05-04", distance_m=5000, gear_name="hoka  CLIFTON 7"),  # same shoe
    ])
    out = fw.assign_footwear(runs)
    assert list(out["gear_name"]) == ["Nike Pegasus 32", "Hoka Clifton 7", "Hoka Clifton 9", "Hoka Clifton 7"]
    assert out.loc["b", "shoe_specs"] == "specs of the nearest built-in version, Hoka Clifton 9"
    assert out.loc["c", "shoe_specs"] == "specs of the built-in Hoka Clifton 9"
    s = fw.shoe_summary(out).set_index("shoe")
    assert list(s.index) == ["Nike Pegasus 32", "Hoka Clifton 7", "Hoka Clifton 9"]
    assert s.loc["Hoka Clifton 9", "distance_km"] == 300.0  # not 905 km: no retire alert yet
    assert not s.loc["Hoka Clifton 9", "retire_alert"]
    assert s.loc["Hoka Clifton 7", "distance_km"] == 605.0 and s.loc["Hoka Clifton 7", "runs"] == 2
    assert s.loc["Nike Pegasus 32", "specs_from"] == "specs of the nearest built-in version, Nike Pegasus 40"


def test_catalog_names_a_shoe_only_when_it_lists_the_gear_name():
    catalog = pd.DataFrame({"name": ["Clifton", "Hoka Clifton 9"], "aliases": ["my hokas", None],
                            "brand": ["Hoka", "Hoka"], "model": ["Clifton 9", "Clifton 9"],
                            "shoe_class": ["partial", "traditional"], "retire_km": [500, 700]})
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_name="My Hokas"),  # an alias: that shoe
        dict(activity_id="b", date="2024-05-02", distance_m=5000, gear_name="Hoka Clifton 7"),  # another version
        dict(activity_id="c", date="2024-05-03", distance_m=5000, gear_name="Hoka Clifon 9"),  # a typo: lends
    ])
    out = fw.assign_footwear(runs, catalog, builtin=False)
    assert list(out["gear_name"]) == ["Clifton", "Hoka Clifton 7", "Hoka Clifon 9"]
    assert list(out["shoe_class"]) == ["partial", "unknown", "traditional"]  # 7 != 9: no near match
    assert out.loc["c", "shoe_specs"] == "class from the catalog, as Hoka Clifton 9 (similar name)"
    s = fw.shoe_summary(out, catalog).set_index("shoe")
    assert list(s["retire_km"]) == [500, 800, 700]  # the lending row's retire mileage, else the default


def test_fivefingers_v_run_is_minimalist_with_a_partial_mi_range():
    """Issue [M] 4: the V-Run's heel stack is unpublished; its MI range 76-96 % is minimalist either way."""
    runs = _runs([dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_name="Vibram V-Run")])
    out = fw.assign_footwear(runs)
    # 136 g -> 4, drop 0 -> 5, no techs -> 5, flex 5: 19 x 4 = 76; the unknown stack adds 0-20 points
    assert (out.loc["a", "minimalist_index"], out.loc["a", "minimalist_index_max"]) == (76.0, 96.0)
    assert out.loc["a", "shoe_class"] == "minimalist"
    assert "MI partial: stack_mm unknown" in out.loc["a", "shoe_specs"]
    s = fw.shoe_summary(out)
    assert fw.format_mi(s.loc[0, "minimalist_index"], s.loc[0, "minimalist_index_max"]) == "76-96"
    assert fw.format_mi(88.0, 88.0) == "88" and fw.format_mi(pd.NA) == "-"
    assert fw.specs_provenance(out) == [
        "Vibram V-Run: minimalist, MI 76-96: specs of the built-in Vibram FiveFingers V-Run "
        "(MI partial: stack_mm unknown)"]


# ---------------------------------------------------------------------------
# Assignment
# ---------------------------------------------------------------------------

CATALOG = pd.DataFrame({
    "name": ["Vibram V-Run", "Altra Escalante 3", "Brooks Ghost 15", "Xero HFS"],
    "aliases": ["VFF|toe shoes", None, "ghosts", None],
    "brand": ["Vibram", "Altra", "Brooks", "Xero Shoes"],
    "model": ["FiveFingers V-Run", "Escalante 3", "Ghost 15", "HFS"],
    "gear_id": ["g111", "222", "333", None],
    "weight_g": [136, 255, 278, 193], "stack_mm": [4.5, 26, 35, 8.5], "drop_mm": [0, 0, 12, 0],
    "stability_features": [0, 1, 2, 0], "flex_score": [5, 3, 1, 5],
    "retire_km": [None, 20, None, None],
})
# hand-scored: V-Run 4+5+5+5+5=24 -> 96; Escalante 2+1+5+4+3=15 -> 60; Ghost 1+0+1+3+1=6 -> 24;
# HFS 3+4+5+5+5=22 -> 88


def _runs(rows):
    return coerce_runs(pd.DataFrame(rows))


def test_each_rule_in_turn():
    runs = _runs([
        dict(activity_id="strava:1", date="2024-04-02", distance_m=5000, sport="running", name="Easy"),
        dict(activity_id="strava:2", date="2024-04-03", distance_m=6000, sport="running", gear_id="12345678.0"),
        dict(activity_id="strava:3", date="2024-04-04", distance_m=7000, sport="running", gear_id="222.0"),
        dict(activity_id="strava:4", date="2024-04-05", distance_m=8000, sport="running", gear_name=" ghost 15 "),
        dict(activity_id="strava:5", date="2024-04-06", distance_m=4000, sport="running", name="Morning run"),
        dict(activity_id="strava:6", date="2024-09-07", distance_m=3000, sport="running", name="Strides in my VFF"),
        dict(activity_id="strava:7", date="2024-09-08", distance_m=9000, sport="running", name="Long run"),
    ])
    gear_log = pd.DataFrame({"from": ["2024-04-06"], "to": ["2024-04-06"], "shoe": ["Xero HFS"]})
    out = fw.assign_footwear(runs, CATALOG, overrides={"strava:1": "barefoot"}, gear_log=gear_log,
                             default_shoe="Brooks Ghost 15")
    validate_runs(out)
    assert list(out["shoe_rule"]) == ["override", "unknown", "gear_id", "gear_name", "gear_log", "keyword", "default"]
    # run 4's " ghost 15 " is the catalog's Brooks Ghost 15 model, not one of its names: it keeps its own name
    assert list(out["gear_name"].fillna("-")) == ["-", "-", "Altra Escalante 3", "ghost 15", "Xero HFS",
                                                  "Vibram V-Run", "Brooks Ghost 15"]
    assert out.loc["strava:4", "shoe_specs"] == "specs from the catalog, as Brooks Ghost 15 (same model)"
    assert out.loc["strava:1", "shoe_specs"] == "class named by the overrides"
    assert list(out["shoe_class"]) == ["barefoot", "unknown", "partial", "traditional", "minimalist", "minimalist",
                                       "traditional"]
    assert list(out["minimalist_index"].fillna(-1)) == [-1, -1, 60.0, 24.0, 88.0, 96.0, 24.0]
    # run 2 has a gear id the catalog does not know and no name: no default shoe for recorded gear
    counts = fw.rule_counts(out)
    assert list(counts.index) == list(fw.RULES)
    assert counts.sum() == len(out) and counts["override"] == 1 and counts["unknown"] == 1


def test_first_rule_that_applies_wins():
    gear_log = pd.DataFrame({"from": ["2024-01-01"], "to": ["2024-12-31"], "shoe": ["Xero HFS"]})
    runs = _runs([
        # override beats gear id, name, log and keyword
        dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_id="333", gear_name="Xero HFS",
             name="barefoot strides"),
        # gear id beats a conflicting gear name
        dict(activity_id="b", date="2024-05-02", distance_m=5000, gear_id="333", gear_name="Xero HFS"),
        # recorded gear name beats the log and a barefoot title
        dict(activity_id="c", date="2024-05-03", distance_m=5000, gear_name="Altra Escalante 3",
             name="barefoot cool-down"),
        # the gear log beats the keyword and the default shoe
        dict(activity_id="d", date="2024-05-04", distance_m=5000, name="Barfuß am Strand"),
        # the keyword beats the default shoe (outside the log)
        dict(activity_id="e", date="2025-05-04", distance_m=5000, name="Barfuß am Strand"),
    ])
    out = fw.assign_footwear(runs, CATALOG, overrides={"a": "Altra Escalante 3"}, gear_log=gear_log,
                             default_shoe="Brooks Ghost 15")
    assert list(out["shoe_rule"]) == ["override", "gear_id", "gear_name", "gear_log", "keyword"]
    assert list(out["gear_name"].fillna("-")) == ["Altra Escalante 3", "Brooks Ghost 15", "Altra Escalante 3",
                                                  "Xero HFS", "-"]
    assert out.loc["e", "shoe_class"] == "barefoot"


@pytest.mark.parametrize(
    "title",
    [
        "Barefoot strides on the grass",        # English
        "Barfuß am Strand",                     # German
        "Barfuss-Lauf im Park",                 # German, Swiss spelling
        "Barfod løb på stranden",               # Danish
        "Op blote voeten door het bos",         # Dutch
        "Barvoet rondje",                       # Dutch
        "Carrera descalzo en la playa",         # Spanish
        "Footing pieds nus",                    # French
        "Corsa scalzo sulla sabbia",            # Italian
        "Bieg boso po plaży",                   # Polish
        "Paljain jaloin hiekalla",              # Finnish
        "Barfota på stranden",                  # Swedish
        "Barbent joggetur",                     # Norwegian
        "Corrida descalço na praia",            # Portuguese
        "Пробежка босиком",                     # Russian
    ],
)
def test_barefoot_titles_in_many_languages(title):
    runs = _runs([dict(activity_id="x", date="2024-05-01", distance_m=3000, name=title)])
    out = fw.assign_footwear(runs, default_shoe="Brooks Ghost 15")
    assert out.loc["x", "shoe_class"] == "barefoot"
    assert out.loc["x", "shoe_rule"] == "keyword"
    assert pd.isna(out.loc["x", "gear_name"])


def test_brand_words_mean_shoes_not_bare_feet():
    assert fw.keyword_match("Vivobarefoot test run") == ("brand", "vivobarefoot")
    assert fw.keyword_match("First run in barefoot shoes") == ("brand", "barefoot shoes")
    assert fw.keyword_match("Huaraches on the trail") == ("brand", "huaraches")
    assert fw.keyword_match("Bosanska trail") is None  # "boso" only as a whole word
    assert fw.keyword_match("Tempo run") is None
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=3000, name="Sandals day"),
        dict(activity_id="b", date="2024-05-01", distance_m=3000, description="new Xero shoes!"),
    ])
    out = fw.assign_footwear(runs, CATALOG)
    # no sandal in the catalog: a generic label; Xero matches the catalog's Xero HFS
    assert list(out["gear_name"]) == ["running sandals", "Xero HFS"]
    assert list(out["shoe_class"]) == ["minimalist", "minimalist"]


def test_near_match_gear_names():
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_name="ALTRA escalante-3"),  # normalised
        dict(activity_id="b", date="2024-05-01", distance_m=5000, gear_name="Altra Escalnte 3"),  # typo
        dict(activity_id="c", date="2024-05-01", distance_m=5000, gear_name="Brooks Ghost 15s"),  # near
        dict(activity_id="d", date="2024-05-01", distance_m=5000, gear_name="Toe Shoes"),  # an alias
        dict(activity_id="e", date="2024-05-01", distance_m=5000, gear_name="Grandpa's boots"),  # nothing near
    ])
    out = fw.assign_footwear(runs, CATALOG, builtin=False)
    # a listed name or alias shows the catalog's name; a near name lends its class and keeps its own
    assert list(out["gear_name"]) == ["Altra Escalante 3", "Altra Escalnte 3", "Brooks Ghost 15s", "Vibram V-Run",
                                      "Grandpa's boots"]
    assert list(out["shoe_class"]) == ["partial", "partial", "traditional", "minimalist", "unknown"]
    assert list(out["shoe_catalog"].fillna("-")) == ["Altra Escalante 3", "Altra Escalante 3", "Brooks Ghost 15",
                                                     "Vibram V-Run", "-"]
    assert out.loc["b", "shoe_specs"].endswith("as Altra Escalante 3 (similar name)")
    assert (out["shoe_rule"] == "gear_name").all()
    strict = fw.assign_footwear(runs, CATALOG, builtin=False, name_cutoff=0.99)
    assert strict.loc["b", "shoe_class"] == "unknown"


def test_gear_log_date_range_and_distance_limit():
    # "from 2024-03-01 to 2024-06-30, runs under 8 km: FiveFingers"
    log = pd.DataFrame({"from": ["2024-03-01"], "to": ["2024-06-30"], "shoe": ["VFF"], "max_km": [8.0]})
    runs = _runs([
        dict(activity_id="a", date="2024-03-01", distance_m=5000),   # first day, short
        dict(activity_id="b", date="2024-06-30", distance_m=7999),   # last day, just under 8 km
        dict(activity_id="c", date="2024-04-15", distance_m=8000),   # 8 km is not under 8 km
        dict(activity_id="d", date="2024-07-01", distance_m=5000),   # after the range
        dict(activity_id="e", date="2024-04-15", distance_m=None),   # distance unknown
    ])
    out = fw.assign_footwear(runs, CATALOG, gear_log=log)
    assert list(out["shoe_rule"]) == ["gear_log", "gear_log", "unknown", "unknown", "unknown"]
    assert list(out["gear_name"].iloc[:2]) == ["Vibram V-Run", "Vibram V-Run"]


def test_gear_log_sport_limit():
    log = pd.DataFrame({"from": ["2024-01-01"], "to": [None], "shoe": ["minimalist"], "sport": ["trail"]})
    runs = _runs([
        dict(activity_id="a", date="2024-05-01", distance_m=5000, sport="trail_running"),
        dict(activity_id="b", date="2024-05-01", distance_m=5000, sport="running"),
    ])
    out = fw.assign_footwear(runs, gear_log=log)
    assert list(out["shoe_rule"]) == ["gear_log", "unknown"]
    assert out.loc["a", "shoe_class"] == "minimalist" and pd.isna(out.loc["a", "gear_name"])


def test_override_by_bare_id():
    runs = _runs([dict(activity_id="strava:987", date="2024-05-01", distance_m=5000)])
    out = fw.assign_footwear(runs, CATALOG, overrides=pd.DataFrame({"activity_id": ["987"], "shoe": ["Xero HFS"]}))
    assert out.loc["strava:987", "shoe_rule"] == "override"
    assert out.loc["strava:987", "gear_name"] == "Xero HFS"


def test_builtin_table_names_a_shoe_missing_from_the_catalog():
    runs = _runs([dict(activity_id="a", date="2024-05-01", distance_m=5000, gear_name="Xero Shoes Genesis")])
    out = fw.assign_footwear(runs)
    assert out.loc["a", "gear_name"] == "Xero Shoes Genesis"
    assert out.loc["a", "shoe_class"] == "minimalist"
    assert out.loc["a", "minimalist_index"] == 96.0  # 170 g -> 4, 5 mm -> 5, 0 mm -> 5, 0 techs -> 5, flex 5


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def test_shoe_summary_km_and_retire_alerts():
    runs = _runs([
        dict(activity_id="1", date="2024-01-01", distance_m=10000, gear_name="Altra Escalante 3"),
        dict(activity_id="2", date="2024-02-01", distance_m=12500, gear_name="Altra Escalante 3"),
        dict(activity_id="3", date="2024-01-05", distance_m=400000, gear_name="Brooks Ghost 15"),
        dict(activity_id="4", date="2024-03-05", distance_m=400000, gear_name="Brooks Ghost 15"),
        dict(activity_id="5", date="2024-03-06", distance_m=3000, name="barefoot"),
        dict(activity_id="6", date="2024-03-07", distance_m=4000),
        dict(activity_id="7", date="2024-03-08", distance_m=None, gear_name="Xero HFS"),
    ])
    out = fw.assign_footwear(runs, CATALOG)
    s = fw.shoe_summary(out, CATALOG).set_index("shoe")
    assert s["distance_km"].sum() == pytest.approx(out["distance_m"].sum() / 1000)
    assert s.loc["Altra Escalante 3", "distance_km"] == pytest.approx(22.5)
    assert s.loc["Altra Escalante 3", "runs"] == 2
    assert s.loc["Altra Escalante 3", "first_date"] == pd.Timestamp("2024-01-01")
    assert s.loc["Altra Escalante 3", "last_date"] == pd.Timestamp("2024-02-01")
    # per-shoe limit of 20 km passed; 800 km default reached exactly by the Ghost
    assert bool(s.loc["Altra Escalante 3", "retire_alert"]) is True
    assert s.loc["Brooks Ghost 15", "retire_km"] == 800
    assert bool(s.loc["Brooks Ghost 15", "retire_alert"]) is True
    assert bool(s.loc["Xero HFS", "retire_alert"]) is False
    assert s.loc["Xero HFS", "distance_km"] == 0
    # runs without a shoe are counted on their own lines, last
    assert s.loc["(no shoe: barefoot)", "runs"] == 1
    assert s.loc["(no shoe: unknown)", "distance_km"] == pytest.approx(4.0)
    assert list(s.index[-2:]) == ["(no shoe: barefoot)", "(no shoe: unknown)"]
    assert not s.loc["(no shoe: unknown)", "retire_alert"]
    lower = fw.shoe_summary(out, retire_km=900).set_index("shoe")
    assert bool(lower.loc["Brooks Ghost 15", "retire_alert"]) is False


def test_complete_catalog_is_idempotent():
    cat = pd.DataFrame({"name": ["Glove", "Racer"], "weight_g": [159, None], "stack_mm": [6, None],
                        "drop_mm": [0, None], "minimalist_index": [None, 64]})
    once = fw.complete_catalog(cat, builtin=False)
    twice = fw.complete_catalog(once, builtin=False)
    assert once.loc[0, "shoe_class"] == "unknown"  # 56-96 %
    pd.testing.assert_frame_equal(once, twice)


@pytest.mark.parametrize(
    "title",
    ["Barfußlauf am Strand", "Barfodsløb i skoven", "Barfotalöpning", "Barvoetloop", "Morning barefootrun"],
)
def test_compound_barefoot_words_classify(title):
    assert fw.keyword_match(title)[0] == "barefoot"


@pytest.mark.parametrize("title", ["Neue Barfußschuhe getestet", "Barfodssko til hverdag", "Barfotaskor"])
def test_compound_shoe_words_are_not_bare_feet(title):
    assert fw.keyword_match(title) is None or fw.keyword_match(title)[0] != "barefoot"


# ---------------------------------------------------------------------------
# Catalogs as read by analysis.io.shoes, completed here (the reader only reads)
# ---------------------------------------------------------------------------


def _catalog_file(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_real_strava_shoes_csv_completed_from_the_builtin_table(shared_data):
    shoes = fw.complete_catalog(read_shoes(shared_data / "strava" / "azaidrahman_shoes.csv"))
    # Kayano 29: specs from the built-in Gel-Kayano 31 (305 g -> 1, 40 mm -> 0, 10 mm -> 1, 3 techs -> 2,
    # flex 0.5) = 4.5 x 4 = 18 %, complete
    k29 = shoes.iloc[0]
    assert (k29["weight_g"], k29["stack_mm"], k29["drop_mm"]) == (305, 40, 10)
    assert (k29["stability_features"], k29["flex_score"]) == (3, 0.5)
    assert k29["minimalist_index"] == 18.0 and bool(k29["mi_partial"]) is False
    assert k29["minimalist_index_max"] == 18.0
    assert pd.isna(k29["mi_missing"])
    assert "specs from built-in table (ASICS Gel-Kayano 31; nearest version of Kayano 29)" in k29["derived"]
    assert k29["shoe_class"] == "traditional"
    assert shoes.loc[1, "shoe_class"] == "unknown"
    assert shoes.loc[1, "derived"].startswith("name from brand + model")  # the reader's note is kept
    # Pegasus 36/37 of the 3-column file: the Pegasus 40's specs, 266 g -> 2, 33 mm -> 0, 10 mm -> 1,
    # 1 tech -> 4, flex 1: 8 x 4 = 32
    dan = fw.complete_catalog(read_shoes(shared_data / "strava" / "danchurchill_shoes.csv")).set_index("name")
    assert dan.loc["White", "minimalist_index"] == 32.0
    dennis = fw.complete_catalog(read_shoes(shared_data / "strava" / "dennissmith0_shoes.csv")).set_index("name")
    assert dennis.loc["HOKA ONE ONE Speedgoat 2", "weight_g"] == 291


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
    out = fw.assign_footwear(runs, shoes)  # completed on the way in
    with_gear = runs["gear_name"].notna()
    assert with_gear.sum() == 35  # README: 35 runs with gear
    assert (out.loc[with_gear, "shoe_rule"] == "gear_name").all()
    assert set(out.loc[with_gear, "gear_name"]) <= set(shoes["name"])
    assert (out.loc[with_gear, "gear_name"] == runs.loc[with_gear, "gear_name"].str.strip()).all()
    assert out.loc[out["gear_name"] == "White", "shoe_specs"].iloc[0] == (
        "specs of the nearest built-in version, Nike Pegasus 40")
    summary = fw.shoe_summary(out, shoes)
    assert summary["runs"].sum() == 56
    assert summary["distance_km"].sum() == pytest.approx(runs["distance_m"].sum() / 1000)
    white = summary.set_index("shoe").loc["White"]
    assert white["runs"] == 12
    # 28 rows, 5 of them worn in these runs: the other 23 are named, a few at a time
    warn = fw.shoe_warnings(out, shoes, shoes_given=True)
    assert warn[0].startswith("23 of 28 rows of danchurchill_shoes.csv match no run: 'Nike vapor fly 4%' (row 2)")


def test_catalog_specs_in_decimal_commas_and_units_give_mi(tmp_path):
    text = (
        "name;aliases;brand;model;weight_g;stack_mm;drop_mm;stability_features;flex_score;retired;retire_km\r\n"
        "Pieds légers;VFF|toe shoes;Vibram;V-Run;136;4,5 mm;0;0;5;nein;\r\n"
        "Café trainer;;Brooks;Ghost 15;278 g;35;12;2;1;ja;600\r\n"
    )
    shoes = fw.complete_catalog(read_shoes(_catalog_file(tmp_path, "meine_schuhe.csv", text, "cp1252")))
    # 4+5+5+5+5 = 24 -> 96; 1+0+1+3+1 = 6 -> 24
    assert list(shoes["minimalist_index"]) == [96.0, 24.0]
    assert list(shoes["shoe_class"]) == ["minimalist", "traditional"]
    assert list(shoes["mi_partial"]) == [False, False]
    assert shoes.loc[0, "derived"] == "minimalist_index from specs; shoe_class from minimalist_index"


def test_catalog_flex_parts_add_up(tmp_path):
    text = "Name\tWeight_g\tStack_mm\tDrop_mm\tStability_features\tflex_longitudinal\tflex_torsional\n"
    text += "Home made huaraches\t110\t6\t0\t0\t2.5\t2\n"
    s = fw.complete_catalog(read_shoes(_catalog_file(tmp_path, "shoes.tsv", text))).iloc[0]
    assert s["flex_score"] == 4.5
    assert s["minimalist_index"] == 98.0  # 5+5+5+5+4.5 = 24.5 -> 98
    assert s["derived"].startswith("flex_score from longitudinal + torsional")


def test_catalog_gives_mi_or_class_only(tmp_path):
    text = "name,minimalist_index,shoe_class,gear_id\nRacer,64,,g1\nBare,,Barefoot,\nOld,12,partial,\n"
    shoes = fw.complete_catalog(read_shoes(_catalog_file(tmp_path, "shoes.csv", text)))
    assert list(shoes["shoe_class"]) == ["partial", "barefoot", "partial"]  # a given class is kept
    assert shoes.loc[0, "derived"] == "shoe_class from minimalist_index"
    assert pd.isna(shoes.loc[2, "derived"])
    thresholds = fw.complete_catalog(read_shoes(_catalog_file(tmp_path, "s.csv", "name,minimalist_index\nRacer,64\n")),
                                     mi_thresholds=(30, 60))
    assert thresholds.loc[0, "shoe_class"] == "minimalist"


def test_catalog_brand_and_model_only_take_builtin_specs():
    shoes = read_shoes(b"Shoe Name,Shoe Brand,Shoe Model\n,Xero Shoes,Genesis\n", name="export.zip/shoes.csv")
    done = fw.complete_catalog(shoes)
    assert done.loc[0, "shoe_class"] == "minimalist"  # 96 % from the built-in specs
    assert "specs from built-in table (Xero Shoes Genesis)" in done.loc[0, "derived"]
    assert fw.complete_catalog(shoes, builtin=False).loc[0, "shoe_class"] == "unknown"


# ---------------------------------------------------------------------------
# The files that say which shoe a run used: read by the pipeline, applied here
# ---------------------------------------------------------------------------


def test_pipeline_reads_catalog_overrides_and_gear_log_then_assigns(tmp_path):
    from analysis.pipeline import Inputs, read_footwear_options, read_shoes_catalog

    shoes = _catalog_file(tmp_path, "shoes.csv", "name,weight_g,stack_mm,drop_mm,stability_features,flex_score,"
                          "gear_id\nRacer,200,18,4,1,3,g7\n")
    overrides = _catalog_file(tmp_path, "ov.csv", "activity_id,shoe\nb,barefoot\n")
    log = _catalog_file(tmp_path, "gear_log.csv", "from,to,shoe,min_km,max_km,sport\n"
                        "2024-03-01,2024-06-30,FiveFingers,,8,\n01.07.2024,,minimalist,,,trail\n")
    inputs = Inputs(sources=[], shoes=shoes, overrides=overrides, gear_log=log)
    catalog = read_shoes_catalog(inputs.shoes)
    assert catalog.loc[0, "minimalist_index"] == 64.0  # 3+3+3+4+3 = 16 -> 64 %, derived after reading
    assert list(catalog["origin"]) == ["--shoes"]
    runs = _runs([dict(activity_id="a", gear_id="7"), dict(activity_id="b", gear_id="7"),
                  dict(activity_id="c", date="2024-04-01", distance_m=5000, sport="running"),
                  dict(activity_id="d", date="2024-08-01", distance_m=5000, sport="trail_running"),
                  dict(activity_id="e", date="2024-08-01", distance_m=5000, sport="running")])
    out = fw.assign_footwear(runs, catalog, **read_footwear_options(inputs))
    assert list(out["shoe_rule"]) == ["gear_id", "override", "gear_log", "gear_log", "unknown"]
    assert list(out["shoe_class"]) == ["partial", "barefoot", "unknown", "minimalist", "unknown"]
    assert out.loc["a", "minimalist_index"] == 64.0
    assert out.loc["c", "gear_name"] == "FiveFingers"  # not in any catalog: named as given
    assert out.loc["d", "shoe_specs"] == "class named by the gear log"


def test_overrides_by_date_and_a_default_shoe_for_runs_without_gear():
    """Issue [M] 5: watch files carry no gear; a date override and a default shoe place them."""
    runs = _runs([
        dict(activity_id="fit:aaa", date="2024-05-01", distance_m=5000),
        dict(activity_id="fit:bbb", date="2024-05-02", distance_m=6000),
        dict(activity_id="fit:ccc", date="2024-05-02", distance_m=3000),
        dict(activity_id="strava:1", date="2024-05-02", distance_m=3000, gear_name="Hoka Clifton 9"),
    ])
    overrides = pd.DataFrame({"activity_id": [pd.NA, "ccc"], "date": pd.to_datetime(["2024-05-02", pd.NaT]),
                              "shoe": ["Vibram V-Run", "barefoot"]})
    out = fw.assign_footwear(runs, overrides=overrides, default_shoe="Hoka Clifton 9")
    assert list(out["shoe_rule"]) == ["default", "override", "override", "override"]
    # the id row wins over the date row; a date row covers every run of that day, recorded gear or not
    assert list(out["shoe_class"]) == ["partial", "minimalist", "barefoot", "minimalist"]
    assert list(out["gear_name"].fillna("-")) == ["Hoka Clifton 9", "Vibram V-Run", "-", "Vibram V-Run"]
    assert out.loc["fit:aaa", "shoe_specs"] == "specs of the built-in Hoka Clifton 9"


def test_shoe_warnings_give_the_fix_that_can_help():
    watch = _runs([dict(activity_id=f"fit:{i}", date="2024-05-01", distance_m=5000) for i in range(3)])
    out = fw.assign_footwear(watch)
    given = fw.shoe_warnings(out, None, shoes_given=True)
    assert given == ["3 of 3 runs record no shoe: give --default-shoe NAME, --gear-log FILE (date ranges) or "
                     "--overrides FILE (templates in data/templates)"]
    assert not any("--shoes" in w for w in given)
    named = fw.assign_footwear(_runs([dict(activity_id="s:1", date="2024-05-01", distance_m=5000,
                                           gear_name="Grandpa's boots")]))
    assert "give --shoes" in fw.shoe_warnings(named, None, shoes_given=False)[0]
    assert "in your --shoes file" in fw.shoe_warnings(named, None, shoes_given=True)[0]
    placed = fw.assign_footwear(watch, default_shoe="minimalist")
    assert fw.shoe_warnings(placed, None, shoes_given=False) == []


def test_a_catalog_model_runlog_does_not_know_says_so(shared_data):
    """dennissmith0's "Highlighters" are Nike Zoom Kiger 3s: not in the built-in table, no specs given."""
    shoes = read_shoes(shared_data / "strava" / "dennissmith0_shoes.csv")
    runs = _runs([dict(activity_id="s:1", date="2019-05-19", distance_m=8000, gear_name="Highlighters")])
    out = fw.assign_footwear(runs, shoes)
    assert out.loc["s:1", "shoe_class"] == "unknown" and out.loc["s:1", "gear_name"] == "Highlighters"
    assert out.loc["s:1", "shoe_specs"] == ("no specs, MI or class in dennissmith0_shoes.csv row 2, and "
                                            "Nike Zoom Kiger 3 is not in the built-in table")
