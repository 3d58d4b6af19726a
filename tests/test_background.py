"""Tests of analysis.background: a function run in a forked process gives its own result, or runs here."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from analysis import background


def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"i": range(n), "pid": os.getpid()})


@pytest.fixture(autouse=True)
def _fork_whatever_the_load(monkeypatch):
    """The tests of the second process fork even on a busy machine (RUNLOG_SERIAL=0), where possible."""
    monkeypatch.setenv("RUNLOG_SERIAL", "0")


def test_result_is_the_functions_value_and_comes_from_a_second_process_where_forking_is_possible():
    pending = background.start(_table, 5)
    out = pending.result()
    assert out["i"].tolist() == [0, 1, 2, 3, 4]
    if background.can_fork():
        assert out["pid"].iloc[0] != os.getpid()
    assert pending.result() is out  # asked twice: the same object, not run again


def test_serial_when_asked(monkeypatch):
    monkeypatch.setenv("RUNLOG_SERIAL", "1")
    assert not background.can_fork()
    assert background.start(_table, 2).result()["pid"].iloc[0] == os.getpid()


def _fails(msg: str):
    raise ValueError(msg)


def _dies():
    os._exit(3)  # in the child: no result sent; here (the rerun): never reached in the test
    return "unreachable"


def test_an_error_in_the_child_is_raised_here():
    pending = background.start(_fails, "bad input")
    with pytest.raises(ValueError, match="bad input"):
        pending.result()


def test_a_child_that_dies_is_replaced_by_running_the_function_here(monkeypatch):
    if not background.can_fork():
        pytest.skip("no fork here")
    calls = []
    pending = background.start(_dies)
    monkeypatch.setattr(pending, "_call", (lambda: calls.append(1) or "ran here", (), {}))
    assert pending.result() == "ran here" and calls == [1]


def test_cancel_stops_the_child():
    if not background.can_fork():
        pytest.skip("no fork here")
    import time

    pending = background.start(time.sleep, 30)
    t0 = time.perf_counter()
    pending.cancel()
    assert time.perf_counter() - t0 < 10
    assert not pending._proc.is_alive()


def _hangs_in_the_child(parent_pid: int):
    import time

    if os.getpid() != parent_pid:  # the forked child: stays silent, as one holding an inherited lock would
        time.sleep(60)
    return "ran here"


def test_a_silent_child_is_stopped_after_the_time_limit_and_the_function_runs_here(monkeypatch):
    if not background.can_fork():
        pytest.skip("no fork here")
    import time

    monkeypatch.setattr(background.Pending, "timeout_s", 1.0)
    pending = background.start(_hangs_in_the_child, os.getpid())
    t0 = time.perf_counter()
    assert pending.result() == "ran here"
    assert time.perf_counter() - t0 < 15
    assert not pending._proc.is_alive()


def test_no_second_process_when_every_cpu_is_busy_unless_asked(monkeypatch):
    monkeypatch.setattr(background, "_usable_cpus", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.1, 1.0, 1.0))  # both CPUs busy
    monkeypatch.delenv("RUNLOG_SERIAL")
    assert not background.can_fork()
    assert background.start(_table, 2).result()["pid"].iloc[0] == os.getpid()
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.0, 1.0))
    assert background.can_fork() == ("fork" in __import__("multiprocessing").get_all_start_methods())
    monkeypatch.setattr(os, "getloadavg", lambda: (7.0, 7.0, 7.0))
    monkeypatch.setenv("RUNLOG_SERIAL", "0")  # forks whatever the load
    assert background.can_fork() == ("fork" in __import__("multiprocessing").get_all_start_methods())


def _modules_here(name: str) -> dict:
    import sys

    return {"pid": os.getpid(), "parent": os.getppid(), "loaded": name in sys.modules}


def test_a_warm_child_comes_from_the_fork_server_with_its_modules_already_imported():
    import sys

    if "colorsys" in sys.modules:
        pytest.skip("the test's module is already imported here")
    with background.warm(("colorsys",)) as started:
        if not started:
            pytest.skip("no fork server here")
        out = background.start_warm(_modules_here, "colorsys").result()
    assert out["pid"] != os.getpid()
    assert out["parent"] != os.getpid()  # a child of the server, not a fork of this process
    assert out["loaded"]  # imported by the server before the call
    assert "colorsys" not in sys.modules  # ...and not here
    # after the block a warm start forks this process again
    after = background.start_warm(_modules_here, "colorsys").result()
    assert after["parent"] == os.getpid() and not after["loaded"]


def test_an_error_in_a_warm_child_is_raised_here():
    with background.warm(("colorsys",)):
        pending = background.start_warm(_fails, "bad warm input")
        with pytest.raises(ValueError, match="bad warm input"):
            pending.result()


def test_no_fork_server_when_serial(monkeypatch):
    monkeypatch.setenv("RUNLOG_SERIAL", "1")
    with background.warm(("colorsys",)) as started:
        assert not started
        assert background.start_warm(_table, 3).result()["pid"].tolist() == [os.getpid()] * 3
