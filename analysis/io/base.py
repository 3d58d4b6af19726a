"""What every reader returns: runs, samples and its part of the import log.

A reader knows its format and nothing else. It never raises for a bad row: it
logs the row (``failed`` with a reason, or ``not_a_run``) and goes on. It raises
:class:`~analysis.errors.RunlogError` only when the file as a whole cannot be
read; the loader then logs the file as ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError


def read_source_bytes(source: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    """A reader's input as bytes, and the name to log for it (path, or ``name`` for bytes)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "<bytes>"
    label = name or str(source)
    try:
        return Path(source).read_bytes(), label
    except OSError as exc:
        raise RunlogError(f"cannot read the file ({exc.strerror or exc})", path=label) from exc


def log_row(
    source_file: str | Path,
    status: str,
    reason: str = "",
    *,
    row: int | None = None,
    activity_id: str | None = None,
    source: str | None = None,
) -> dict:
    """One import-log entry. ``row`` uses spreadsheet numbering (header = 1)."""
    if status not in schema.STATUSES:
        raise ValueError(f"unknown import status {status!r}")
    return {
        "source_file": str(source_file),
        "row": row,
        "status": status,
        "reason": " ".join(str(reason).split()),
        "activity_id": activity_id,
        "source": source,
    }


@dataclass
class ExportRow:
    """One record of a platform's activity table (Strava's activities.csv, Runkeeper's
    cardioActivities.csv) as read: what became of it, its run and the activity file it names.

    An export's reader (``analysis.ingest``) joins the record with that file.

    Attributes
    ----------
    row : int
        Spreadsheet row number (header = 1).
    status : {"imported", "failed", "duplicate", "not_a_run"}
        The record's import status.
    reason : str
        Why, for every status but ``imported``.
    activity_id : str or None
        ``<source>:<platform id>`` where the log names it (imported and duplicate records).
    run : dict or None
        The canonical run fields of an imported record (``date`` NaT when the reader leaves the
        local date to be taken in the runner's zone).
    filename : str
        The activity file the record names, ``/``-separated and relative to the export ("" when
        blank).
    activity_type : str
        The activity type as written (it names a non-run in the log).
    file_alone : bool
        Whether the record failed after naming a file that may still be read as
        an activity of its own (an unreadable id or value; not a blank type).
    source : str or None
        The source kind written in the log (``strava``, ``runkeeper``).
    """

    row: int
    status: str
    reason: str = ""
    activity_id: str | None = None
    run: dict | None = None
    filename: str = ""
    activity_type: str = ""
    file_alone: bool = False
    source: str | None = None

    def log_entry(self, label: str, reason: str | None = None) -> dict:
        """The record's import-log entry (``reason``, e.g. a merged file's note, comes first; an imported
        record's own notes, such as a cell left blank, follow it)."""
        if reason is None:
            text = self.reason
        elif self.reason and self.status == "imported":
            text = f"{reason}; {self.reason}"
        else:
            text = reason
        return log_row(label, self.status, text, row=self.row, activity_id=self.activity_id, source=self.source)


@dataclass
class ReadResult:
    """Canonical frames read from one or more inputs.

    Attributes
    ----------
    runs : DataFrame
        Canonical runs frame (index ``activity_id``).
    samples : DataFrame
        Canonical samples frame (long; may be empty).
    log : DataFrame
        Import log: every file and every row given, with its status.
    """

    runs: pd.DataFrame = field(default_factory=schema.empty_runs)
    samples: pd.DataFrame = field(default_factory=schema.empty_samples)
    log: pd.DataFrame = field(default_factory=schema.empty_import_log)

    @classmethod
    def build(cls, runs=None, samples=None, log_rows=None) -> ReadResult:
        """Coerce plain records/frames into canonical frames."""
        runs_df = schema.empty_runs() if runs is None or len(runs) == 0 else schema.coerce_runs(runs)
        if samples is None or len(samples) == 0:
            samples_df = schema.empty_samples()
        else:
            samples_df = schema.coerce_samples(samples)
        log_df = schema.coerce_import_log(pd.DataFrame(list(log_rows or []), columns=list(schema.IMPORT_LOG_DTYPES)))
        return cls(runs_df, samples_df, log_df)

    @staticmethod
    def concat(results: list[ReadResult]) -> ReadResult:
        """Stack several results (no de-duplication here)."""
        results = [r for r in results if r is not None]
        if not results:
            return ReadResult()
        runs = [r.runs for r in results if len(r.runs)]
        samples = [r.samples for r in results if len(r.samples)]
        logs = [r.log for r in results if len(r.log)]
        return ReadResult(
            schema.coerce_runs(pd.concat(runs)) if runs else schema.empty_runs(),
            schema.coerce_samples(pd.concat(samples, ignore_index=True)) if samples else schema.empty_samples(),
            schema.coerce_import_log(pd.concat(logs, ignore_index=True)) if logs else schema.empty_import_log(),
        )
