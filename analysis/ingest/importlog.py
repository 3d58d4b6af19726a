"""Reading the import log back: what happened to every file and row given.

The log itself is built by the readers (:func:`analysis.io.base.log_row`); this
module only summarises it, for the CLI, the report's data-quality page and the
notebook, so that all three say the same thing.
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import STATUSES

#: reasons of ``duplicate`` rows that mean "a second source of a run, merged into it"
_MERGED_PREFIXES = ("merged into", "same run as")


def summarize(log: pd.DataFrame) -> dict[str, int]:
    """Counts of the import log.

    Returns
    -------
    dict
        ``entries`` (log rows), ``files`` (distinct inputs), one count per
        status, ``runs`` (imported rows that became a run), ``merged``
        (duplicates that were a second source of a run, e.g. the FIT files of
        a Strava export, merged into it) and ``repeated`` (the same activity
        given twice).
    """
    status = log["status"].astype("string")
    reason = log["reason"].astype("string").fillna("")
    dup = status == "duplicate"
    merged = dup & reason.str.startswith(_MERGED_PREFIXES)
    out = {
        "entries": len(log),
        "files": int(log["source_file"].nunique()),
        "runs": int(((status == "imported") & log["activity_id"].notna()).sum()),
        "merged": int(merged.sum()),
        "repeated": int((dup & ~merged).sum()),
    }
    for s in STATUSES:
        out[s] = int((status == s).sum())
    return out


def summary_line(log: pd.DataFrame) -> str:
    """One plain line: how many files and rows ended as what."""
    c = summarize(log)
    return (
        f"import log: {c['files']} files, {c['entries']} entries: {c['runs']} runs imported, "
        f"{c['merged']} merged into a run from another source (e.g. a Strava export's FIT files), "
        f"{c['repeated']} given twice, {c['not_a_run']} not a run, {c['failed']} failed"
    )


#: reasons of ``duplicate`` rows written by the cross-input merge: "same run as <activity id> (...)"
_SAME_RUN = r"^same run as (\S+?)[,;]?\s"
BY_SOURCE_COLUMNS = ("runs", "kept", "duplicate_of_other_source", "duplicate_within_source", "not_a_run",
                     "failed")


def by_source(log: pd.DataFrame) -> pd.DataFrame:
    """Per source (reader kind): how many runs it gave and what became of them.

    Parameters
    ----------
    log : DataFrame
        The import log of one import (after merging).

    Returns
    -------
    DataFrame
        Index ``source`` (``(none)`` for inputs of no known kind); columns
        ``runs`` (distinct runs the source gave: kept, plus the same run as
        another source's), ``kept`` (runs that are in the runs frame under this
        source's id), ``duplicate_of_other_source`` (the same run as a run of
        another source, merged into it: e.g. a Strava copy of a watch run),
        ``duplicate_within_source`` (the same activity given twice, another
        app's copy inside one export, a Strava export's own files merged
        into their rows), ``not_a_run``, ``failed``.
    """
    status = log["status"].astype("string")
    reason = log["reason"].astype("string").fillna("")
    source = log["source"].astype("string").fillna("(none)")
    has_id = log["activity_id"].notna()
    imported = (status == "imported") & has_id
    ids = log["activity_id"].astype("string")
    owner = source[has_id].groupby(ids[has_id]).first()  # the source of each id (kept or merged since)
    joined_id = reason.str.extract(_SAME_RUN, expand=False)
    merged = (status == "duplicate") & joined_id.notna()
    other = merged & (joined_id.map(owner).fillna("(none)") != source)
    frame = pd.DataFrame({
        "source": source,
        "runs": imported | other,
        "kept": imported,
        "duplicate_of_other_source": other,
        "duplicate_within_source": (status == "duplicate") & ~other,
        "not_a_run": status == "not_a_run",
        "failed": status == "failed",
    })
    out = frame.groupby("source", sort=True)[list(BY_SOURCE_COLUMNS)].sum().astype("int64")
    return out[(out > 0).any(axis=1)]


def by_source_lines(log: pd.DataFrame) -> str:
    """:func:`by_source` as a plain table for the terminal (one line per source)."""
    table = by_source(log)
    if table.empty:
        return "per source: nothing read"
    shown = table.rename(columns={"duplicate_of_other_source": "same run as another source",
                                  "duplicate_within_source": "repeated within source",
                                  "not_a_run": "not a run"})
    return "per source:\n" + shown.to_string()
