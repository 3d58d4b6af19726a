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
* :func:`parse_date`: ISO, ``YYYY/MM/DD`` and day-first dotted dates;
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import read_source_bytes

#: delimiters tried on the header line, in order of preference on a tie
DELIMITERS: tuple[str, ...] = (",", ";", "\t")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SEPARATORS = re.compile(r"[\s_\-./]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DMY_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


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
    """

    label: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


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


def parse_date(text: str) -> pd.Timestamp | None:
    """A calendar date as naive midnight, or None when it is not one.

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD`` (ISO 8601; a time after it is ignored), ``YYYY/MM/DD``
        or the day-first ``DD.MM.YYYY``. Slashed day/month orders
        (``03/02/2026``) are refused as ambiguous.

    Returns
    -------
    Timestamp or None
        None when the text matches no form or names no real day (``2026-02-30``).
    """
    s = str(text).strip()
    for pattern, order in ((_ISO_DATE, "ymd"), (_YMD_SLASH, "ymd"), (_DMY_DOT, "dmy")):
        m = pattern.match(s)
        if m:
            a, b, c = (int(g) for g in m.groups()[:3])
            y, mo, d = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                return pd.Timestamp(datetime(y, mo, d))
            except ValueError:
                return None
    return None


def read_csv_table(source: str | Path | bytes, *, name: str | None = None) -> CsvTable:
    """Read a small CSV (comma, semicolon or tab; see :func:`decode_text`) with row numbers.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content.
    name : str, optional
        The file name for messages (default: the path, or ``<bytes>``).

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
    text = decode_text(raw)
    line = first_line(text)
    if not line:
        raise RunlogError("empty file", path=label)
    delimiter = header_delimiter(line)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    ordinal = 0
    try:
        for ordinal, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
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
                    raise RunlogError(
                        f"row has {len(cells)} cells but the header has {len(header)}",
                        path=label,
                        row=ordinal,
                    )
                cells = cells[: len(header)]
            rows.append((ordinal, cells + [""] * (len(header) - len(cells))))
    except csv.Error as exc:
        raise RunlogError(f"not readable as CSV ({exc})", path=label, row=ordinal + 1) from exc
    if header is None:
        raise RunlogError("empty file (no header)", path=label)
    return CsvTable(label=label, header=header, rows=rows)


def map_columns(table: CsvTable, variable_map: dict[str, str]) -> dict[str, int]:
    """Canonical column -> header position; columns the map does not know are left out.

    Parameters
    ----------
    table : CsvTable
        From :func:`read_csv_table`.
    variable_map : dict
        :func:`column_key` of a header cell -> canonical column name.

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
        canonical = variable_map.get(column_key(cell))
        if canonical is None:
            continue
        if canonical in found:
            first = table.header[found[canonical]]
            raise RunlogError(
                f"columns '{first}' and '{cell}' both give '{canonical}'", path=table.label, row=1
            )
        found[canonical] = pos
    return found


def raise_bad_rows(label: str, bad: list[tuple[int, str]]) -> None:
    """Raise one error for the first bad row, counting the others; no-op when there are none.

    Parameters
    ----------
    label : str
        The file, as named in the message.
    bad : list of (int, str)
        Spreadsheet row and reason of each bad row, in file order.

    Raises
    ------
    RunlogError
        Naming the file, the first bad row and its reason, then how many other
        rows are bad and the first five of them (``2 more bad rows: 6, 7``).
    """
    if not bad:
        return
    row, reason = bad[0]
    if len(bad) > 1:
        others = ", ".join(str(r) for r, _ in bad[1:6]) + (", ..." if len(bad) > 6 else "")
        reason = f"{reason} ({len(bad) - 1} more bad rows: {others})"
    raise RunlogError(reason, path=label, row=row)
