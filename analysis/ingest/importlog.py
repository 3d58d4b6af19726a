"""Reading the import log back: what happened to every file and row given.

The log itself is built by the readers (:func:`analysis.io.base.log_row`); this
module only summarises it, for the CLI, the report's data-quality page and the
notebook, so that all three say the same thing.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.schema import STATUSES
from analysis.units import plural

#: reasons of ``duplicate`` rows that mean "a second source of a run, merged into it"
_MERGED_PREFIXES = ("merged into", "same run as")
#: in the reason of an imported export row whose activity file the export does not hold
#: (:data:`analysis.ingest.strava_export.FILE_NOT_IN_EXPORT`)
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
        f"import log: {plural(c['files'], 'file')}, {plural(c['entries'], 'entry')}: {plural(c['runs'], 'run')} imported{missing}, "
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


_ZONE_SHIFT = re.compile(
    r"the wall times of (.+?) imply (UTC[+-]\d\d:\d\d), not the (\S+) \((UTC[+-]\d\d:\d\d)\) assumed"
)
#: where example zones are taken from, in this order (one per region)
_CITY_PREFIXES = ("Europe/", "America/", "Asia/", "Australia/", "Africa/", "Pacific/", "Atlantic/", "Indian/")


def example_zones(offset: str, when: pd.Timestamp | None = None, n: int = 2) -> list[str]:
    """Up to ``n`` IANA city zones at UTC offset ``offset`` ("UTC+08:00") at ``when`` (default now).

    One per region (Europe, America, Asia, Australia, ...), the first in
    alphabetical order: examples for a message, not a guess of the runner's zone.
    """
    from zoneinfo import ZoneInfo, available_timezones

    m = re.fullmatch(r"UTC([+-])(\d\d):(\d\d)", offset)
    if not m:
        return []
    seconds = (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    at = (when if when is not None else pd.Timestamp.now(tz="UTC")).to_pydatetime()
    names = sorted(available_timezones())
    out = []
    for prefix in _CITY_PREFIXES:
        for name in names:
            if name.startswith(prefix):
                off = at.astimezone(ZoneInfo(name)).utcoffset()
                if off is not None and off.total_seconds() == seconds:
                    out.append(name)
                    break
        if len(out) == n:
            break
    return out


def zone_note(log: pd.DataFrame) -> str | None:
    """One line when runs were merged because their wall times were read in the wrong zone, else None.

    Reads the reasons :func:`analysis.ingest.merge.merge_duplicates` writes for
    such runs: how many, which source's wall times, the UTC offset they imply
    and the zone that was assumed, with the fix (``--tz``).
    """
    reasons = log.loc[log["status"] == "duplicate", "reason"].astype("string").dropna()
    found = [m.groups() for m in (_ZONE_SHIFT.search(r) for r in reasons) if m]
    if not found:
        return None
    counts = pd.Series([f"{src}|{implied}|{zone}" for src, implied, zone, _ in found]).value_counts()
    src, implied, zone = str(counts.index[0]).split("|")
    others = len(found) - int(counts.iloc[0])
    examples = example_zones(implied)
    eg = f" (e.g. {' or '.join(examples)})" if examples else ""
    more = f"; {others} more imply other offsets" if others else ""
    return (f"{len(found)} runs were read twice, a whole number of hours apart: the wall times of {src} imply "
            f"{implied}, not {zone} as assumed{more}. Each is counted once; give --tz with the zone the runs "
            f"were recorded in{eg} so that every run gets its right local date")


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
    # (as strings: with no id in the log the map is empty and its lookup a float column)
    other = merged & (joined_id.map(owner).astype("string").fillna("(none)") != source)
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


