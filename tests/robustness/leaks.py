"""Finding GPS positions from the inputs in runlog's outputs (privacy checks).

:func:`position_needles` turns the latitudes and longitudes read from the inputs
(``positions=True``) into the text forms they would take in an output: rounded
to 4 and 5 decimals (fixed and shortest form), truncated to 4, and as FIT
semicircles. :func:`find_leaks` searches any text for them; :func:`output_text`
gives the text of an output file (CSV, JSON, text, Parquet; PDF through pypdf),
so the same check can be pointed at the findings JSON and the PDF report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

SEMICIRCLES_PER_DEGREE = 2**31 / 180
#: a needle with fewer decimals than this is too common a number to mean anything
MIN_DECIMALS = 3


def _forms(value: float) -> set[str]:
    out = set()
    for d in (4, 5):
        r = round(value, d)
        out.add(f"{r:.{d}f}")
        out.add(repr(r))
    out.add(f"{math.trunc(value * 1e4) / 1e4:.4f}")
    return {s for s in out if "." in s and len(s.split(".")[1]) >= MIN_DECIMALS}


def position_needles(samples: pd.DataFrame, *, semicircles: bool = True) -> set[str]:
    """Text forms of every position in ``samples`` (``latitude_deg``, ``longitude_deg``).

    Parameters
    ----------
    samples : DataFrame
        Samples read with ``positions=True``.
    semicircles : bool
        Also the raw FIT integers (degrees x 2^31 / 180), 7 digits or more.
    """
    needles: set[str] = set()
    for col in ("latitude_deg", "longitude_deg"):
        if col not in samples:
            continue
        values = pd.to_numeric(samples[col], errors="coerce").dropna().astype(float).unique()
        for v in values:
            if v == 0 or not math.isfinite(v):
                continue
            needles |= _forms(float(v))
            if semicircles:
                semi = str(int(round(v * SEMICIRCLES_PER_DEGREE)))
                if len(semi.lstrip("-")) >= 7:
                    needles.add(semi)
    return needles


def find_leaks(text: str, needles: Iterable[str], limit: int = 10) -> list[str]:
    """The needles found in ``text`` as numbers of their own, or as the start of a more precise one.

    ``38.8561`` is found in ``38.85612`` (the same position, printed finer) but
    not in ``138.8561`` or ``38.856`` (other numbers).
    """
    seen: set[str] = set()
    for number in re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?", text):
        seen.add(number)
        whole, _, frac = number.partition(".")
        for k in range(MIN_DECIMALS, len(frac)):
            seen.add(f"{whole}.{frac[:k]}")
    return sorted(n for n in set(needles) if n in seen)[:limit]


def output_text(path: Path) -> str:
    """The text a person (or program) would read in an output file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return " ".join(map(str, frame.columns)) + "\n" + frame.to_csv()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8", errors="replace")
