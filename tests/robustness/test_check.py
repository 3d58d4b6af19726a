"""The judge itself: it must see a crash, a hang and a lost row when there is one."""

from __future__ import annotations

import csv
import io
import random
import time

import pandas as pd
import pytest

from analysis.io.base import ReadResult, log_row
from tests.robustness import check
from tests.robustness.check import Hang, Outcome, check_mutant, time_limit
from tests.robustness.mutate import (
    GENERIC_CSV_SEED,
    Mutant,
    RandomChooser,
    Seed,
    expected_rows,
    mutate,
    parse_records,
)


def _csv_mutant(text: str, name: str = "runs.csv") -> Mutant:
    data = text.encode()
    return Mutant(fmt="csv", name=name, data=data, inner=data, ops=["none"])


def test_expected_rows_follow_spreadsheet_numbering():
    # header = row 1; a quoted line break keeps one record; blank records are no data
    text = 'a,b\n1,2\n\n"x\ny",3\n,\n4,5\n'
    assert expected_rows(text.encode()) == {2, 4, 6}
    # an unclosed quote running past csv's field size limit: only a whole-file outcome is expected
    assert expected_rows(b'a,b\n1,"' + b"x" * (csv.field_size_limit() + 10)) is None


def test_time_limit_stops_a_loop():
    t0 = time.perf_counter()
    with pytest.raises(Hang), time_limit(0.2):
        while True:
            pass
    assert time.perf_counter() - t0 < 2


def test_a_reader_crash_is_a_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("analysis.io.generic_csv.read_generic_csv", broken)
    out = check_mutant(_csv_mutant(GENERIC_CSV_SEED), tmp_path)
    assert out.kinds() == {"traceback"}
    assert "ZeroDivisionError: boom" in out.report()


def test_a_lost_row_is_unaccounted(tmp_path, monkeypatch):
    from analysis.io import generic_csv

    real = generic_csv.read_generic_csv

    def drops_last_row(source, **kwargs):
        res = real(source, **kwargs)
        return ReadResult(res.runs, res.samples, res.log.iloc[:-1])

    monkeypatch.setattr(generic_csv, "read_generic_csv", drops_last_row)
    out = check_mutant(_csv_mutant(GENERIC_CSV_SEED), tmp_path)
    assert ("unaccounted" in out.kinds()) and "not logged: [7]" in out.report()


def test_a_forgotten_file_is_unaccounted(tmp_path):
    out = Outcome(_csv_mutant("x"))
    res = ReadResult.build(log_rows=[log_row("elsewhere.csv", "failed", "x")])
    check._check_log(out, res, tmp_path / "runs.csv", out.mutant)
    assert out.kinds() == {"unaccounted"}


def test_the_generic_seed_logs_every_row(tmp_path):
    out = check_mutant(_csv_mutant(GENERIC_CSV_SEED), tmp_path)
    assert out.ok, out.report()


def test_mutations_are_deterministic_and_change_the_file(shared_data):
    seed = Seed(shared_data / "strava" / "archipelagic_77col_activities.csv", "strava")
    a = [mutate(seed, RandomChooser(random.Random(i))) for i in range(30)]
    b = [mutate(seed, RandomChooser(random.Random(i))) for i in range(30)]
    assert [m.data for m in a] == [m.data for m in b]
    assert all(m.data != seed.data and m.ops for m in a)


def test_csv_structure_mutations_keep_the_records_known(shared_data):
    """Column and row edits are made on records, so the oracle counts what was written."""
    seed = Seed(shared_data / "garmin_csv" / "hlasse_da_Activities.csv", "garmin_csv")
    n_data = len(parse_records(seed.data.decode("utf-8-sig"))) - 1
    for i in range(40):
        m = mutate(seed, RandomChooser(random.Random(1000 + i)), max_ops=2)
        if len(m.ops) == 1 and m.ops[0].startswith("garbage rows"):
            assert len(expected_rows(m.inner)) > n_data
    frame = pd.read_csv(io.StringIO(seed.data.decode("utf-8-sig")))
    assert len(frame) == n_data == 41  # README-exports.md: 41 activities
    assert csv.Sniffer().has_header(seed.data.decode("utf-8-sig")[:2000])
