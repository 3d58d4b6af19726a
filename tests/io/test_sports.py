"""Tests for analysis.io.sports: the speed rule shared by GPX (no <type>) and TCX (Sport="Other"), and names."""

from __future__ import annotations

import math

import pytest

from analysis.io.sports import MAX_RUN_SPEED_MPS, untyped_sport


def test_speed_over_moving_time_else_elapsed_time():
    assert MAX_RUN_SPEED_MPS == 7.0
    # 4200 m in 600 s moving = 7.0 m/s: not faster than the limit, a run
    assert untyped_sport(4200.0, 600.0, 900.0) == ("running", "no activity type in file; assumed a run")
    # 4201 m in 600 s = 7.0017 m/s: too fast
    sport, note = untyped_sport(4201.0, 600.0, 900.0, why="sport Other")
    assert sport is None and note == "sport Other; average speed 7.0 m/s is too fast for a run"
    # no moving time (0, or NaN): over the elapsed time, 5000 m / 500 s = 10 m/s
    assert untyped_sport(5000.0, 0.0, 500.0)[0] is None
    assert untyped_sport(5000.0, math.nan, 500.0)[0] is None
    assert untyped_sport(5000.0, math.nan, 1000.0)[0] == "running"  # 5 m/s


def test_unknown_speed_is_assumed_a_run():
    assert untyped_sport(math.nan, 600.0, 600.0)[0] == "running"
    assert untyped_sport(1000.0, 0.0, 0.0)[0] == "running"
    assert untyped_sport(1000.0, math.nan, math.nan)[0] == "running"


def test_a_jogging_type_is_a_run_by_its_stem():
    # free-text types (a GPX <type>, a TCX Sport) say "Jogging" as often as "Running"; walking stays out
    from analysis.io.sports import classify_activity_type

    assert classify_activity_type("Jogging") == ("running", "keyword")
    assert classify_activity_type("Joggen am Abend") == ("running", "keyword")
    assert classify_activity_type("Nordic walking")[0] is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Outdoor Running", ("running", "table", "Running")),  # Zepp App, English
        ("Indoor Running", ("treadmill_running", "table", "Indoor Running")),  # the longest span wins
        ("Trail Running", ("trail_running", "table", "Trail Running")),
        ("Treadmill", ("treadmill_running", "table", "Treadmill")),
        ("Laufen im Freien", ("running", "table", "Laufen")),
        ("Course à pied", ("running", "table", "Course à pied")),
        ("Bieganie", ("running", "table", "Bieganie")),
        ("跑步", ("running", "table", "跑步")),  # written without spaces: matched only whole
        ("Morning Jog", ("running", "keyword", "Jog")),  # a running stem standing as a word
        ("Jazda na rowerze", (None, "not_run", "rowerze")),  # Polish: "rower" begins with the table's "row"
        ("Outdoor cycling", (None, "not_run", "cycling")),  # ZeppLife
        ("Indoor-Radfahren", (None, "not_run", "Radfahren")),
        ("Afternoon Ride", (None, "not_run", "Ride")),
        ("Run & Bike", (None, "mixed", "Run / Bike")),
        # a ride or a walk in the languages Zepp names workouts in, beyond the type table's stems
        ("Ciclismo all'aperto", (None, "not_run", "Ciclismo")),
        ("Fietsen", (None, "not_run", "Fietsen")),
        ("Gehen", (None, "not_run", "Gehen")),
        ("Spacer", (None, "not_run", "Spacer")),
        # a short stem of the table ("ski", "row", "hik") counts at the start of a short word only
        ("Skiing", (None, "not_run", "Skiing")),
        ("Rowing Machine", (None, "not_run", "Rowing")),
    ],
)
def test_a_name_is_matched_by_whole_words(name, expected):
    from analysis.io.sports import classify_activity_name

    assert classify_activity_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Runde um den See",  # begins with "run" but is a round, not a run
        "mile iles",  # a title the user typed
        "户外跑步",  # no spaces to cut at, and not, whole, a type of the table
        "Mountainbike",  # limit: a compound ending in a sport
        "Jogging",  # limit: a stem with an ending is not a word of its own
        "Radstadt tempo",  # a place that begins with the table's short stem "rad"
        "Skidaway island",  # ... with "ski"
        "Rowntree Park loop",  # ... with "row"
    ],
)
def test_a_stem_inside_a_word_of_a_name_names_nothing(name):
    from analysis.io.sports import classify_activity_name

    assert classify_activity_name(name) == (None, "", "")


def test_a_stem_inside_a_word_does_not_rule_a_named_run_out():
    from analysis.io.sports import classify_activity_name, classify_activity_type

    # the type matcher finds "rad" in "paradiserun" and says not a run; in a name it is no word
    assert classify_activity_type("Paradise Run") == (None, "")
    assert classify_activity_name("Paradise Run") == ("running", "table", "Run")
    assert classify_activity_name("Radweg Run") == (None, "mixed", "Run / Radweg")  # limit: "Rad..." begins a word
