"""Read the pain diary (FORMATS.md, "Pain diary"): runlog's own CSV format.

Three layouts are accepted; the reader tells them apart by the header.

**Long** (one row per date x time of day x region x side)::

    date,time_of_day,region,side,pain,activity_id,notes
    2026-03-02,morning,plantar,L,4,,first steps out of bed
    2026-03-02,during,achilles,B,2,12345678901,eased after 2 km

**Wide** (one row per day, friendlier to type in a spreadsheet)::

    date,achilles_R_morning,achilles_L_morning,plantar_after,notes
    2026-03-02,2,,3,long run

**Per region** (one row per day x region x side, a column per time of day: how
diaries kept by hand for a physiotherapist are often laid out)::

    Date;Region;Side;Morning;During;After;Notes
    02.03.2026;Achilles;L;2;;3;

A wide column is ``<region>_<side>_<time of day>`` (the side may also come
last); a column without a side (``plantar_after``) means *both* sides, like
side ``B`` in the long layout. An empty wide cell means *not logged* and gives
no row: it is never pain 0. A wide ``notes`` column is copied to every entry of
that day, a wide ``activity_id`` column to that day's ``during`` and ``after``
entries only (morning pain belongs to no run).
The per-region layout reads its time-of-day columns the same way (an empty
cell is not logged; ``notes`` to every entry of the row, ``activity_id`` to its
``during`` and ``after`` entries).

Values are read case-insensitively and accept common synonyms (see
:data:`REGION_SYNONYMS`, :data:`TIME_OF_DAY_SYNONYMS`, :data:`SIDE_SYNONYMS`);
``_``, ``-`` and spaces are interchangeable (``Plantar-Fascia`` = ``plantar
fascia``), accents do not matter, and headers and values may be written in
English, German, French, Spanish, Italian, Dutch or a Scandinavian language
(``Date;When;Where;Side;Pain (0-10)``, ``Datum;Wann;Wo;Seite;Schmerz``: a
bracketed unit is ignored). Side ``B`` (both) becomes one ``L`` and one ``R``
row. Dates are ISO ``YYYY-MM-DD`` (a time after it is ignored), ``YYYY/MM/DD``,
the day-first ``DD.MM.YYYY``, or slashed ``dd/mm/yyyy`` or ``mm/dd/yyyy`` when
the file itself settles the order (a date with a day above 12); otherwise the
reader asks which it is rather than guess.

The diary may be a CSV (comma, semicolon or tab; any common encoding) or an
``.xlsx`` workbook (its first sheet that holds anything, read with openpyxl);
an old ``.xls`` or an OpenDocument sheet is refused with "save it as CSV".

What a spreadsheet diary holds is read as its writer meant it:

* an empty pain cell (or ``-``, ``n/a``) is *not logged*: the row gives no
  entry and is counted, never an error and never pain 0;
* half points and decimal commas (``3.5``, ``3,5``) are rounded half up to
  whole points (a 0-10 rating is an integer) and counted in one note;
* the same date, time of day, region and side written twice is kept (the
  day's series takes the higher value, :func:`analysis.flareups.daily_pain`);
  repeats with a different pain are reported in a note naming their rows.

What was read is summarised in ``frame.attrs["diary"]`` (:data:`READ_STATS`):
the rows, the entries, the rows not logged, the values rounded, the repeats
and conflicts, the date order, and the notes; :func:`analysis.flareups.diary_summary`
turns it into the diary summary of ``runlog check``.

Unlike the activity readers, which log a bad row and go on, a diary with a bad
row is refused as a whole: a silently dropped pain entry would bias every
flare-up count. The :class:`~analysis.errors.RunlogError` names the file and
the first bad row (spreadsheet numbering: the header is row 1), how many other
rows are bad, and how to fix it. Entirely blank rows (Excel leaves them) are
skipped.

The CSV plumbing (encoding, delimiter, spreadsheet row numbers, header
mapping, dates, bad-row reporting) is :mod:`analysis.io.table`, shared with the
drills and OSTRC readers; this module holds what is about pain diaries only.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.table import (
    CsvTable,
    fold_accents,
    header_cells,
    header_key,
    map_columns,
    normalize_token,
    parse_date,
    raise_bad_rows,
    read_table,
    slash_date_order,
)

#: the long layout's header, for messages
LONG_HEADER = "date,time_of_day,region,side,pain,activity_id,notes"


def _synonyms(canonical, words: str) -> dict:
    """``words`` (space separated) -> ``canonical``: keeps the long synonym lists readable."""
    return dict.fromkeys(words.split(), canonical)


#: source column name (:func:`analysis.io.table.header_key`: lower case, accents folded, bracketed
#: units dropped, ``_`` for separators) -> canonical pain column; English first, then de, fr, es, it,
#: nl and the Scandinavian languages
VARIABLE_MAP: dict[str, str] = {
    **_synonyms("date", "date day datum dato fecha data dia jour tag dag"),
    **_synonyms(
        "time_of_day",
        "time_of_day time when timing moment tageszeit zeitpunkt zeit wann moment_de_la_journee quand "
        "momento cuando quando tijdstip wanneer tidspunkt tid nar",
    ),
    **_synonyms(
        "region",
        "region site location body_part body_area area where wo stelle korperstelle ort bereich zone "
        "localisation endroit ou zona lugar donde regione dove plek waar locatie omrade sted hvor plats var",
    ),
    **_synonyms("side", "side laterality seite cote lado lato kant zijde sida"),
    **_synonyms(
        "pain",
        "pain pain_score pain_level nrs score schmerz schmerzen schmerzstarke douleur dolor dolore pijn "
        "smerte smerter smarta",
    ),
    **_synonyms("activity_id", "activity_id activity run_id strava_id"),
    **_synonyms("reps", "reps repetitions repeats wiederholungen repetitions_test"),
    **_synonyms(
        "notes",
        "notes note comment comments notiz notizen bemerkung bemerkungen kommentar remarque remarques "
        "commentaire commentaires nota notas notizie opmerking opmerkingen notitie anteckning",
    ),
}

#: synonym (normalised) -> canonical region (schema.REGIONS)
REGION_SYNONYMS: dict[str, str] = {
    "plantar": "plantar",
    "plantar fascia": "plantar",
    "plantar fasciitis": "plantar",
    "plantar fasciopathy": "plantar",
    "heel": "plantar",
    "achilles": "achilles",
    "achilles tendon": "achilles",
    "achilles tendinopathy": "achilles",
    "achilles tendinitis": "achilles",
    "patellar": "patellar",
    "patella": "patellar",
    "patellar tendon": "patellar",
    "patella tendon": "patellar",
    "patellar tendinopathy": "patellar",
    "knee": "patellar",
    "glute": "glute",
    "glutes": "glute",
    "gluteal": "glute",
    "gluteal tendon": "glute",
    "gluteus medius": "glute",
    "glute med": "glute",
    "hip": "glute",
    "buttock": "glute",
    # de, fr, es, it, nl, da/no/sv
    **_synonyms("plantar", "plantarfaszie ferse fasciite talon fascitis hiel hael"),
    "fascia plantaire": "plantar",
    "fascia plantar": "plantar",
    "fascite plantare": "plantar",
    "fasciitis plantaris": "plantar",
    **_synonyms("achilles", "achillessehne achille aquiles achillespees akillessene akillessena halsena"),
    "tendon d achille": "achilles",
    "tendon dachille": "achilles",
    "tendon de aquiles": "achilles",
    "tendine d achille": "achilles",
    "tendine dachille": "achilles",
    **_synonyms("patellar", "patellasehne knie genou rodilla ginocchio kne kna"),
    "tendon rotulien": "patellar",
    "tendon rotuliano": "patellar",
    "tendine rotuleo": "patellar",
    "patellapees": "patellar",
    **_synonyms("glute", "gesass hufte fessier fessiers hanche gluteo gluteos cadera anca bil heup hofte hoft"),
}

#: synonym (normalised) -> canonical time of day (schema.TIMES_OF_DAY)
TIME_OF_DAY_SYNONYMS: dict[str, str] = {
    "morning": "morning",
    "am": "morning",
    "a m": "morning",
    "first steps": "morning",
    "first step": "morning",
    "next morning": "morning",
    "during": "during",
    "during run": "during",
    "run": "during",
    "while running": "during",
    "after": "after",
    "after run": "after",
    "post": "after",
    "post run": "after",
    "afterwards": "after",
    # de, fr, es, it, nl, da/no/sv
    **_synonyms("morning", "morgen morgens fruh matin manana mattina ochtend morgon"),
    "am morgen": "morning",
    "le matin": "morning",
    "por la manana": "morning",
    **_synonyms("during", "wahrend pendant durante tijdens under"),
    "beim laufen": "during",
    **_synonyms("after", "nach danach nachher apres despues dopo daarna efter etter"),
}

#: synonym (normalised) -> canonical sides; B (both) expands to L and R
SIDE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "l": ("L",),
    "left": ("L",),
    "r": ("R",),
    "right": ("R",),
    "b": ("L", "R"),
    "both": ("L", "R"),
    "bilateral": ("L", "R"),
    # de, fr, es, it, nl, da/no/sv
    **_synonyms(("L",), "links gauche g izquierda izquierdo i sinistra sinistro venstre vanster"),
    **_synonyms(("R",), "rechts droite droit d derecha derecho destra destro hojre hoyre hoger"),
    **_synonyms(("L", "R"), "beide beidseitig deux ambos ambas entrambi begge bada"),
    "les deux": ("L", "R"),
}

#: pain cells that mean "not logged" (besides an empty cell)
NOT_LOGGED: frozenset[str] = frozenset({"-", "\u2013", "\u2014", "na", "n/a", "n.a."})

#: the keys of ``frame.attrs["diary"]``, what :func:`read_pain_diary` read
READ_STATS: tuple[str, ...] = (
    "file",
    "layout",
    "rows",
    "entries",
    "not_logged",
    "rounded",
    "repeats",
    "conflicts",
    "date_order",
    "notes",
)


@lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    """A value as looked up in the synonym tables: :func:`normalize_token` with accents folded.

    Memoised: a diary repeats a handful of region, side and time words on every row (``runlog week``
    reads the diary on every call, and this was a third of its reading time)."""
    return normalize_token(fold_accents(text))

def canonical_region(text: str) -> str | None:
    """The schema region named by ``text`` (synonyms accepted), or None."""
    return REGION_SYNONYMS.get(_norm(text))


def canonical_time_of_day(text: str) -> str | None:
    """The schema time of day named by ``text`` (synonyms accepted), or None."""
    return TIME_OF_DAY_SYNONYMS.get(_norm(text))


def canonical_sides(text: str) -> tuple[str, ...] | None:
    """The sides named by ``text``: ``("L",)``, ``("R",)``, ``("L", "R")`` for both, or None."""
    return SIDE_SYNONYMS.get(_norm(text))


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WIDE_COLUMN = re.compile(
    rf"^(?P<region>{_alternatives(REGION_SYNONYMS)})"
    rf"(?:(?: (?P<side>{_alternatives(SIDE_SYNONYMS)}))? (?P<time>{_alternatives(TIME_OF_DAY_SYNONYMS)})"
    rf"|(?: (?P<time2>{_alternatives(TIME_OF_DAY_SYNONYMS)}) (?P<side2>{_alternatives(SIDE_SYNONYMS)})))$"
)


def parse_wide_column(header: str) -> tuple[str, tuple[str, ...], str] | None:
    """``"achilles_R_morning"`` -> ``("achilles", ("R",), "morning")``; no side = both; else None."""
    m = _WIDE_COLUMN.match(_norm(header))
    if m is None:
        return None
    side = m.group("side") or m.group("side2")
    time = m.group("time") or m.group("time2")
    sides = SIDE_SYNONYMS[side] if side else ("L", "R")
    return REGION_SYNONYMS[m.group("region")], sides, TIME_OF_DAY_SYNONYMS[time]


def parse_pain(text: str) -> int | None:
    """A pain score 0-10 as a whole number (``4``, ``4.0``, ``4,0``; ``3.5`` -> 4); None when it is not one.

    A fraction is rounded half up (``2.5`` -> 3, ``2.4`` -> 2): the scale is an
    integer 0-10 numeric rating (METHODS.md 4) and, between two points, the
    higher is the safer reading of a pain diary.
    """
    s = str(text).strip().replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    if not 0 <= value <= 10:  # NaN fails too
        return None
    return int(math.floor(value + 0.5))


def _is_whole(text: str) -> bool:
    try:
        return float(str(text).strip().replace(",", ".")).is_integer()
    except ValueError:
        return False


def _not_logged(text: str) -> bool:
    return not text or text.strip().lower() in NOT_LOGGED


_LONG_NEEDS: tuple[str, ...] = ("time_of_day", "region", "side", "pain")
_DATE_FORMS = "YYYY-MM-DD (or DD.MM.YYYY, or dd/mm/yyyy)"


def _header_problem(table: CsvTable, cols: dict[str, int]) -> str:
    """Why a header fits neither layout, naming the columns not understood and the fix."""
    shown = ";".join(table.header)
    unknown = [c for pos, c in enumerate(table.header) if pos not in cols.values() and c]
    missing = [c for c in ("date", *_LONG_NEEDS) if c not in cols]
    if len(unknown) == len(missing) == 1:
        fix = f"rename column '{unknown[0]}' to '{missing[0]}'"
    elif unknown:
        fix = (
            f"columns not understood: {', '.join(repr(c) for c in unknown[:6])}; rename them to "
            f"{LONG_HEADER} (the long layout) or to <region>_<side>_<time of day> such as achilles_R_morning "
            "(the wide layout)"
        )
    else:
        fix = (
            f"add the columns {LONG_HEADER} (the long layout) or date,achilles_R_morning,... "
            "(the wide layout)"
        )
    return f"the header ({shown}) has no {' or '.join(repr(m) for m in missing)} column: {fix}"


def _layout(table: CsvTable) -> tuple[str, dict[str, int], dict[int, tuple[str, tuple[str, ...], str]]]:
    cols = map_columns(table, VARIABLE_MAP, key=header_key)
    if "date" not in cols:
        raise RunlogError(_header_problem(table, cols), path=table.label, row=1)
    long_found = [c for c in _LONG_NEEDS if c in cols]
    if len(long_found) == len(_LONG_NEEDS):
        _refuse_pain_beside_the_pain_column(table, cols)
        return "long", cols, {}
    times = _time_columns(table, cols)
    if times:
        return "per region", cols, times
    wide: dict[int, tuple[str, tuple[str, ...], str]] = {}
    unknown = []
    for pos, cell in enumerate(table.header):
        if pos in cols.values():
            continue
        parsed = parse_wide_column(cell)
        if parsed is None:
            unknown.append(cell)
        else:
            wide[pos] = parsed
    if not wide or (long_found and "pain" in long_found):
        raise RunlogError(_header_problem(table, cols), path=table.label, row=1)
    if unknown:
        raise RunlogError(
            f"column '{unknown[0]}' is not <region>_<side>_<time of day> (e.g. achilles_R_morning): rename it "
            "or delete it",
            path=table.label,
            row=1,
        )
    return "wide", cols, wide


def _refuse_pain_beside_the_pain_column(table: CsvTable, cols: dict[str, int]) -> None:
    """Refuse a long diary with a column per time of day (``Morning``) or a wide column holding pain values.

    The long layout reads pain from its ``pain`` column only: such a column's values would be dropped
    unseen. A column so named that holds no pain value (a run's name under ``run``) stays ignored.
    """
    for pos, cell in enumerate(table.header):
        if pos in cols.values() or not cell.strip():
            continue
        if not (canonical_time_of_day(cell) or canonical_time_of_day(header_key(cell)) or parse_wide_column(cell)):
            continue
        if any(pos < len(cells) and not _not_logged(cells[pos]) and parse_pain(cells[pos]) is not None
               for _, cells in table.rows):
            raise RunlogError(
                f"column '{cell}' holds pain values beside the '{table.header[cols['pain']]}' column: write "
                f"the diary in one layout ({LONG_HEADER}, or a column per time of day without "
                "time_of_day and pain columns)",
                path=table.label,
                row=1,
            )


def _time_columns(table: CsvTable, cols: dict[str, int]) -> dict[int, tuple[str, tuple[str, ...], str]]:
    """The per-region layout's time-of-day columns (``Morning``, ``After (0-10)``), or {} when it is not that layout.

    It is that layout when ``region`` and ``side`` are columns, ``time_of_day`` and ``pain`` are not, and every
    other named column is a time of day.
    """
    if not {"region", "side"} <= cols.keys() or {"time_of_day", "pain"} & cols.keys():
        return {}
    times = {}
    for pos, cell in enumerate(table.header):
        if pos in cols.values() or not cell.strip():
            continue
        time = canonical_time_of_day(cell) or canonical_time_of_day(header_key(cell))
        if time is None:
            return {}
        times[pos] = ("", (), time)
    return times


class _Reading:
    """What reading the rows found besides the entries: bad rows, rows not logged, values rounded."""

    def __init__(self, table: CsvTable, date_column: int) -> None:
        self.table = table
        self.bad: list[tuple[int, str]] = []
        self.not_logged = 0
        self.tests: list[dict] = []  # loading-test rows (test:<name>), METHODS.md 10
        self.rounded: list[tuple[int, str]] = []
        self._dates: dict[str, pd.Timestamp | None] = {}
        self._pains: dict[str, tuple[int | None, bool]] = {}
        dates = [cells[date_column] for _, cells in table.rows]
        self.date_order, example = slash_date_order(dates)
        if self.date_order == "mixed":
            raise RunlogError(
                f"the dates mix day/month and month/day orders ({example}): write every date as YYYY-MM-DD",
                path=table.label,
            )
        if self.date_order is None and example is not None:
            row = next(r for r, cells in table.rows if cells[date_column].strip() == example)
            raise RunlogError(
                f"is '{example}' day/month or month/day? No date in the file has a day above 12 to tell. "
                "Write the dates as YYYY-MM-DD (e.g. 2026-02-03), or set the date column's format to one "
                "with the month's name, and save again",
                path=table.label,
                row=row,
                line=table.lines.get(row),
            )

    def date(self, row: int, text: str) -> pd.Timestamp | None:
        if text not in self._dates:  # each date is on several rows: parse it once
            self._dates[text] = parse_date(text, slash_order=self.date_order)
        date = self._dates[text]
        if date is None:
            self.bad.append((row, f"date '{text}' is not a date: write it as {_DATE_FORMS}"))
        return date

    def pain(self, row: int, text: str, where: str = "") -> int | None:
        if text not in self._pains:  # a diary holds a few distinct pain texts: parse each once
            self._pains[text] = (parse_pain(text), _is_whole(text))
        pain, whole = self._pains[text]
        if pain is None:
            self.bad.append(
                (row, f"pain '{text}'{where} is not 0-10: write a number from 0 (none) to 10 (worst), or leave "
                 "the cell empty when not logged")
            )
        elif not whole:
            self.rounded.append((row, text))
        return pain


def _long_rows(table: CsvTable, cols: dict[str, int], reading: _Reading) -> list[dict]:
    out = []

    def cell(cells, key):
        return cells[cols[key]] if key in cols else ""

    for row, cells in table.rows:
        if _not_logged(cell(cells, "pain")):
            reading.not_logged += 1
            continue
        date = reading.date(row, cell(cells, "date"))
        if date is None:
            continue
        if _test_name(cell(cells, "time_of_day")) is not None:
            _test_row(reading, row, date, cell(cells, "time_of_day"), cell(cells, "region"), cell(cells, "side"),
                      cell(cells, "pain"), cell(cells, "reps"))
            continue
        time = canonical_time_of_day(cell(cells, "time_of_day"))
        region = canonical_region(cell(cells, "region"))
        sides = canonical_sides(cell(cells, "side"))
        if time is None:
            reading.bad.append(
                (row, f"time of day '{cell(cells, 'time_of_day')}' is not morning, during or after: write one "
                 "of those")
            )
        elif region is None:
            reading.bad.append(
                (row, f"region '{cell(cells, 'region')}' is not plantar, achilles, patellar or glute: write one "
                 "of those (other body parts are not analysed: leave such rows out)")
            )
        elif sides is None:
            reading.bad.append((row, f"side '{cell(cells, 'side')}' is not L, R or B: write L, R or B (both)"))
        else:
            pain = reading.pain(row, cell(cells, "pain"))
            if pain is None:
                continue
            for side in sides:
                out.append(
                    {
                        "date": date,
                        "time_of_day": time,
                        "region": region,
                        "side": side,
                        "pain": pain,
                        "activity_id": cell(cells, "activity_id") or None,
                        "notes": cell(cells, "notes") or None,
                        "_row": row,
                    }
                )
    return out


#: loading tests named in FORMATS.md (others are kept as written and reported)
LOADING_TESTS: tuple[str, ...] = ("single_leg_heel_raise", "hop", "decline_squat", "single_leg_stance")
LOADING_TEST_COLUMNS = ["date", "test", "region", "side", "pain", "reps", "row"]


@lru_cache(maxsize=1024)
def _test_name(text: str) -> str | None:
    """``test:<name>`` -> the name (lower case, spaces and dashes as ``_``), else None."""
    t = str(text or "").strip().lower()
    if not t.startswith("test:"):
        return None
    return re.sub(r"[\s\-]+", "_", t[5:].strip()) or "unnamed"


def _test_row(reading, row: int, date, time_text: str, region_text: str, side_text: str, pain_text: str,
              reps_text: str) -> None:
    """A loading-test row (FORMATS.md: ``time_of_day`` ``test:<name>``, optional ``reps``) into ``reading.tests``."""
    region, sides = canonical_region(region_text), canonical_sides(side_text)
    if region is None:
        reading.bad.append((row, f"region '{region_text}' is not plantar, achilles, patellar or glute"))
        return
    if sides is None:
        reading.bad.append((row, f"side '{side_text}' is not L, R or B: write L, R or B (both)"))
        return
    pain = reading.pain(row, pain_text)
    if pain is None:
        return
    reps = None
    if str(reps_text or "").strip():
        try:
            reps = float(str(reps_text).replace(",", "."))
        except ValueError:
            reps = -1.0
        if not (reps >= 0 and reps == int(reps)):
            reading.bad.append((row, f"reps '{reps_text}' is not a whole number of repetitions: write e.g. 18 "
                                "or leave it empty"))
            return
    for side in sides:
        reading.tests.append({"date": date, "test": _test_name(time_text), "region": region, "side": side,
                              "pain": pain, "reps": reps, "row": row})


def loading_tests(pain: pd.DataFrame) -> pd.DataFrame:
    """The loading-test rows of a diary read by :func:`read_pain_diary` (METHODS.md 10).

    Returns
    -------
    DataFrame
        :data:`LOADING_TEST_COLUMNS`: ``date``, ``test`` (e.g. ``single_leg_heel_raise``; other names kept
        as written), ``region``, ``side`` (L/R), ``pain`` (0-10 during the test), ``reps`` (float, NaN when
        not given) and ``row`` (file row). Empty when the diary has none.
    """
    rows = (pain.attrs.get("diary") or {}).get("loading_tests") or []
    frame = pd.DataFrame(rows, columns=LOADING_TEST_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["pain"] = frame["pain"].astype(float)
    frame["reps"] = pd.to_numeric(frame["reps"], errors="coerce").astype(float)
    return frame


def _wide_rows(
    table: CsvTable,
    cols: dict[str, int],
    wide: dict[int, tuple[str, tuple[str, ...], str]],
    reading: _Reading,
) -> list[dict]:
    out = []
    for row, cells in table.rows:
        if all(_not_logged(cells[pos]) for pos in wide):
            reading.not_logged += 1
            continue
        date = reading.date(row, cells[cols["date"]])
        if date is None:
            continue
        notes = cells[cols["notes"]] if "notes" in cols else ""
        activity = cells[cols["activity_id"]] if "activity_id" in cols else ""
        for pos, (region, sides, time) in wide.items():
            text = cells[pos]
            if _not_logged(text):
                continue
            pain = reading.pain(row, text, f" in column '{table.header[pos]}'")
            if pain is None:
                break
            for side in sides:
                out.append(
                    {
                        "date": date,
                        "time_of_day": time,
                        "region": region,
                        "side": side,
                        "pain": pain,
                        "activity_id": (activity or None) if time != "morning" else None,
                        "notes": notes or None,
                        "_row": row,
                    }
                )
    return out


def _per_region_rows(table: CsvTable, cols: dict[str, int], times: dict[int, tuple[str, tuple[str, ...], str]],
                     reading: _Reading) -> list[dict]:
    """The per-region layout's entries: each row's logged time-of-day cells read as long rows (same checks)."""
    long_cols = {"date": 0, "time_of_day": 1, "region": 2, "side": 3, "pain": 4, "activity_id": 5, "notes": 6}
    rows = []
    for row, cells in table.rows:
        logged = [(pos, time) for pos, (_, _, time) in times.items() if not _not_logged(cells[pos])]
        if not logged:
            reading.not_logged += 1
            continue
        activity = cells[cols["activity_id"]] if "activity_id" in cols else ""
        notes = cells[cols["notes"]] if "notes" in cols else ""
        for pos, time in logged:
            rows.append((row, [cells[cols["date"]], time, cells[cols["region"]], cells[cols["side"]], cells[pos],
                               activity if time != "morning" else "", notes]))
    records = _long_rows(_Rows(rows), long_cols, reading)
    # a row is read once per logged time of day: its bad date, region or side once, as a bad row
    first: dict[int, str] = {}
    for row, why in reading.bad:
        first.setdefault(row, why)
    reading.bad = list(first.items())
    return records


class _Rows:
    """Rows as :func:`_long_rows` reads them (``.rows``: spreadsheet row number, cells)."""

    def __init__(self, rows: list[tuple[int, list[str]]]) -> None:
        self.rows = rows


def _repeats(records: list[dict]) -> tuple[int, list[str]]:
    """Entries repeating a date x time of day x region x side, and a line per repeat with another pain."""
    seen: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for r in records:
        seen[(r["date"], r["time_of_day"], r["region"], r["side"])].append((r["_row"], r["pain"]))
    repeats = sum(len(v) - 1 for v in seen.values())
    conflicts = []
    for (date, time, region, side), entries in seen.items():
        if len({p for _, p in entries}) > 1:
            rows = sorted({r for r, _ in entries})
            where = f"row{'s' if len(rows) > 1 else ''} {', '.join(str(r) for r in rows)}"
            pains = " and ".join(str(p) for p in sorted({p for _, p in entries}))
            conflicts.append(f"{date:%Y-%m-%d} {region} {side} {time}: pain {pains} ({where})")
    return repeats, conflicts


def _stats(table: CsvTable, layout: str, reading: _Reading, records: list[dict]) -> dict:
    """``frame.attrs["diary"]``: what was read (:data:`READ_STATS`), with the notes a person should see."""
    repeats, conflicts = _repeats(records)
    notes = []
    if reading.not_logged:
        notes.append(f"{reading.not_logged} rows with an empty pain cell: not logged (no entry, never pain 0)")
    if reading.rounded:
        row, text = reading.rounded[0]
        notes.append(
            f"{len(reading.rounded)} pain values with a fraction rounded half up to whole points "
            f"(row {row}: {text} -> {parse_pain(text)})"
        )
    if reading.date_order in ("dmy", "mdy"):
        order = "day/month" if reading.date_order == "dmy" else "month/day"
        notes.append(f"slashed dates read as {order}/year")
    if conflicts:
        more = f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else ""
        notes.append(
            f"{len(conflicts)} entries written twice with different pain; the higher counts: "
            + "; ".join(conflicts[:3])
            + more
        )
    return {
        "file": table.label,
        "layout": layout,
        "rows": len(table.rows),
        "entries": len(records),
        "not_logged": reading.not_logged,
        "rounded": len(reading.rounded),
        "repeats": repeats,
        "conflicts": len(conflicts),
        "date_order": reading.date_order,
        "notes": notes,
    }


def sniff(head: bytes, name: str) -> bool:
    """True when the first bytes look like a pain diary (long, wide or per-region layout)."""
    cells = header_cells(head[:4096])
    keys = {VARIABLE_MAP.get(header_key(c)) for c in cells}
    if "date" not in keys:
        return False
    if {"time_of_day", "region", "pain"} <= keys or any(parse_wide_column(c) for c in cells):
        return True
    return ({"region", "side"} <= keys and not keys & {"time_of_day", "pain"}
            and any(canonical_time_of_day(header_key(c)) for c in cells))


def read_pain_diary(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a pain diary, long, wide or per-region layout, CSV or ``.xlsx``, into the canonical pain frame.

    Parameters
    ----------
    source : str, Path or bytes
        The diary (CSV or ``.xlsx``, told apart by content), or its content.
    name : str, optional
        The file name to use in messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Canonical pain frame (:data:`analysis.schema.PAIN_DTYPES`): ``date``
        (local calendar date), ``time_of_day``, ``region``, ``side`` (L/R),
        ``pain`` (0-10 numeric rating, integer), ``activity_id`` (as written in
        the diary, e.g. a bare Strava id), ``notes``. Sorted by date, stable
        otherwise. Only entries that were written appear: a missing entry or an
        empty pain cell means *not logged*, never 0. ``attrs["diary"]`` holds
        what was read (:data:`READ_STATS`): ``rows`` (data rows),
        ``entries``, ``not_logged`` (rows with an empty pain cell),
        ``rounded`` (values with a fraction), ``repeats`` (entries repeating a
        date x time of day x region x side), ``conflicts`` (such repeats with
        another pain), ``date_order`` and ``notes`` (one line each).

    Raises
    ------
    RunlogError
        Naming the file and the first bad row (header = row 1) and how to fix
        it: unparseable date, unknown time of day / region / side, pain
        outside 0-10; slashed dates whose day/month order the file does not
        settle; a header that fits neither layout (naming the columns not
        understood); an ``.xls`` or ``.ods`` workbook ("save it as CSV").

    Notes
    -----
    Duplicate entries (the same date, time of day, region and side twice, e.g.
    ``B`` and ``L`` on one day) are all kept; :func:`analysis.flareups.daily_pain`
    takes their maximum. A fraction is rounded half up (:func:`parse_pain`).

    References
    ----------
    FORMATS.md, "Pain diary"; METHODS.md 4 (0-10 numeric rating, times of day).
    """
    table = read_table(source, name=name)
    layout, cols, wide = _layout(table)
    reading = _Reading(table, cols["date"])
    if layout == "long":
        records = _long_rows(table, cols, reading)
    elif layout == "per region":
        records = _per_region_rows(table, cols, wide, reading)
    else:
        records = _wide_rows(table, cols, wide, reading)
    raise_bad_rows(table.label, reading.bad, table.lines)
    stats = _stats(table, layout, reading, records)
    if reading.tests:
        names = sorted({t["test"] for t in reading.tests})
        other = [n for n in names if n not in LOADING_TESTS]
        stats["notes"].append(f"{len(reading.tests)} loading-test entries ({', '.join(names)}) read apart from "
                              "the pain items" + (f"; not a named test, kept as written: {', '.join(other)}"
                                                  if other else ""))
    stats["loading_tests"] = reading.tests
    frame = pd.DataFrame.from_records(records, columns=list(schema.PAIN_DTYPES))
    frame = schema.coerce_pain(frame)
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    frame.attrs["diary"] = stats
    return frame
