import math

import pandas as pd
import pytest

from analysis import units
from analysis.errors import RunlogError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:36:26", 2186.0), ("41:06", 2466.0), ("00:04:53.4", 293.4), ("1:02:03", 3723.0), ("125", 125.0)],
)
def test_parse_duration(text, seconds):
    assert units.parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["--", "--:--:--", "", None, float("nan")])
def test_parse_duration_missing_is_nan(text):
    assert math.isnan(units.parse_duration_s(text))


def test_conversions():
    assert units.strides_to_steps(86.5) == 173.0
    assert units.miles_to_m(1.0) == 1609.344
    assert units.semicircles_to_deg(2**31) == pytest.approx(180.0)


def test_local_date_crosses_midnight():
    t = pd.Series(pd.to_datetime(["2024-06-30T22:30:00Z"]))
    assert units.local_date(t, "Europe/Copenhagen").iloc[0] == pd.Timestamp("2024-07-01")
    assert units.local_date(t, None).iloc[0] == pd.Timestamp("2024-06-30")


def test_localize_wall_time_dst():
    wall = pd.Series(pd.to_datetime(["2024-07-01 08:00:00", "2024-01-01 08:00:00"]))
    utc = units.localize_wall_time(wall, "Europe/Berlin")
    assert list(utc) == [pd.Timestamp("2024-07-01T06:00:00Z"), pd.Timestamp("2024-01-01T07:00:00Z")]


def test_unknown_zone_is_runlog_error():
    with pytest.raises(RunlogError, match="Mars/Olympus"):
        units.get_zone("Mars/Olympus")


def test_display_per_km_is_one_for_km_and_the_mile_factor_for_mi():
    from analysis.units import display_per_km

    assert display_per_km("km") == 1.0
    assert 10 * display_per_km("mi") == pytest.approx(6.213712, abs=1e-6)  # 10 km = 6.2137 mi
    with pytest.raises(ValueError, match="'km' or 'mi'"):
        display_per_km("furlongs")


def test_plural_counts_with_their_noun():
    from analysis.units import plural

    assert plural(1, "run") == "1 run" and plural(2, "run") == "2 runs" and plural(0, "onset") == "0 onsets"
    assert plural(1, "entry") == "1 entry" and plural(6, "entry") == "6 entries"
    assert plural(3, "day") == "3 days"  # a vowel before the y: just an s
