"""Footwear files: the shoes catalog, per-activity overrides and a dated gear log.

Three small CSV formats (DESIGN.md "shoes"; FORMATS.md "Footwear is never in FIT"):

* **shoes catalog** - one row per shoe, runlog's columns (``name``, ``aliases``
  ('|'-separated), ``brand``, ``model``, ``gear_id``, ``weight_g`` (one shoe, g),
  ``stack_mm`` (heel), ``drop_mm``, ``stability_features`` (count),
  ``flex_score`` (0-5) or ``flex_longitudinal`` + ``flex_torsional`` (0-2.5
  each), ``minimalist_index`` (%), ``shoe_class``, ``retired``, ``retire_km``).
  A catalog gives specs, or an MI, or a class; :func:`read_shoes` returns it as
  written (canonical columns, nothing computed): deriving the rest is the
  footwear domain's job (:func:`analysis.footwear.complete_catalog`, called by
  :mod:`analysis.pipeline`). Strava's ``shoes.csv`` (``Shoe Name, Shoe Brand,
  Shoe Model [, Shoe Default Sport Types]``, the pre-2019 ``name,brand,model``,
  and its translated headers, e.g. ``Schuhname, Schuhmarke, Schuhmodell``)
  reads the same way.
* **overrides** - ``activity_id`` or ``date``, and ``shoe`` (a catalog name or a class name).
* **gear log** - ``from, to, shoe`` and optional ``min_km``, ``max_km``,
  ``sport``: "from 2024-03-01 to 2024-06-30, runs under 8 km: FiveFingers" is
  ``2024-03-01,2024-06-30,FiveFingers,,8,``.

Any delimiter (``,``, ``;``, tab; ``|`` only if none of those), UTF-8 (with or
without BOM), UTF-16 (with BOM) or Windows-1252 (else Latin-1): decoding and the
choice among ``,`` ``;`` tab are :mod:`analysis.io.table`'s, shared with the
other small tables. Every bad row is named with its file and spreadsheet row
number (header = row 1) in one :class:`~analysis.errors.RunlogError`.

What is hand-written, and why: the files are tiny and need per-cell messages
naming row and column, which :func:`pandas.read_csv` does not give; so the
standard :mod:`csv` module reads the records and small parsers check each cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.base import read_source_bytes
from analysis.io.strava import SHOES_ALIASES
from analysis.io.strava import header_key as strava_header_key
from analysis.io.table import column_key, decode_text, first_line, header_delimiter, where
from analysis.schema import normalize_name, normalize_sport

#: header (:func:`analysis.io.table.column_key`: lower case, separators -> "_") -> canonical column.
VARIABLE_MAP: dict[str, str] = {
    # Strava bulk export shoes.csv
    "shoe_name": "name",
    "shoe_brand": "brand",
    "shoe_model": "model",
    "shoe_default_sport_types": "sport_types",
    # friendly spellings of runlog's own columns
    "shoe": "name",
    "alias": "aliases",
    "gear": "gear_id",
    "weight": "weight_g",
    "stack": "stack_mm",
    "stack_height_mm": "stack_mm",
    "heel_stack_mm": "stack_mm",
    "drop": "drop_mm",
    "stability": "stability_features",
    "flex": "flex_score",
    "flexibility": "flex_score",
    "mi": "minimalist_index",
    "minimalist_index_pct": "minimalist_index",
    "class": "shoe_class",
}
CATALOG_COLUMNS: tuple[str, ...] = (*schema.SHOES_DTYPES, "flex_longitudinal", "flex_torsional", "sport_types")
#: Strava's shoes.csv headers in every language of its locale table (``Schuhname`` -> name), compared
#: with the Strava reader's header key; tried after :data:`VARIABLE_MAP`.
STRAVA_SHOES_MAP: dict[str, str] = {
    strava_header_key(alias): col for col, aliases in SHOES_ALIASES.items() for alias in aliases
}

OVERRIDES_MAP: dict[str, str] = {
    "activity_id": "activity_id", "activity": "activity_id", "id": "activity_id", "activity_id_": "activity_id",
    "date": "date", "day": "date", "run_date": "date",
    "shoe": "shoe", "gear": "shoe", "gear_name": "shoe", "shoe_name": "shoe", "shoe_class": "shoe", "class": "shoe",
}
GEAR_LOG_MAP: dict[str, str] = {
    "from": "from", "start": "from", "date_from": "from", "since": "from",
    "to": "to", "end": "to", "date_to": "to", "until": "to",
    "shoe": "shoe", "gear": "shoe", "gear_name": "shoe", "shoe_name": "shoe", "shoe_class": "shoe", "class": "shoe",
    "min_km": "min_km", "min_distance_km": "min_km",
    "max_km": "max_km", "max_distance_km": "max_km",
    "sport": "sport",
}


def _header_key(text: str) -> str:
    """A header cell as looked up in the maps above: :func:`analysis.io.table.column_key`, BOM dropped."""
    return column_key(text.strip().lstrip("\ufeff"))


def _delimiter(header_line: str) -> str:
    """The header's delimiter: :func:`analysis.io.table.header_delimiter`, else ``|``.

    ``|`` is this format's own fallback, taken only when none of ``,`` ``;``
    tab splits the header and the header holds a ``|``: a catalog kept as a
    pipe table (``name|brand|model``). It stays out of
    :data:`analysis.io.table.DELIMITERS`, which the diaries share and where
    a one-column header holding a ``|`` would then be split.

    Raises
    ------
    csv.Error
        When the header line is longer than :func:`csv.field_size_limit`.
    """
    delimiter = header_delimiter(header_line)
    if delimiter == "," and "|" in header_line and len(next(csv.reader([header_line]), [])) == 1:
        return "|"
    return delimiter


def _load(source: str | Path | bytes, name: str | None
          ) -> tuple[str, list[str], list[tuple[int, list[str]]], dict[int, int]]:
    """(file name for messages, header cells, [(row number, cells)], {row: line}) of a small CSV.

    The last maps a row to the 1-based line of the file it starts on, where a quoted line break above
    makes them differ (:attr:`analysis.io.table.CsvTable.lines`).
    """
    data, label = read_source_bytes(source, name)
    text = decode_text(data)
    first = first_line(text)
    if not first:
        raise RunlogError("the file is empty (no header row)", path=label)
    records: list[list[str]] = []
    starts: list[int] = []  # the line each record starts on
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    ended = 0  # the line the last record ended on
    try:
        for record in reader:
            starts.append(ended + 1)
            ended = reader.line_num
            records.append(record)
    except csv.Error as exc:  # a NUL byte, an unclosed quote running past the field size limit
        raise RunlogError(f"not readable as CSV ({exc})", path=label) from exc
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)
        starts.pop(0)
    if not records:
        raise RunlogError("the file is empty (no header row)", path=label)
    header = [c.strip().lstrip("\ufeff") for c in records[0]]
    rows = [(i + 1, r) for i, r in enumerate(records) if i > 0]
    return label, header, rows, {i + 1: line for i, line in enumerate(starts) if i > 0 and line != i + 1}


def _columns(header: Sequence[str], mapping: dict[str, str], known: Sequence[str], label: str) -> list[str | None]:
    """Canonical column per header cell (None: keep under its own name)."""
    out: list[str | None] = []
    seen: dict[str, str] = {}
    for cell in header:
        key = _header_key(cell)
        col = mapping.get(key, key if key in known else None)
        if col is None and mapping is VARIABLE_MAP:
            col = STRAVA_SHOES_MAP.get(strava_header_key(cell))
        if col is not None:
            if col in seen:
                raise RunlogError(f"columns '{seen[col]}' and '{cell}' both give {col}", path=label)
            seen[col] = cell
        out.append(col)
    return out


class _RowErrors:
    def __init__(self, label: str, lines: dict[int, int] | None = None):
        self.label = label
        self.lines = lines or {}  # row -> its line in a text editor, where they differ
        self.items: list[tuple[int, str]] = []

    def add(self, row: int, message: str) -> None:
        self.items.append((row, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        row, message = self.items[0]
        message += where(row, self.lines)  # its own line first, before the other rows are counted
        others = sorted({r for r, _ in self.items[1:] if r != row})
        if others:
            shown = ", ".join(str(r) for r in others[:5]) + (", ..." if len(others) > 5 else "")
            message += f" (and {len(others)} more bad row{'s' if len(others) > 1 else ''}: {shown})"
        raise RunlogError(message, path=self.label, row=row)


_NUMBER = re.compile(r"^([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(g|gr|mm|km|%)?$", re.IGNORECASE)


def _number(col: str, text: str) -> float | None:
    s = text.strip()
    if not s:
        return None
    m = _NUMBER.match(s)
    if not m:
        raise ValueError(f"{col} '{s}' is not a number")
    return float(m.group(1).replace(",", "."))


def _fmt(x: float) -> str:
    return f"{x:g}"


def _check_weight(col: str, x: float) -> None:
    if x <= 0:
        raise ValueError(f"{col} {_fmt(x)} must be above 0")


def _check_non_negative(col: str, x: float) -> None:
    if x < 0:
        raise ValueError(f"{col} {_fmt(x)} must not be negative")


def _check_count(col: str, x: float) -> None:
    if x < 0 or x != int(x):
        raise ValueError(f"{col} {_fmt(x)} is not a whole number of technologies (0, 1, 2, ...)")


def _check_half_steps(hi: float) -> Callable[[str, float], None]:
    def check(col: str, x: float) -> None:
        if not 0 <= x <= hi:
            raise ValueError(f"{col} {_fmt(x)} is outside 0-{_fmt(hi)}")
        if x * 2 != round(x * 2):
            raise ValueError(f"{col} {_fmt(x)} is not in 0.5 steps")

    return check


def _check_percent(col: str, x: float) -> None:
    if not 0 <= x <= 100:
        raise ValueError(f"{col} {_fmt(x)} is outside 0-100")


def _no_check(col: str, x: float) -> None:
    return None


_NUMERIC_CHECKS: dict[str, Callable[[str, float], None]] = {
    "weight_g": _check_weight,
    "stack_mm": _check_non_negative,
    "drop_mm": _no_check,  # a negative drop scores like any drop below 1 mm
    "stability_features": _check_count,
    "flex_score": _check_half_steps(5.0),
    "flex_longitudinal": _check_half_steps(2.5),
    "flex_torsional": _check_half_steps(2.5),
    "minimalist_index": _check_percent,
    "retire_km": _check_weight,
}
_TRUE = {"true", "yes", "y", "1", "x", "retired", "ja", "oui", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "nein", "non"}


def _boolean(col: str, text: str) -> bool | None:
    s = text.strip().casefold()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"{col} '{text.strip()}' is not true/false")


def _shoe_class(col: str, text: str) -> str | None:
    s = text.strip().casefold()
    if not s:
        return None
    if s not in schema.SHOE_CLASSES:
        raise ValueError(f"{col} '{text.strip()}' is not one of {', '.join(schema.SHOE_CLASSES)}")
    return s


def _text(text: str) -> str | None:
    s = " ".join(text.split())
    return s or None


def read_shoes(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a shoes catalog (runlog's columns or Strava's ``shoes.csv``) as written.

    Parameters
    ----------
    source : path or bytes
        The CSV file, or its bytes (e.g. ``shoes.csv`` inside a Strava zip).
    name : str, optional
        File name for messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Canonical shoes catalog (:data:`analysis.schema.SHOES_DTYPES`; units
        as in the column names) plus ``derived`` (what the reader made up:
        a name, a unique name), ``source_file`` and ``source_row``; extra
        columns of the file (``flex_longitudinal``, ``sport_types``, ...) are
        kept. Nothing is computed: the Minimalist Index and class of a row that
        gives specs only are :func:`analysis.footwear.complete_catalog`'s.
        A row without a name gets "brand model" (Strava leaves unnamed shoes
        blank); repeated names get " (2)", " (3)", ...

    Raises
    ------
    RunlogError
        Naming the file and the row of the first bad cell (and how many other
        rows are bad), e.g. ``shoes.csv, row 4: weight_g 'abc' is not a number``.
    """
    label, header, rows, lines = _load(source, name)
    cols = _columns(header, VARIABLE_MAP, CATALOG_COLUMNS, label)
    if not ({"name", "gear_id"} & set(cols) or {"brand", "model"} <= set(cols)):
        raise RunlogError("no shoe name column (expected name, or Shoe Name / Shoe Brand / Shoe Model)", path=label)
    errors = _RowErrors(label, lines)
    records: list[dict[str, Any]] = []
    for row, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        rec: dict[str, Any] = {"source_row": row, "derived": None}
        for cell_header, col, value in zip(header, cols, cells, strict=False):
            key = col or cell_header
            try:
                if col in _NUMERIC_CHECKS:
                    x = _number(col, value)
                    if x is not None:
                        _NUMERIC_CHECKS[col](col, x)
                    rec[key] = x
                elif col == "retired":
                    rec[key] = _boolean(col, value)
                elif col == "shoe_class":
                    rec[key] = _shoe_class(col, value)
                else:
                    rec[key] = _text(value)
            except ValueError as exc:
                errors.add(row, str(exc))
        if rec.get("name") is None:
            brand_model = " ".join(x for x in (rec.get("brand"), rec.get("model")) if x)
            if brand_model:
                rec["name"], rec["derived"] = brand_model, "name from brand + model"
            elif rec.get("gear_id"):
                rec["name"], rec["derived"] = f"gear {rec['gear_id']}", "name from gear_id"
            else:
                errors.add(row, "the row has no name, brand/model or gear_id")
        records.append(rec)
    errors.raise_if_any()

    seen: dict[str, int] = {}
    for rec in records:
        key = normalize_name(rec["name"])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            rec["name"] = f"{rec['name']} ({seen[key]})"
            rec["derived"] = "; ".join(x for x in (rec["derived"], "name made unique") if x)

    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["name", "source_row", "derived"])
    out = schema.coerce_shoes(frame)
    out["derived"] = out["derived"].astype("string")
    out["source_file"] = pd.Series(label, index=out.index, dtype="string")
    out["source_row"] = out["source_row"].astype("Int64")
    return out


def read_overrides(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read per-run footwear overrides: ``activity_id`` or ``date``, and ``shoe``.

    A row names one run by its activity id (as ``runlog runs -o`` writes it,
    with or without the source prefix: ``strava:123`` or ``123``) or every run
    of one local date (``date``, YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY; a date
    written in the ``activity_id`` column counts as a date too). ``shoe`` is a
    catalog shoe name or a class (barefoot, minimalist, partial, traditional,
    unknown).

    Returns
    -------
    DataFrame
        ``activity_id`` (string, NA for date rows), ``date`` (datetime64,
        naive, NA for id rows), ``shoe`` (string) and ``source_row``;
        ``attrs["source_file"]`` is the file's name.

    Raises
    ------
    RunlogError
        A row without an id (or date) or shoe, a bad date, or an id or date
        given twice with different shoes, naming the file and row.
    """
    label, header, rows, lines = _load(source, name)
    cols = _columns(header, OVERRIDES_MAP, ("activity_id", "date", "shoe"), label)
    if "shoe" not in cols or not {"activity_id", "date"} & set(cols):
        raise RunlogError("expected the columns activity_id (or date) and shoe", path=label)
    where = {c: cols.index(c) for c in ("activity_id", "date", "shoe") if c in cols}
    errors = _RowErrors(label, lines)
    out: dict[tuple[str, str], tuple[str, int]] = {}

    def cell(cells: list[str], col: str) -> str | None:
        i = where.get(col)
        return _text(cells[i]) if i is not None and i < len(cells) else None

    for row, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        aid, day, shoe = cell(cells, "activity_id"), cell(cells, "date"), cell(cells, "shoe")
        try:
            if aid is not None and day is None and _looks_like_date(aid):
                aid, day = None, aid
            when = _date("date", day) if day is not None else None
        except ValueError as exc:
            errors.add(row, str(exc))
            continue
        if (aid is None and when is None) or shoe is None:
            errors.add(row, "activity_id (or date) and shoe must both be given")
            continue
        key = ("id", aid) if aid is not None else ("date", str(when.date()))
        if key in out and normalize_name(out[key][0]) != normalize_name(shoe):
            what = f"activity_id '{aid}'" if aid is not None else f"date {when.date()}"
            errors.add(row, f"{what} already has shoe '{out[key][0]}' (row {out[key][1]})")
        else:
            out.setdefault(key, (shoe, row))
    errors.raise_if_any()
    keys = list(out)
    frame = pd.DataFrame({
        "activity_id": pd.Series([k[1] if k[0] == "id" else None for k in keys], dtype="string"),
        "date": pd.to_datetime(pd.Series([k[1] if k[0] == "date" else None for k in keys], dtype="object"))
        .astype(schema.LOCAL_DATE),
        "shoe": pd.Series([v[0] for v in out.values()], dtype="string"),
        "source_row": pd.Series([v[1] for v in out.values()], dtype="Int64"),
    })
    frame.attrs["source_file"] = label  # named when an id matches no run (analysis.footwear)
    return frame


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4}", text.strip()))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")


def _date(col: str, text: str) -> pd.Timestamp | None:
    s = text.strip()
    if not s:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(s, format=fmt))
        except (ValueError, TypeError):
            continue
    raise ValueError(f"{col} '{s}' is not a date (use YYYY-MM-DD)")


def read_gear_log(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a dated gear log: ``from, to, shoe`` [, ``min_km``, ``max_km``, ``sport``].

    Dates are the runner's local dates, inclusive (YYYY-MM-DD, YYYY/MM/DD or
    DD.MM.YYYY); a blank ``from`` or ``to`` leaves that end open. A run matches
    when ``min_km <= distance < max_km`` (km) and its sport equals ``sport``
    (a canonical run sport, or trail, treadmill, track, road, virtual, ultra;
    blank/any = every run). Rows are tried in file order.

    Returns
    -------
    DataFrame
        ``from``, ``to`` (datetime64, naive), ``shoe``, ``min_km``, ``max_km``
        (Float64), ``sport`` (canonical, NA = any) and ``source_row``.
    """
    label, header, rows, lines = _load(source, name)
    cols = _columns(header, GEAR_LOG_MAP, ("from", "to", "shoe", "min_km", "max_km", "sport"), label)
    if not {"from", "to", "shoe"} <= set(cols):
        raise RunlogError("expected the columns from, to and shoe", path=label)
    errors = _RowErrors(label, lines)
    records = []
    for row, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        rec: dict[str, Any] = {"from": None, "to": None, "shoe": None, "min_km": None, "max_km": None,
                               "sport": None, "source_row": row}
        try:
            for col, value in zip(cols, cells, strict=False):
                if col in ("from", "to"):
                    rec[col] = _date(col, value)
                elif col in ("min_km", "max_km"):
                    x = _number(col, value)
                    if x is not None:
                        _check_non_negative(col, x)
                    rec[col] = x
                elif col == "sport":
                    sport = normalize_sport(value)
                    if pd.notna(sport) and sport not in schema.RUN_SPORTS:
                        raise ValueError(f"sport '{value.strip()}' is not a run sport ({', '.join(schema.RUN_SPORTS)})")
                    rec[col] = None if pd.isna(sport) else sport
                elif col == "shoe":
                    rec[col] = _text(value)
            if rec["shoe"] is None:
                raise ValueError("shoe is blank")
            if rec["from"] is not None and rec["to"] is not None and rec["from"] > rec["to"]:
                raise ValueError(f"from {rec['from'].date()} is after to {rec['to'].date()}")
            if rec["min_km"] is not None and rec["max_km"] is not None and rec["min_km"] >= rec["max_km"]:
                raise ValueError(f"min_km {_fmt(rec['min_km'])} is not below max_km {_fmt(rec['max_km'])}")
        except ValueError as exc:
            errors.add(row, str(exc))
        records.append(rec)
    errors.raise_if_any()
    df = pd.DataFrame.from_records(records, columns=["from", "to", "shoe", "min_km", "max_km", "sport", "source_row"])
    return pd.DataFrame({
        "from": pd.to_datetime(df["from"]).astype(schema.LOCAL_DATE),
        "to": pd.to_datetime(df["to"]).astype(schema.LOCAL_DATE),
        "shoe": df["shoe"].astype("string"),
        "min_km": pd.to_numeric(df["min_km"]).astype("Float64"),
        "max_km": pd.to_numeric(df["max_km"]).astype("Float64"),
        "sport": df["sport"].astype("string"),
        "source_row": df["source_row"].astype("Int64"),
    })


def sniff(head: bytes, name: str) -> bool:
    """True when the first bytes look like a shoes catalog or Strava's ``shoes.csv``."""
    first = first_line(decode_text(head[:65536], truncated=True))
    try:
        cells = next(csv.reader([first], delimiter=_delimiter(first)), [])
    except csv.Error:  # a header longer than the csv field limit: not a catalog
        return False
    keys = {_header_key(c) for c in cells}
    if {"shoe_name", "shoe_brand", "shoe_model"} <= keys:
        return True
    translated = {STRAVA_SHOES_MAP.get(strava_header_key(c)) for c in cells}
    if {"name", "brand", "model"} <= translated and not {"name", "brand", "model"} <= keys:
        return True  # Strava's shoes.csv in another language (Schuhname, Schuhmarke, Schuhmodell)
    if Path(name).name.casefold().endswith("shoes.csv") and {"name", "brand", "model"} <= keys:
        return True
    spec = {"weight_g", "stack_mm", "drop_mm", "minimalist_index", "shoe_class", "flex_score"}
    return "name" in keys and bool(spec & keys)
