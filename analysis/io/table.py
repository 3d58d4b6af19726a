"""Read small user-written CSV tables: encoding, delimiter, header mapping, dates, bad rows.

The pain diary, drills log and OSTRC readers read files a person typed in a
spreadsheet or a text editor. This module holds what they share:

* :func:`decode_text`: UTF-8 (with or without BOM), else UTF-16 (with BOM),
  else Windows-1252 (what Excel writes on Windows), else Latin-1, so decoding
  never fails;
* :func:`header_delimiter`: ``,`` ``;`` or tab, whichever splits the header
  line into the most fields (quotes respected; a tie goes to the comma);
* :func:`read_csv_table`: the records with their spreadsheet row numbers;
* :func:`map_columns`: header cells to canonical column names through a
  reader's synonym map, :func:`normalize_token` making case and separators
  irrelevant;
* :func:`parse_date`: ISO, ``YYYY/MM/DD`` and day-first dotted dates, and
  slashed ``dd/mm/yyyy`` or ``mm/dd/yyyy`` once :func:`slash_date_order` has
  told the order from the whole file (a day above 12);
* :func:`read_table`: a CSV, or the first sheet of an ``.xlsx`` workbook
  (:func:`read_xlsx_table`, with openpyxl), as the same :class:`CsvTable`;
  an old ``.xls`` or an OpenDocument sheet is refused with "save it as CSV";
* :func:`raise_bad_rows`: one error naming the first bad row and counting the
  others (a diary with a bad row is refused whole);
* :func:`header_cells`: the header of a file's first bytes, for ``sniff``.

:mod:`analysis.io.generic_csv` uses :func:`decode_text`,
:func:`header_delimiter` and :func:`header_cells` too; it reads its records
itself, because there a bad record fails alone instead of refusing the file.
:mod:`analysis.io.garmin`, :mod:`analysis.io.strava` and
:mod:`analysis.io.shoes` (which adds a ``|`` fallback of its own) decode and
find their delimiter here as well, and the loader (:mod:`analysis.io`)
recognises side files by :func:`header_cells`.
Numbers as people write them (decimal commas, thousands separators,
placeholders) are read by :mod:`analysis.io.numbers`, one cell or a whole
column at a time.

Written by hand on top of :mod:`csv` rather than with
:func:`pandas.read_csv`, because a reader must know the spreadsheet row of
every record, blank ones included, to name bad rows; and rather than with
:class:`csv.Sniffer`, which guesses the delimiter from the whole sample and is
thrown by commas inside quoted text and by decimal commas.

References
----------
RFC 4180, Common Format and MIME Type for CSV Files; Python :mod:`csv` and
:mod:`codecs` documentation (incremental decoders); The Unicode Standard,
section 23.8 (byte order mark); ISO 8601 (dates).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ExportRow, read_source_bytes

#: delimiters tried on the header line, in order of preference on a tie
DELIMITERS: tuple[str, ...] = (",", ";", "\t")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SEPARATORS = re.compile(r"[\s_\-./]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DMY_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?$")
#: what a spreadsheet file starts with: a zip (xlsx, ods) or an OLE2 compound file (xls)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_UNDECOMPOSED = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                               "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
                               "ı": "i"})
#: how to save a sheet as CSV, for messages
SAVE_AS_CSV = "save it as CSV (File > Save As > CSV UTF-8) and give that file"


@dataclass(frozen=True)
class CsvTable:
    """A small CSV file read with spreadsheet row numbers.

    Attributes
    ----------
    label : str
        The file as named in messages.
    header : list of str
        Header cells, stripped, in file order (empty trailing cells dropped).
    rows : list of (int, list of str)
        Each non-blank record after the header with its spreadsheet row number
        (header = row 1; blank lines count; a quoted line break does not start
        a new row), cells stripped and padded to the header's width.
    overlong : list of (int, str)
        With ``read_csv_table(..., overlong="keep")``: each record with more non-empty cells than
        the header (not in ``rows``), with its row number and the reason to log.
    short : dict of int to int
        Row number -> number of cells of each record in ``rows`` with fewer cells than the header
        (padded with empty cells in ``rows``): a reader with a log says so (:func:`short_row`).
    lines : dict of int to int
        Row number -> the line of the file (1-based, as a text editor numbers them) the record
        starts on, for the records where the two differ: after a quoted cell holding a line break.
        Empty for nearly every file (:func:`where`).
    """

    label: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    overlong: list[tuple[int, str]] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)


def decode_text(raw: bytes, *, truncated: bool = False) -> str:
    """Decode a user-written text file; never fails.

    Parameters
    ----------
    raw : bytes
        The file's content.
    truncated : bool
        True when ``raw`` is a head cut at an arbitrary byte (for sniffing): a
        character cut in two at the end is dropped instead of making the UTF-8
        or UTF-16 decoding fail.

    Returns
    -------
    str
        The text, BOM removed: UTF-16 when the content starts with a UTF-16 BOM
        (damaged pairs replaced by U+FFFD); else UTF-8 (with or without BOM);
        else Windows-1252; else Latin-1 (which maps every byte).

    References
    ----------
    The Unicode Standard, section 23.8 (byte order mark); Python :mod:`codecs`,
    incremental decoders.
    """
    if raw.startswith(_UTF16_BOMS):
        # the BOM says UTF-16: a damaged pair becomes U+FFFD rather than the whole
        # file being read as Windows-1252 garbage
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(raw, final=not truncated)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=not truncated)
    except UnicodeDecodeError:
        pass
    if raw.startswith(codecs.BOM_UTF8):  # a UTF-8 file with one byte from elsewhere
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def first_line(text: str) -> str:
    """The first line of ``text`` holding more than white space, or ``""``."""
    return next((line for line in text.splitlines() if line.strip()), "")


def header_delimiter(header_line: str) -> str:
    """The delimiter among ``,`` ``;`` tab that splits the header line into the most fields.

    Fields are counted with :func:`csv.reader`, so a delimiter inside quotes
    does not count. On a tie (a one-column header) the comma wins, then ``;``.

    Parameters
    ----------
    header_line : str
        The header line (see :func:`first_line`).

    Returns
    -------
    str
        One of :data:`DELIMITERS`.
    """
    counts = {}
    for d in DELIMITERS:
        try:
            counts[d] = len(next(csv.reader([header_line], delimiter=d), []))
        except csv.Error:  # a cell over the csv field limit: count the characters instead
            counts[d] = header_line.count(d) + 1
    return max(counts, key=lambda d: (counts[d], d == ","))


def header_cells(head: bytes) -> list[str]:
    """The header cells of a file's first bytes, for ``sniff`` functions; never raises.

    Parameters
    ----------
    head : bytes
        The start of the file, possibly cut at any byte.

    Returns
    -------
    list of str
        The cells of the first non-blank line, split on its
        :func:`header_delimiter`, stripped of white space and quotes; empty
        when there is no such line.
    """
    line = first_line(decode_text(head, truncated=True))
    if not line:
        return []
    try:
        cells = next(csv.reader([line], delimiter=header_delimiter(line)), [])
    except csv.Error:
        return []
    return [cell.strip().strip("\"'") for cell in cells]


def normalize_token(text: str) -> str:
    """Lower case, apostrophes dropped, any run of ``_ - . /`` or spaces made one space.

    Examples
    --------
    >>> normalize_token(" Plantar-Fascia ")
    'plantar fascia'
    >>> normalize_token("Time_of.Day")
    'time of day'
    """
    text = str(text).strip().lower().replace("'", "").replace("\u2019", "")
    return _SEPARATORS.sub(" ", text).strip()


def column_key(cell: str) -> str:
    """A header cell as looked up in a reader's variable map: ``"Time of Day"`` -> ``"time_of_day"``."""
    return normalize_token(cell).replace(" ", "_")


def fold_accents(text: str) -> str:
    """``"Körperstelle"`` -> ``"Korperstelle"``: letters without their accents (Unicode NFKD; ``ß`` -> ``ss``,
    ``ø`` -> ``o``, ``æ`` -> ``ae``, ``œ`` -> ``oe``, which do not decompose)."""
    text = unicodedata.normalize("NFKD", str(text).translate(_UNDECOMPOSED))
    return "".join(c for c in text if not unicodedata.combining(c))


def alnum_key(text: object) -> str:
    """Letters and digits only, casefolded, accents folded: ``"Distância (km)"`` -> ``"distanciakm"``.

    The key of the platform readers' alias tables (Garmin, Strava), whose headers
    and activity types come translated, with units, punctuation and spacing that
    vary between exporter versions.
    """
    return "".join(c for c in fold_accents(str(text).casefold()) if c.isalnum())


def header_key(cell: str) -> str:
    """A header cell as a language-tolerant key: accents folded, bracketed units dropped.

    ``"Pain (0-10)"`` -> ``"pain"``, ``"Côté"`` -> ``"cote"``, ``"Schmerz [NRS]"``
    -> ``"schmerz"``; otherwise as :func:`column_key`.
    """
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", fold_accents(cell))
    return column_key(text)


def slash_date_order(texts: Iterable[str]) -> tuple[str | None, str | None]:
    """Tell ``dd/mm/yyyy`` from ``mm/dd/yyyy`` by the whole column of dates.

    Parameters
    ----------
    texts : iterable of str
        Every date cell of a file.

    Returns
    -------
    (order, example)
        ``order`` is ``"dmy"`` when some slashed date has a first number
        above 12 (a day), ``"mdy"`` when some has a second number above 12,
        ``"mixed"`` when both occur (the file mixes the two orders), and None
        when no slashed date settles it (or there are none). ``example`` is a
        slashed date that shows it (for ``"mixed"``: the two, joined by
        ``" and "``), or the first slashed date when nothing settles it.
    """
    first = day_first = month_first = None
    for text in texts:
        m = _SLASHED.match(str(text).strip())
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        first = first or text.strip()
        if a > 12 and day_first is None:
            day_first = text.strip()
        if b > 12 and month_first is None:
            month_first = text.strip()
    if day_first and month_first:
        return "mixed", f"{day_first} and {month_first}"
    if day_first:
        return "dmy", day_first
    if month_first:
        return "mdy", month_first
    return None, first


def parse_date(text: str, *, slash_order: str | None = None) -> pd.Timestamp | None:
    """A calendar date as naive midnight, or None when it is not one.

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD`` (ISO 8601; a time after it is ignored), ``YYYY/MM/DD``
        or the day-first ``DD.MM.YYYY``. Slashed day/month orders
        (``03/02/2026``) are read only with ``slash_order``.
    slash_order : {"dmy", "mdy"}, optional
        The order of ``NN/NN/YYYY`` dates, as :func:`slash_date_order` found
        it in the file; without it such dates are refused as ambiguous.

    Returns
    -------
    Timestamp or None
        None when the text matches no form or names no real day (``2026-02-30``).
    """
    s = str(text).strip()
    forms = [(_ISO_DATE, "ymd"), (_YMD_SLASH, "ymd"), (_DMY_DOT, "dmy")]
    if slash_order in ("dmy", "mdy"):
        forms.append((_SLASHED, slash_order))
    for pattern, order in forms:
        m = pattern.match(s)
        if m:
            a, b, c = (int(g) for g in m.groups()[:3])
            y, mo, d = {"ymd": (a, b, c), "dmy": (c, b, a), "mdy": (c, a, b)}[order]
            try:
                return pd.Timestamp(datetime(y, mo, d))
            except ValueError:
                return None
    return None


def read_csv_table(source: str | Path | bytes, *, name: str | None = None, overlong: str = "raise") -> CsvTable:
    """Read a small CSV (comma, semicolon or tab; see :func:`decode_text`) with row numbers.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content.
    name : str, optional
        The file name for messages (default: the path, or ``<bytes>``).
    overlong : {"raise", "keep"}
        A record with more non-empty cells than the header: ``"raise"`` refuses the file (a diary,
        a shoe list: the user mends the row); ``"keep"`` leaves it out of ``rows`` and lists it in
        ``overlong`` with its reason, for a reader that logs it ``failed`` and reads the rest (an
        activity table, where one mangled row must not cost every run).

    Returns
    -------
    CsvTable
        The header (the first non-blank record) and every non-blank record
        after it, with its spreadsheet row number.

    Raises
    ------
    RunlogError
        The file cannot be read or is empty; it is not readable as CSV (e.g. a
        field larger than :func:`csv.field_size_limit`); or a row has more
        non-empty cells than the header (trailing empty cells are dropped).

    References
    ----------
    RFC 4180, Common Format and MIME Type for CSV Files.
    """
    raw, label = read_source_bytes(source, name)
    return _csv_table(raw, label, overlong)


def _csv_table(raw: bytes, label: str, overlong: str = "raise") -> CsvTable:
    text = decode_text(raw)
    line = first_line(text)
    if not line:
        raise RunlogError("empty file: give the file with its header row and at least one row", path=label)
    delimiter = header_delimiter(line)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    kept: list[tuple[int, str]] = []
    short: dict[int, int] = {}
    lines: dict[int, int] = {}
    ordinal = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ended = 0  # the line the last record ended on
    try:
        for ordinal, record in enumerate(reader, 1):
            if ended + 1 != ordinal:  # a quoted line break above: the record starts on a later line
                lines[ordinal] = ended + 1
            ended = reader.line_num
            cells = [c.strip() for c in record]
            if not any(cells):
                continue
            if header is None:
                header = cells
                while header and not header[-1]:
                    header.pop()
                continue
            if len(cells) > len(header):
                if any(cells[len(header) :]):
                    reason = (f"row has {len(cells)} cells but the header has {len(header)}: remove the extra "
                              f"cells, or put text that holds a '{delimiter}' in double quotes")
                    if overlong != "keep":
                        raise RunlogError(reason, path=label, row=ordinal, line=lines.get(ordinal))
                    kept.append((ordinal, reason))
                    continue
                cells = cells[: len(header)]
            elif len(cells) < len(header):
                short[ordinal] = len(cells)
            rows.append((ordinal, cells + [""] * (len(header) - len(cells))))
    except csv.Error as exc:
        row = ordinal + 1
        raise RunlogError(
            f"not readable as CSV ({exc}): check the quotes on this row, or save the file again as CSV",
            path=label,
            row=row,
            line=ended + 1 if ended + 1 != row else None,
        ) from exc
    if header is None:
        raise RunlogError("empty file (no header): give the file with its header row", path=label)
    return CsvTable(label=label, header=header, rows=rows, overlong=kept, short=short, lines=lines)


def where(row: int, lines: dict[int, int]) -> str:
    """What to add to a row's log reason when it is not on the line of its number, else ``""``.

    ``row`` is the spreadsheet row (a record holding a quoted line break is one row, as a
    spreadsheet shows it); a text editor numbers lines, and after such a record the two differ.

    Parameters
    ----------
    row : int
        The record's spreadsheet row number (header = 1).
    lines : dict of int to int
        :attr:`CsvTable.lines`: row -> the 1-based line of the file it starts on, where they differ.

    Returns
    -------
    str
        ``" (line 9 in a text editor)"``, or ``""``.
    """
    line = lines.get(row)
    return "" if line is None or line == row else f" (line {line} in a text editor)"


def note_rows(rows: list[ExportRow], table: CsvTable, required: Iterable[int] = ()) -> None:
    """Add to each record's log reason what the table knows of it; a row cut short fails.

    For an activity table read with a log (Runkeeper, Samsung). A row with fewer cells than the
    header says so (:func:`short_row`); one that lacks a column in ``required`` and was to be
    imported fails instead (its run dropped; the file it names may still be read alone). A row
    not on the line of its number and with something to say ends with that line (:func:`where`).

    Parameters
    ----------
    rows : list of ExportRow
        The records as read from ``table``, changed in place.
    table : CsvTable
        The table they were read from.
    required : iterable of int
        Header positions of the columns a run cannot be read without.
    """
    required = list(required)
    for r in rows:
        note, cut = short_row(table, r.row, required)
        if cut and r.status == "imported":  # a run without a column it needs: failed, its reason the cut
            r.status, r.reason, r.run, r.activity_id, r.file_alone = "failed", cut, None, None, True
        elif note:  # a failed row says what it lacks; any other one that its cells were filled empty
            told = cut if cut and r.status == "failed" else note
            r.reason = f"{r.reason}; {told}" if r.reason else told
        if r.reason:  # a row with something to say names its line (an imported row without: nothing to find)
            r.reason += where(r.row, table.lines)


def short_row(table: CsvTable, row: int, required: Iterable[int] = ()) -> tuple[str, str]:
    """What a reader with an import log says of a row with fewer cells than the header.

    Such a row is padded with empty cells (:func:`read_csv_table`); that is said, and when a
    column the reader needs lies past the row's last cell, the row is cut short and fails.

    Parameters
    ----------
    table : CsvTable
        The table the row is in.
    row : int
        Its spreadsheet row number.
    required : iterable of int
        Header positions of the columns a record cannot be read without.

    Returns
    -------
    (note, cut) : (str, str)
        ``("", "")`` for a row as wide as the header. Else ``note``, the words for a row read as
        it is (``"6 of 15 cells; missing columns filled empty"``), and ``cut``, ``""`` unless a
        required column is missing: then the reason to fail a run with (``"row has 6 of 15
        cells: no distance (the row is cut short): ..."``).
    """
    n = table.short.get(row)
    if n is None:
        return "", ""
    width = len(table.header)
    missing = [table.header[j] for j in sorted(set(required)) if n <= j < width]
    note = f"{n} of {width} cells; missing columns filled empty"
    if not missing:
        return note, ""
    return note, (f"row has {n} of {width} cells: no {', '.join(missing)} (the row is cut short): mend the "
                  "row or export the table again")


def _cell_text(value) -> str:
    """An xlsx cell's value as the text a CSV export would hold (dates ISO, 4.0 as 4)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def read_xlsx_table(source: str | Path | bytes, *, name: str | None = None) -> CsvTable:
    """Read the first sheet of an ``.xlsx`` workbook that holds anything, as a :class:`CsvTable`.

    Parameters
    ----------
    source : str, Path or bytes
        The workbook, or its content.
    name : str, optional
        The file name for messages.

    Returns
    -------
    CsvTable
        As :func:`read_csv_table`: the first non-blank row is the header, row
        numbers are the sheet's own. Cell values become text the way a CSV
        export writes them: dates as ``YYYY-MM-DD``, whole numbers without
        ``.0``, formulas as their last computed value.

    Raises
    ------
    RunlogError
        The workbook cannot be opened (damaged, password-protected), every
        sheet is empty, or openpyxl is not installed; each message says to save
        the sheet as CSV instead.

    Notes
    -----
    Read with openpyxl (read-only mode, cached values of formulas): Office Open
    XML, ECMA-376.
    """
    raw, label = read_source_bytes(source, name)
    try:
        import openpyxl
    except ImportError as exc:  # openpyxl missing (a minimal install): the refusal says what to do
        raise RunlogError(
            f"reading .xlsx needs openpyxl (pip install openpyxl); or {SAVE_AS_CSV}", path=label
        ) from exc
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any damage inside the workbook is one refusal
        reason = f"cannot open the workbook ({type(exc).__name__}); {SAVE_AS_CSV}"
        raise RunlogError(reason, path=label) from exc
    try:
        for sheet in book.worksheets:
            header: list[str] | None = None
            rows: list[tuple[int, list[str]]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if not any(cells):
                    continue
                if header is None:
                    header = cells
                    while header and not header[-1]:
                        header.pop()
                    continue
                width = len(header)
                if any(cells[width:]):
                    raise RunlogError(
                        f"sheet '{sheet.title}': row has cells right of the last header cell: give those "
                        "cells a header or delete them",
                        path=label,
                        row=number,
                    )
                cells = cells[:width]
                rows.append((number, cells + [""] * (width - len(cells))))
            if header:
                if len(book.worksheets) > 1:
                    label = f"{label} (sheet '{sheet.title}')"
                return CsvTable(label=label, header=header, rows=rows)
    finally:
        book.close()
    raise RunlogError(f"every sheet of the workbook is empty; {SAVE_AS_CSV}", path=label)


def spreadsheet_kind(raw: bytes) -> str | None:
    """``"xlsx"``, ``"xls"`` or ``"ods"`` when the bytes are a spreadsheet workbook, else None (text)."""
    if raw.startswith(_OLE_MAGIC):
        return "xls"
    if not raw.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
                return "ods"
    except (zipfile.BadZipFile, OSError, KeyError):
        return "zip"
    return "zip"


def read_table(source: str | Path | bytes, *, name: str | None = None) -> CsvTable:
    """A user-written table: a CSV file or an ``.xlsx`` workbook, told apart by content.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content.
    name : str, optional
        The file name for messages.

    Returns
    -------
    CsvTable
        :func:`read_xlsx_table` for a workbook, else :func:`read_csv_table`.

    Raises
    ------
    RunlogError
        As those functions; and for an old Excel ``.xls``, an OpenDocument
        sheet or another zip, which are refused with how to save a CSV.
    """
    raw, label = read_source_bytes(source, name)
    kind = spreadsheet_kind(raw)
    if kind == "xlsx":
        return read_xlsx_table(raw, name=label)
    if kind in ("xls", "ods"):
        what = "an old Excel .xls workbook" if kind == "xls" else "an OpenDocument spreadsheet"
        raise RunlogError(
            f"this is {what}, which runlog does not read: {SAVE_AS_CSV} (or as .xlsx)", path=label
        )
    if kind == "zip":
        raise RunlogError(f"this is a zip archive, not a table: unpack it, or {SAVE_AS_CSV}", path=label)
    return _csv_table(raw, label)


def map_columns(
    table: CsvTable, variable_map: dict[str, str], *, key: Callable[[str], str] = column_key
) -> dict[str, int]:
    """Canonical column -> header position; columns the map does not know are left out.

    Parameters
    ----------
    table : CsvTable
        From :func:`read_csv_table`.
    variable_map : dict
        ``key`` of a header cell -> canonical column name.
    key : callable
        How a header cell is looked up: :func:`column_key` (default) or
        :func:`header_key` (accents and bracketed units ignored).

    Returns
    -------
    dict
        Canonical name -> position in ``table.header``.

    Raises
    ------
    RunlogError
        (row 1) When two headers map to the same column, rather than silently
        keeping one of them.
    """
    found: dict[str, int] = {}
    for pos, cell in enumerate(table.header):
        canonical = variable_map.get(key(cell))
        if canonical is None:
            continue
        if canonical in found:
            first = table.header[found[canonical]]
            raise RunlogError(
                f"columns '{first}' and '{cell}' both give '{canonical}'", path=table.label, row=1
            )
        found[canonical] = pos
    return found


def raise_bad_rows(label: str, bad: list[tuple[int, str]], lines: dict[int, int] | None = None) -> None:
    """Raise one error for the first bad row, counting the others; no-op when there are none.

    Parameters
    ----------
    label : str
        The file, as named in the message.
    bad : list of (int, str)
        Spreadsheet row and reason of each bad row, in file order.
    lines : dict of int to int, optional
        :attr:`CsvTable.lines`, for the first bad row's line when it differs from its row.

    Raises
    ------
    RunlogError
        Naming the file, the first bad row (and its line in a text editor, where a quoted
        line break above moved it) and its reason, then how many other rows are bad and the
        first five of them (``2 more bad rows: 6, 7``).
    """
    if not bad:
        return
    row, reason = bad[0]
    reason += where(row, lines or {})  # its own line first, before the other rows are counted
    if len(bad) > 1:
        others = ", ".join(str(r) for r, _ in bad[1:6]) + (", ..." if len(bad) > 6 else "")
        reason = f"{reason} ({len(bad) - 1} more bad rows: {others})"
    raise RunlogError(reason, path=label, row=row)
