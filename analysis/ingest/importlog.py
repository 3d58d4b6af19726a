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
#: in the reason of an imported export row whose activity file the export does not hold
#: (:data:`analysis.io.strava.FILE_NOT_IN_EXPORT`)
_FILE_NOT_IN_EXPORT = "not in the export"


def summarize(log: pd.DataFrame) -> dict[str, int]:
    """Counts of the import log.

    Returns
    -------
    dict
        ``entries`` (log rows), ``files`` (distinct inputs), one count per
        status, ``runs`` (imported rows that became a run), ``merged``
        (duplicates that were a second source of a run, e.g. the FIT files of
        a Strava export, merged into it), ``repeated`` (the same activity
        given twice) and ``file_not_in_export`` (runs imported from an
        export's row whose activity file the export does not hold: summary
        values only, not a failure).
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
        "file_not_in_export": int(((status == "imported") & reason.str.contains(_FILE_NOT_IN_EXPORT)).sum()),
    }
    for s in STATUSES:
        out[s] = int((status == s).sum())
    return out


def summary_line(log: pd.DataFrame) -> str:
    """One plain line: how many files and rows ended as what."""
    c = summarize(log)
    missing = (
        f" ({c['file_not_in_export']} of them without their activity file: not in the export)"
        if c["file_not_in_export"]
        else ""
    )
    return (
        f"import log: {c['files']} files, {c['entries']} entries: {c['runs']} runs imported{missing}, "
        f"{c['merged']} merged into a run from another source (e.g. a Strava export's FIT files), "
        f"{c['repeated']} given twice, {c['not_a_run']} not a run, {c['failed']} failed"
    )


def attention(log: pd.DataFrame) -> pd.DataFrame:
    """The import-log entries a person should look at: failed, not a run, given twice, file not in the export.

    Parameters
    ----------
    log : DataFrame
        The import log.

    Returns
    -------
    DataFrame
        Those rows of ``log`` (failed first, then repeats, runs without their
        activity file, and entries that are not a run), with a column ``what``
        saying which of the four each is; merged second sources and plain
        imports are left out.
    """
    status = log["status"].astype("string")
    reason = log["reason"].astype("string").fillna("")
    dup = status == "duplicate"
    what = pd.Series(pd.NA, index=log.index, dtype="string")
    what[status == "failed"] = "failed"
    what[dup & ~reason.str.startswith(_MERGED_PREFIXES)] = "given twice"
    what[(status == "imported") & reason.str.contains(_FILE_NOT_IN_EXPORT)] = "no activity file"
    what[status == "not_a_run"] = "not a run"
    order = {"failed": 0, "given twice": 1, "no activity file": 2, "not a run": 3}
    out = log.assign(what=what)[what.notna()]
    return out.iloc[out["what"].map(order).argsort(kind="stable")]
