"""OSTRC-O2 weekly questionnaire: coding, severity, substantial problems, regions."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.io.ostrc import parse_week, read_ostrc, sniff

TEXT = """week,region,q1,q2,q3,q4
2026-W10,achilles,8,8,0,8
2026-03-11,plantar fascia,1,2,0,1
2026-W11,knee,0,0,0,0
2026-W11,hip,25,0,0,25
2026-W12,lower leg,3,3,3,3
2026-W12,foot,0,0,17,8
2026-W12,glute,0,8,8,25
"""


@pytest.fixture
def ostrc(tmp_path):
    path = tmp_path / "ostrc.csv"
    path.write_text(TEXT, encoding="utf-8")
    return read_ostrc(path)


def test_weeks_regions_and_coding(ostrc):
    first = ostrc.iloc[0]
    assert first["week"] == pd.Timestamp("2026-03-02")  # Monday of ISO week 10
    assert (first["region"], first["area"]) == ("achilles", "ankle/lower leg")
    assert (first["severity"], bool(first["substantial"])) == (24, False)
    # raw answers 1,2,0,1 -> 8,17,0,8, severity 33; Q2 >= 17 -> substantial
    plantar = ostrc[(ostrc["region"] == "plantar") & (ostrc["week"] == "2026-03-09")].iloc[0]
    assert [plantar[q] for q in ("q1", "q2", "q3", "q4")] == [8, 17, 0, 8]
    assert plantar["severity"] == 33 and plantar["substantial"]
    assert plantar["area"] == "foot"


def test_substantial_rule_branches(ostrc):
    by = {(r.week.strftime("%G-W%V"), r.region): r for r in ostrc.itertuples()}
    assert by[("2026-W11", "glute")].substantial  # Q1 = 25
    assert by[("2026-W11", "glute")].severity == 50
    assert not by[("2026-W11", "patellar")].substantial and not by[("2026-W11", "patellar")].problem
    assert by[("2026-W12", "achilles")].severity == 100  # raw 3,3,3,3 -> 25 each
    assert by[("2026-W12", "plantar")].substantial  # Q3 = 17
    # Q2 = Q3 = 8 and Q4 = 25: a problem, but not a substantial one
    glute = by[("2026-W12", "glute")]
    assert glute.problem and not glute.substantial and glute.severity == 41


def test_parse_week():
    assert parse_week("2026-W01") == pd.Timestamp("2025-12-29")
    assert parse_week("2026-03-08") == pd.Timestamp("2026-03-02")  # a Sunday
    assert parse_week("week 10") is None


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("2026-W13,achilles,8,1,0,0", "neither raw 0-3 nor coded"),
        ("2026-W13,achilles,8,9,0,0", "neither raw 0-3 nor coded"),
        ("2026-W13,achilles,8,,0,0", "neither raw 0-3 nor coded"),
        ("2026-W13,shoulder,0,0,0,0", "region 'shoulder'"),
        ("W13,achilles,0,0,0,0", "week 'W13'"),
    ],
)
def test_bad_rows(tmp_path, line, words):
    path = tmp_path / "o.csv"
    path.write_text(TEXT + line + "\n", encoding="utf-8")
    with pytest.raises(RunlogError) as info:
        read_ostrc(path)
    assert (info.value.path, info.value.row) == (str(path), 9)
    assert words in info.value.reason


def test_sniff():
    assert sniff(TEXT.encode(), "ostrc.csv")
    assert not sniff(b"date,drill\n", "d.csv")
    assert sniff(b"\r\nWeek;Body area;Q1;Q2;Q3;Q4\r\n", "ostrc.csv")
    assert sniff(TEXT.encode("utf-16"), "ostrc.csv")
