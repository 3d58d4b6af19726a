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
    assert "1 run imported" in line and "1 given twice" in line and "1 failed" in line
    assert line.startswith("import log: 4 files, 6 entries: ")  # plurals: 1 run, 2 runs, 1 entry, 6 entries


def test_empty_log():
    log = ReadResult().log
    assert summarize(log)["entries"] == 0
    assert isinstance(summary_line(pd.DataFrame(log)), str)


def test_by_source_counts_runs_and_duplicates_of_another_source():
    from analysis.ingest.importlog import by_source

    rows = [
        log_row("s/activities.csv", "imported", row=2, activity_id="strava:1", source="strava"),
        log_row("s/activities/1.fit.gz", "duplicate", "merged into strava:1 (row 2)", source="strava"),
        log_row("w/a.fit", "duplicate", "same run as strava:1 (start 1 s apart, distance 0.2 % apart); fields merged",
                activity_id="fit:a", source="fit"),
        log_row("w/b.fit", "imported", activity_id="fit:b", source="fit"),
        log_row("e.zip/export.xml", "duplicate", "same run as fit:b (times overlap 99 %); fields merged into it",
                row=1, activity_id="apple_health:x", source="apple_health"),
        # Strava's copy inside Health, of the watch's copy that then joined the FIT run: within Apple Health
        log_row("e.zip/export.xml", "duplicate", "same run as apple_health:x, written by Strava (times overlap "
                "100 %)", row=2, activity_id="apple_health:y", source="apple_health"),
        log_row("e.zip/export.xml", "not_a_run", "Walking workout is not a run", row=3, source="apple_health"),
        log_row("junk.bin", "failed", "not a known activity format"),
    ]
    table = by_source(ReadResult.build(log_rows=rows).log)
    assert table.loc["strava"].to_dict() == {"runs": 1, "kept": 1, "duplicate_of_other_source": 0,
                                             "duplicate_within_source": 1, "not_a_run": 0, "failed": 0}
    assert table.loc["fit", ["runs", "kept", "duplicate_of_other_source"]].tolist() == [2, 1, 1]
    assert table.loc["apple_health", ["runs", "kept", "duplicate_of_other_source", "duplicate_within_source",
                                      "not_a_run"]].tolist() == [1, 0, 1, 1, 1]
    assert table.loc["(none)", "failed"] == 1
    # every row in exactly one of kept, duplicate of another source, repeated within, not a run, failed
    assert table.to_numpy().sum() - table["runs"].sum() == len(rows)


def test_by_source_of_a_log_that_names_no_activity():
    # `runlog check` of a header-only CSV, a README or a diary given as a source: no row has an id (was a
    # pyarrow ArrowInvalid traceback: the empty id-to-source map made the lookup a float column)
    from analysis.ingest.importlog import by_source

    rows = [log_row("empty.csv", "failed", "no data rows below the header", source="csv"),
            log_row("README.md", "not_a_run", "not an activity file (md)")]
    table = by_source(ReadResult.build(log_rows=rows).log)
    assert table.loc["csv", "failed"] == 1 and table.loc["(none)", "not_a_run"] == 1
    assert table["runs"].sum() == table["kept"].sum() == 0
