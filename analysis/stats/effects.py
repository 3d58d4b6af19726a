"""The tidy effect rows every model returns: term, unit, estimate, interval, p, reason."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

_EFFECT_COLUMNS = ["term", "unit", "estimate", "ci_low", "ci_high", "p", "reason"]


def _na_row(term: str, unit: str, reason: str | None) -> dict:
    """An effect row with no estimate (yet), and why."""
    return {
        "term": term,
        "unit": unit,
        "estimate": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p": math.nan,
        "reason": reason,
    }


def _na_effects(terms: Mapping[str, tuple[str, float]], reasons: Mapping[str, str] | str) -> pd.DataFrame:
    rows = [
        _na_row(term, unit, reasons if isinstance(reasons, str) else reasons.get(term, "not estimated"))
        for term, (unit, _) in terms.items()
    ]
    return pd.DataFrame(rows, columns=[*_EFFECT_COLUMNS, "note"]).assign(note=None)


def _exp(x: float) -> float:
    if not np.isfinite(x):
        return math.inf if x > 0 else (0.0 if x < 0 else math.nan)
    return math.exp(min(x, 700.0))
