"""Read the questionnaires file (FORMATS.md "Questionnaires"): long CSV ``date,instrument,item,answer``.

One row per item answered; one questionnaire = one date x instrument. This reader
checks the layout only (header, dates, instrument names, the same item twice); what
an answer may be (the scale of each item, one question-8 branch, no missing item) is
checked where it is scored, :func:`analysis.questionnaires.score_all`, which names
the file and row from ``attrs``. Hand-written on :mod:`csv` because the file is tiny
and every row needs its own message.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError

HEADER = ("date", "instrument", "item", "answer")
#: spellings accepted for each instrument (case and spaces ignored)
INSTRUMENTS: dict[str, str] = {
    "visa-a": "VISA-A", "visaa": "VISA-A", "visa-p": "VISA-P", "visap": "VISA-P",
    "visa-g": "VISA-G", "visag": "VISA-G", "faam-adl": "FAAM-ADL", "faamadl": "FAAM-ADL",
    "faam-sport": "FAAM-Sport", "faamsport": "FAAM-Sport", "faam-sports": "FAAM-Sport",
}


def read_questionnaires(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read ``questionnaires.csv``.

    Returns
    -------
    DataFrame
        Columns ``date`` (datetime64, local date), ``instrument`` (VISA-A, VISA-P,
        VISA-G, FAAM-ADL, FAAM-Sport), ``item`` (lower case, e.g. ``q8b``),
        ``answer`` (string as written, stripped) and ``row`` (file row, header = 1).
        ``attrs["path"]`` names the file.

    Raises
    ------
    RunlogError
        One line naming the file and row: a missing column, a bad date, an unknown
        instrument, an empty item or answer, or the same item twice in one questionnaire.
    """
    if isinstance(source, bytes):
        label, text = name or "questionnaires", source.decode("utf-8-sig")
    else:
        label = name or str(source)
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise RunlogError(f"cannot read the questionnaires file ({exc.strerror})", path=label) from exc
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader]
    if not rows:
        raise RunlogError("the questionnaires file is empty: write the header date,instrument,item,answer",
                          path=label)
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in HEADER if c not in header]
    if missing:
        raise RunlogError(f"column(s) {', '.join(missing)} missing: the header is date,instrument,item,answer",
                          path=label, row=1)
    at = {c: header.index(c) for c in HEADER}
    out, seen = [], {}
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        date_text, inst_text, item, answer = (cells[at[c]].strip() for c in HEADER)
        date = pd.to_datetime(date_text, format="%Y-%m-%d", errors="coerce")
        if pd.isna(date):
            raise RunlogError(f"date '{date_text}' is not YYYY-MM-DD", path=label, row=n)
        inst = INSTRUMENTS.get(inst_text.lower().replace(" ", "").replace("_", "-"))
        if inst is None:
            raise RunlogError(f"instrument '{inst_text}' is not one of VISA-A, VISA-P, VISA-G, FAAM-ADL, "
                              "FAAM-Sport", path=label, row=n)
        item = item.lower().replace(" ", "")
        if not item:
            raise RunlogError("the item is empty: write q1, q2, ... (q8a, q8b or q8c for question 8)",
                              path=label, row=n)
        if not answer:
            raise RunlogError(f"{inst} {item} has no answer: write it (FAAM: 'n/a' if not applicable)",
                              path=label, row=n)
        key = (date, inst, item)
        if key in seen:
            raise RunlogError(f"{inst} {item} of {date_text} is given twice (rows {seen[key]} and {n}): "
                              "keep one", path=label, row=n)
        seen[key] = n
        out.append({"date": date, "instrument": inst, "item": item, "answer": answer, "row": n})
    frame = pd.DataFrame(out, columns=["date", "instrument", "item", "answer", "row"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame.attrs["path"] = label
    return frame
