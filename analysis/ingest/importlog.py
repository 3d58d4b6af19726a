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
