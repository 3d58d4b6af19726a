"""Numbers as people and spreadsheets write them in tables: decimal commas, thousands separators, blanks.

One set of rules, given twice: :func:`parse_number` reads one cell and
:func:`parse_numbers` a whole column at once, giving the same value for every
cell. The column version parses the plain decimals that nearly every cell
holds with pyarrow's compute kernels (in C, over the whole column) and hands
any other cell to :func:`parse_number`, so the two can never disagree (a column
that Arrow's float parser reads whole, with no blank, no separator and no space,
is taken as it reads it: that parser accepts only spellings Python's ``float``
reads the same, correctly rounded); it is
written on top of pyarrow rather than with :func:`pandas.to_numeric` because
the separators are decided per cell (a decimal comma only where the cell has
a comma) and the cells that are no number must be told apart from the blanks.

The rules (those of the generic runs CSV, :mod:`analysis.io.generic_csv`):

* a cell that is blank or a placeholder (``-``, ``--``, ``NA``, ``N/A``,
  ``NaN``, ``null``, ``none``; any case, surrounding white space ignored) is
  no value (NaN), as is a cell that Python's ``float`` reads as NaN;
* ordinary and non-breaking spaces inside the number are dropped
  (``1 234``);
* where the file's decimal mark is the comma (a ``;`` or tab separated
  file), a cell holding a comma has its dots dropped as thousands
  separators and its comma read as the decimal mark (``1.234,5``);
* else a comma-grouped number (``1,234`` or ``1,234.5``: one to three
  digits, then groups of three) has its commas dropped;
* what is left is read by Python's ``float``.

References
----------
Python :func:`float` (the accepted spellings); Apache Arrow compute functions
(``cast`` string to float64 parses decimals with correct rounding, as
``float`` does).
"""

from __future__ import annotations

import re

import numpy as np

#: placeholders read as no value (compared in lower case, white space stripped)
MISSING: frozenset[str] = frozenset({"", "-", "--", "na", "n/a", "nan", "null", "none"})
#: a comma-grouped number: 1,234 / 1,234,567.5
THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_THOUSANDS = re.compile(THOUSANDS)
#: plain decimals, for which pyarrow's correctly rounded parser gives Python's float() exactly
_PLAIN = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def is_missing(text: str) -> bool:
    """Whether a cell is blank or a placeholder (:data:`MISSING`)."""
    return text.strip().lower() in MISSING


def _normalised(text: str, decimal_comma: bool) -> str:
    """The cell with spaces dropped and its separators made Python's (see the module's rules)."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma and "," in s:
        return s.replace(".", "").replace(",", ".")
    if _THOUSANDS.match(s):
        return s.replace(",", "")
    return s


def parse_number(text: str, *, decimal_comma: bool = False) -> float:
    """One cell as a number by the module's rules; NaN when it holds none.

    Parameters
    ----------
    text : str
        The cell as written.
    decimal_comma : bool
        The file writes the comma as its decimal mark (a ``;`` or tab separated file).

    Returns
    -------
    float
        The number (negative ones too: a reader decides what it accepts), NaN
        for a blank or placeholder.

    Raises
    ------
    ValueError
        When the cell is not a number.
    """
    if is_missing(text):
        return float("nan")
    return float(_normalised(text, decimal_comma))


def parse_numbers(cells, *, decimal_comma: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A whole column as numbers, each cell as :func:`parse_number` reads it.

    Parameters
    ----------
    cells : pyarrow string array, pandas Series of strings, or sequence of str
        The column as written (nulls read as blanks).
    decimal_comma : bool
        As in :func:`parse_number`.

    Returns
    -------
    values : ndarray of float64
        The numbers; NaN where a cell is blank, a placeholder or not a number.
    bad : ndarray of bool
        True where a cell is not a number (``parse_number`` raises).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = _as_arrow(cells)
    n = len(arrow)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return values, bad
    if arrow.null_count == 0:
        try:  # a column of plain numbers only, as a program writes it: Arrow's parser alone
            values = pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False).copy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return values, bad
    arrow = pc.fill_null(arrow, "")
    stripped = pc.utf8_trim_whitespace(arrow)
    missing = pc.is_in(pc.utf8_lower(stripped), value_set=pa.array(sorted(MISSING), arrow.type))
    s = pc.replace_substring(pc.replace_substring(stripped, "\u00a0", ""), " ", "")
    if decimal_comma:
        comma = pc.match_substring(s, ",")
        s = pc.if_else(comma, pc.replace_substring(pc.replace_substring(s, ".", ""), ",", "."), s)
    else:
        s = pc.if_else(pc.match_substring_regex(s, THOUSANDS), pc.replace_substring(s, ",", ""), s)
    plain = pc.and_(pc.match_substring_regex(s, _PLAIN), pc.invert(missing))
    values = pc.cast(pc.if_else(plain, s, pa.scalar("nan", arrow.type)), pa.float64()).to_numpy(
        zero_copy_only=False).copy()
    plain_np = plain.to_numpy(zero_copy_only=False)
    other = np.flatnonzero(~plain_np & ~missing.to_numpy(zero_copy_only=False))
    if len(other):  # anything else (1_000, inf, a word): Python's float decides, cell by cell
        texts = arrow.take(pa.array(other)).to_pylist()
        for i, text in zip(other, texts, strict=True):
            try:
                values[i] = parse_number(text, decimal_comma=decimal_comma)
            except ValueError:
                bad[i] = True
    return values, bad


def _as_arrow(cells):
    """``cells`` as one pyarrow large_string array."""
    import pyarrow as pa

    if not isinstance(cells, (pa.Array, pa.ChunkedArray)):
        cells = pa.array(cells if hasattr(cells, "__arrow_array__") or isinstance(cells, np.ndarray) else list(cells),
                         type=pa.large_string(), from_pandas=True)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if cells.type != pa.large_string():
        cells = cells.cast(pa.large_string())
    return cells
