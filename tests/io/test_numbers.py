"""Tests for analysis.io.numbers: one cell and a whole column read by the same locale rules."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from analysis.io.numbers import parse_number, parse_numbers


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("5000", False, 5000.0),
        (' 1,234.5 ', False, 1234.5),  # comma-grouped thousands in a comma-separated file
        ("1,234,567", False, 1234567.0),
        ("1.234,5", True, 1234.5),  # decimal comma: the dots group thousands
        ("5,2", True, 5.2),
        ("1 234", False, 1234.0),
        ("1\u00a0234,5", True, 1234.5),
        ("-5", False, -5.0),  # the sign is kept: the reader decides
        ("1e3", False, 1000.0),
        ("1_000", False, 1000.0),  # what Python's float reads
    ],
)
def test_parse_number(text, decimal_comma, value):
    assert parse_number(text, decimal_comma=decimal_comma) == value
    values, bad = parse_numbers([text], decimal_comma=decimal_comma)
    assert values.tolist() == [value] and not bad.any()


@pytest.mark.parametrize("text", ["", "  ", "--", "-", "NA", "n/a", "NaN", "null", "None"])
def test_blanks_and_placeholders_are_no_value(text):
    assert math.isnan(parse_number(text))
    values, bad = parse_numbers([text])
    assert np.isnan(values).all() and not bad.any()


@pytest.mark.parametrize(("text", "decimal_comma"), [("abc", False), ("5,2", False), ("1.234,5", False),
                                                     ("1,234.5,6", True), ("12 km", False)])
def test_not_a_number(text, decimal_comma):
    with pytest.raises(ValueError):
        parse_number(text, decimal_comma=decimal_comma)
    values, bad = parse_numbers([text], decimal_comma=decimal_comma)
    assert bad.tolist() == [True] and np.isnan(values).all()


def test_a_column_reads_as_its_cells_do():
    """parse_numbers gives parse_number's value (or its refusal) for every cell of random columns."""
    rng = random.Random(7)
    parts = ["1", "12", "123", "0", ",", ".", " ", "\u00a0", "-", "+", "e", "5", "1,234", "nan", "inf", "_", "x",
             "NA", "--", "١"]
    for decimal_comma in (False, True):
        cells = ["".join(rng.choice(parts) for _ in range(rng.randrange(0, 5))) for _ in range(3000)]
        values, bad = parse_numbers(pd.Series(cells, dtype="string[pyarrow]"), decimal_comma=decimal_comma)
        for text, value, refused in zip(cells, values, bad, strict=True):
            try:
                expected = parse_number(text, decimal_comma=decimal_comma)
            except ValueError:
                assert refused, text
                continue
            assert not refused, text
            assert (math.isnan(expected) and math.isnan(value)) or value == expected, text


def test_a_column_arrow_reads_whole_is_read_as_python_reads_each_cell():
    """The fast path (a column Arrow's parser takes whole) gives float() of each cell, exactly."""
    rng = np.random.default_rng(3)
    cells = [repr(float(x)) for x in rng.normal(0, 1e4, 2000)] + ["1e5", "+.5", "5.", "-0", "00012", "inf",
                                                                    "-inf", "nan", "1E+05", "0.1", "1e-320"]
    values, bad = parse_numbers(cells)
    assert not bad.any()
    expected = [float(c) for c in cells]
    assert all((math.isnan(e) and math.isnan(v)) or v == e for v, e in zip(values, expected, strict=True))
