"""Progress lines: on a terminal after a second, silent otherwise (analysis.progress)."""

from __future__ import annotations

import io
import time

from analysis import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wanted_on_a_terminal_only_unless_asked():
    assert progress.wanted(None, Terminal())
    assert not progress.wanted(None, io.StringIO())
    assert progress.wanted(True, io.StringIO())
    assert not progress.wanted(False, Terminal())
    closed = io.StringIO()
    closed.close()
    assert not progress.wanted(None, closed)


def test_bar_is_silent_when_not_wanted_and_counts_when_asked(capsys):
    for _ in progress.bar(range(3), desc="importing", unit="file"):  # stderr is captured: not a terminal
        pass
    assert capsys.readouterr().err == ""
    with progress.bar(desc="drawing", unit="page", total=2, progress=True, delay=0) as bar:
        bar.update(2)
    err = capsys.readouterr().err
    assert "drawing:" in err and "/2 [" in err and err.endswith("\r")  # shown at once (delay 0), then wiped


def test_stage_shows_the_time_so_far_and_clears_its_line(capsys):
    with progress.stage("analysing"):  # not a terminal: nothing
        time.sleep(0.6)
    assert capsys.readouterr().err == ""
    with progress.stage("analysing", progress=True, delay=0.2):
        time.sleep(1.2)
    err = capsys.readouterr().err
    assert "analysing: 00:0" in err
    assert err.endswith("\r")  # the line is wiped when the step ends (leave=False)


def test_a_short_stage_shows_nothing(capsys):
    with progress.stage("quick", progress=True, delay=5):
        time.sleep(0.6)
    assert "quick" not in capsys.readouterr().err
