"""Tests for analysis.io.sports: the speed rule shared by GPX (no <type>) and TCX (Sport="Other")."""

from __future__ import annotations

import math

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
