import pandas as pd

from analysis.ingest.importlog import summarize, summary_line
from analysis.io.base import ReadResult, log_row


def test_summary_counts_every_entry_once():
    rows = [
        log_row("export/activities.csv", "imported", "94-column layout"),  # file-level row
        log_row("export/activities.csv", "imported", row=2, activity_id="strava:1"),
        log_row("export/activities.csv", "not_a_run", "Ride", row=3),
        log_row("export/activities/1.fit.gz", "duplicate", "merged into strava:1 (row 2)", activity_id="strava:1"),
        log_row("again/run.fit", "duplicate", "same activity as fit:abc (given twice)", activity_id="fit:abc"),
        log_row("bad.fit", "failed", "no usable data"),
    ]
    log = ReadResult.build(log_rows=rows).log
    c = summarize(log)
    assert c["entries"] == 6 and c["files"] == 4
    assert c["runs"] == 1  # the file-level row is not a run
    assert (c["merged"], c["repeated"]) == (1, 1)
    assert c["imported"] + c["duplicate"] + c["not_a_run"] + c["failed"] == c["entries"]
    line = summary_line(log)
    assert "1 runs imported" in line and "1 given twice" in line and "1 failed" in line


def test_empty_log():
    log = ReadResult().log
    assert summarize(log)["entries"] == 0
    assert isinstance(summary_line(pd.DataFrame(log)), str)
