"""Footwear: the Minimalist Index, shoe classes, and which shoe each run was run in.

The Minimalist Index (MI) follows METHODS.md 3 (Esculier, Dubois, Dionne, Leblond,
Roy 2015, J Foot Ankle Res 8:42): five components scored 0-5 - weight of one shoe
(g), heel stack height (mm), heel-to-toe drop (mm), a count of motion-control /
stability technologies, and flexibility (longitudinal 0-2.5 + torsional 0-2.5) -
and MI % = 4 x their sum. Classes are runlog's convention (no validated cut-offs
exist): ``barefoot`` (no shoe), ``minimalist`` (MI >= 70 %), ``partial``
(30-69 %), ``traditional`` (< 30 %), ``unknown``.

Partial MI
----------
When a component is unknown the MI is *partial*: the sum of the known component
scores x 4, flagged ``mi_partial`` with the missing components named. It is a
lower bound: the true MI lies between it (every missing component scoring 0) and
it + 20 points per missing component (every missing component scoring 5). The
class of a partial MI is decided on that whole range: if both ends fall in the
same class the class is certain, otherwise it is ``unknown``. Nothing is imputed.

Assignment rules
----------------
:func:`assign_footwear` gives every run a shoe; the first rule that applies wins
and is recorded in ``shoe_rule``:

1. ``override`` - a per-activity override (activity_id -> shoe name or class).
2. ``gear_id`` - the run's gear id is a catalog ``gear_id``.
3. ``gear_name`` - the run carries a gear name. It is matched to the catalog
   (name or aliases after normalising case, accents, punctuation and whitespace;
   then brand + model, and near matches via :func:`difflib.get_close_matches`
   with the same version numbers), then to the built-in table (a model, or the
   nearest version of it). A recorded gear name that matches nothing still wins
   (the run *was* run in that shoe); its class is ``unknown`` until the catalog
   knows it.

Names are the runner's: a run shows the catalog's name only when the catalog
lists its gear name (or id) as that shoe's; every looser match only lends class
and MI, and says so in ``shoe_specs`` ("specs of the nearest built-in version,
Hoka Clifton 9"). So a "Nike Pegasus 32" is never shown as a Pegasus 40, and a
Clifton 7 never adds to a Clifton 9's mileage.
4. ``gear_log`` - a dated gear log row covers the run (date range, optional
   distance and sport limits); the first matching row wins.
5. ``keyword`` - the activity name or description names a minimalist brand
   (VFF, FiveFingers, Xero, Vivobarefoot, huaraches, sandals; "barefoot shoes")
   -> that catalog shoe, else a generic label, class ``minimalist``; or a
   barefoot word in one of several languages -> class ``barefoot``. Brand words
   are checked first: "barefoot shoes" are shoes.
6. ``default`` - the runner's default shoe, for runs with no gear recorded.
7. ``unknown`` - nothing applies.

What is hand-written, and why: the rubric is a table of bin edges, scored with
:func:`numpy.searchsorted`; names are compared with :mod:`difflib` after
:func:`analysis.schema.normalize_name` (:mod:`unicodedata`); the assignment rules are this
project's own and no library implements them.

References
----------
Esculier JF, Dubois B, Dionne CE, Leblond J, Roy JS. A consensus definition and
rating scale for minimalist shoes. J Foot Ankle Res 2015;8:42.
"""

from __future__ import annotations

import difflib
import io
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from analysis import schema
from analysis.schema import GROUPING, id_suffixes, normalize_name, normalize_sport

# ---------------------------------------------------------------------------
# 1. The rubric (METHODS.md 3)
# ---------------------------------------------------------------------------

#: Lower bin edges: a value at or above the k-th edge loses k points from 5.
#: weight (one shoe, g): <125 -> 5, 125-174 -> 4, ..., >=325 -> 0.
WEIGHT_EDGES_G: tuple[float, ...] = (125, 175, 225, 275, 325)
#: heel stack (mm): <8 -> 5, 8-13.9 -> 4, 14-19.9 -> 3, 20-25.9 -> 2, 26-31.9 -> 1, >=32 -> 0.
STACK_EDGES_MM: tuple[float, ...] = (8, 14, 20, 26, 32)
#: heel-to-toe drop (mm): <1 -> 5, 1-3.9 -> 4, 4-6.9 -> 3, 7-9.9 -> 2, 10-12.9 -> 1, >=13 -> 0.
DROP_EDGES_MM: tuple[float, ...] = (1, 4, 7, 10, 13)
#: stability / motion-control technologies (count): 0 -> 5, 1 -> 4, ..., >=5 -> 0.
STABILITY_EDGES: tuple[float, ...] = (1, 2, 3, 4, 5)

#: catalog spec column -> component name, in the rubric's order.
COMPONENTS: dict[str, str] = {
    "weight_g": "weight",
    "stack_mm": "stack",
    "drop_mm": "drop",
    "stability_features": "stability",
    "flex_score": "flexibility",
}
SPEC_COLUMNS: tuple[str, ...] = tuple(COMPONENTS)

#: (partial lower bound, minimalist lower bound) in MI %.
DEFAULT_MI_THRESHOLDS: tuple[float, float] = (30.0, 70.0)

#: the values of ``shoe_rule``, in the order the rules are tried.
RULES: tuple[str, ...] = ("override", "gear_id", "gear_name", "gear_log", "keyword", "default", "unknown")

DEFAULT_RETIRE_KM = 800.0
DEFAULT_NAME_CUTOFF = 0.85


def _as_float_array(values: Any) -> np.ndarray:
    """Scalar, list, ndarray or Series -> float ndarray with NaN for missing."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _score(values: Any, edges: Sequence[float]) -> Any:
    """5 minus the number of edges at or below the value; NaN stays NaN."""
    x = _as_float_array(values)
    out = 5.0 - np.searchsorted(np.asarray(edges, dtype=float), x, side="right").astype(float)
    out[np.isnan(x)] = np.nan
    return _like(values, out)


def _like(template: Any, out: np.ndarray) -> Any:
    if isinstance(template, pd.Series):
        return pd.Series(out, index=template.index)
    if np.ndim(template) == 0:
        return float(out[0])
    return out


def score_weight(weight_g: Any) -> Any:
    """Weight score (0-5) of one shoe's weight in g (METHODS.md 3)."""
    return _score(weight_g, WEIGHT_EDGES_G)


def score_stack(stack_mm: Any) -> Any:
    """Stack-height score (0-5) of the heel stack in mm (METHODS.md 3)."""
    return _score(stack_mm, STACK_EDGES_MM)


def score_drop(drop_mm: Any) -> Any:
    """Drop score (0-5) of the heel-to-toe drop in mm (METHODS.md 3)."""
    return _score(drop_mm, DROP_EDGES_MM)


def score_stability(stability_features: Any) -> Any:
    """Stability score (0-5) of a count of stability technologies (METHODS.md 3).

    Raises
    ------
    ValueError
        If a count is negative or not a whole number.
    """
    x = _as_float_array(stability_features)
    known = x[~np.isnan(x)]
    if np.any(known < 0) or np.any(known != np.round(known)):
        raise ValueError("stability_features must be a whole number of technologies (0, 1, 2, ...)")
    return _score(stability_features, STABILITY_EDGES)


def score_flexibility(flex_score: Any) -> Any:
    """Flexibility score: the rubric's 0-5 (longitudinal 0-2.5 + torsional 0-2.5, 0.5 steps).

    Raises
    ------
    ValueError
        If a score is outside 0-5 or not in 0.5 steps.
    """
    x = _as_float_array(flex_score)
    known = x[~np.isnan(x)]
    if np.any((known < 0) | (known > 5)):
        raise ValueError("flex_score must lie in 0-5")
    if np.any(known * 2 != np.round(known * 2)):
        raise ValueError("flex_score must be in 0.5 steps")
    return _like(flex_score, x)


_SCORERS = {
    "weight_g": score_weight,
    "stack_mm": score_stack,
    "drop_mm": score_drop,
    "stability_features": score_stability,
    "flex_score": score_flexibility,
}


@dataclass(frozen=True)
class MinimalistIndex:
    """One shoe's Minimalist Index (METHODS.md 3).

    Attributes
    ----------
    mi : float
        MI in % (4 x the sum of the known component scores); NaN when no
        component is known.
    partial : bool
        True when at least one component (but not all) is unknown.
    missing : tuple of str
        The unknown components, as spec column names.
    mi_min, mi_max : float
        The range the true MI lies in (missing components scoring 0 or 5).
    scores : dict
        Component score (0-5, NaN when unknown) by spec column name.
    """

    mi: float
    partial: bool
    missing: tuple[str, ...]
    mi_min: float
    mi_max: float
    scores: dict[str, float]


def minimalist_index_frame(specs: pd.DataFrame) -> pd.DataFrame:
    """Minimalist Index of every row of a frame of shoe specs (METHODS.md 3).

    Parameters
    ----------
    specs : DataFrame
        Any of the columns ``weight_g`` (one shoe, g), ``stack_mm`` (heel, mm),
        ``drop_mm`` (mm), ``stability_features`` (count), ``flex_score`` (0-5);
        absent columns and NA cells are unknown components.

    Returns
    -------
    DataFrame
        Same index; ``minimalist_index`` (%, 4 x sum of known scores, NA when
        nothing is known), ``mi_partial`` (boolean, NA when nothing is known),
        ``mi_missing`` ('|'-separated spec columns), ``mi_min`` and ``mi_max``
        (%, the range of the true MI) and ``score_<column>`` per component.
    """
    scores = pd.DataFrame(index=specs.index)
    for col, scorer in _SCORERS.items():
        values = specs[col] if col in specs.columns else pd.Series(np.nan, index=specs.index)
        scores[col] = scorer(pd.to_numeric(values, errors="coerce").astype("float64"))
    known = scores.notna()
    n_known = known.sum(axis=1)
    total = scores.sum(axis=1, skipna=True)
    any_known = n_known > 0
    mi = (4.0 * total).where(any_known)
    n_missing = len(_SCORERS) - n_known
    out = pd.DataFrame(index=specs.index)
    out["minimalist_index"] = mi.astype("Float64")
    out["mi_partial"] = (n_missing > 0).where(any_known).astype("boolean")
    missing = known.apply(lambda r: "|".join(c for c in _SCORERS if not r[c]), axis=1) if len(known) else []
    out["mi_missing"] = pd.Series(missing, index=specs.index, dtype="string").where(any_known & (n_missing > 0))
    out["mi_min"] = mi.astype("Float64")
    out["mi_max"] = (mi + 20.0 * n_missing).where(any_known).astype("Float64")
    for col in _SCORERS:
        out[f"score_{col}"] = scores[col].astype("Float64")
    return out


def minimalist_index(
    weight_g: float | None = None,
    stack_mm: float | None = None,
    drop_mm: float | None = None,
    stability_features: float | None = None,
    flex_score: float | None = None,
) -> MinimalistIndex:
    """Minimalist Index of one shoe (METHODS.md 3; Esculier et al. 2015).

    Parameters
    ----------
    weight_g : float, optional
        Weight of one shoe in g.
    stack_mm : float, optional
        Heel stack height in mm.
    drop_mm : float, optional
        Heel-to-toe drop in mm.
    stability_features : int, optional
        Number of motion-control / stability technologies.
    flex_score : float, optional
        Flexibility score 0-5 (longitudinal 0-2.5 + torsional 0-2.5).

    Returns
    -------
    MinimalistIndex
        MI in %, whether it is partial, which components are missing and the
        range the true MI lies in. None means unknown.
    """
    row = pd.DataFrame(
        [{"weight_g": weight_g, "stack_mm": stack_mm, "drop_mm": drop_mm,
          "stability_features": stability_features, "flex_score": flex_score}]
    ).astype("float64")
    r = minimalist_index_frame(row).iloc[0]

    def f(v: Any) -> float:
        return float("nan") if pd.isna(v) else float(v)

    missing = tuple(c for c in SPEC_COLUMNS if pd.isna(r[f"score_{c}"]))
    return MinimalistIndex(
        mi=f(r["minimalist_index"]),
        partial=bool(0 < len(missing) < len(SPEC_COLUMNS)),
        missing=missing,
        mi_min=f(r["mi_min"]),
        mi_max=f(r["mi_max"]),
        scores={c: f(r[f"score_{c}"]) for c in SPEC_COLUMNS},
    )


# ---------------------------------------------------------------------------
# 2. Classes
# ---------------------------------------------------------------------------


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    low, high = (float(t) for t in thresholds)
    if not 0 <= low < high <= 100:
        raise ValueError(f"mi_thresholds must satisfy 0 <= low < high <= 100, got {thresholds}")
    return low, high


def mi_class(mi: Any, *, thresholds: Sequence[float] = DEFAULT_MI_THRESHOLDS) -> Any:
    """Shoe class of a known MI in % (METHODS.md 3; runlog's convention).

    ``minimalist`` when MI >= high, ``partial`` when low <= MI < high,
    ``traditional`` below low; NA MI -> ``unknown``. Works on scalars and Series.
    """
    low, high = _check_thresholds(thresholds)
    x = _as_float_array(mi)
    out = np.where(np.isnan(x), "unknown", np.where(x >= high, "minimalist", np.where(x >= low, "partial", "traditional")))
    if isinstance(mi, pd.Series):
        return pd.Series(out, index=mi.index, dtype="string")
    return str(out[0]) if np.ndim(mi) == 0 else out


def mi_class_range(mi_min: Any, mi_max: Any, *, thresholds: Sequence[float] = DEFAULT_MI_THRESHOLDS) -> Any:
    """Class of an MI known only to lie in [mi_min, mi_max] (a partial MI).

    The class is certain when both ends fall in the same class, else ``unknown``.
    """
    lo = mi_class(mi_min, thresholds=thresholds)
    hi = mi_class(mi_max, thresholds=thresholds)
    if isinstance(lo, pd.Series):
        return lo.where(lo == hi, "unknown").astype("string")
    if isinstance(lo, str):
        return lo if lo == hi else "unknown"
    return np.where(lo == hi, lo, "unknown")


def barefoot_style(shoe_class: Any, grouping: Mapping[str, str] = GROUPING) -> Any:
    """Group shoe classes for the headline comparison (DESIGN.md, METHODS.md 3).

    By default ``barefoot`` and ``minimalist`` -> ``"barefoot-style"``,
    ``partial`` and ``traditional`` -> ``"traditional"``; classes not in
    ``grouping`` (``unknown``) -> NA. Scalars and Series both work.
    """
    if isinstance(shoe_class, pd.Series):
        return shoe_class.astype("string").map(lambda c: _group(c, grouping) if pd.notna(c) else pd.NA).astype("string")
    if shoe_class is None or shoe_class is pd.NA or (isinstance(shoe_class, float) and np.isnan(shoe_class)):
        return pd.NA
    return _group(str(shoe_class), grouping)


def _group(shoe_class: str, grouping: Mapping[str, str]) -> Any:
    group = grouping.get(shoe_class, pd.NA)
    return pd.NA if group == "unknown" else group


# ---------------------------------------------------------------------------
# 3. Names
# ---------------------------------------------------------------------------

_BRANDS = {"hoka one one": "hoka", "vibram fivefingers": "vibram", "xero": "xero shoes", "nb": "new balance",
           "on running": "on", "asics": "asics", "luna": "luna sandals", "vivo barefoot": "vivobarefoot"}
_VERSION = re.compile(r"^(v?\d+|ii|iii|iv|vi|vii|viii|ix|x)$")


def _brand_key(brand: Any) -> str:
    b = normalize_name(brand)
    return _BRANDS.get(b, b)


def model_family(text: Any) -> str:
    """A model name without its trailing version ("Pegasus 35" -> "pegasus")."""
    tokens = [re.sub(r"^(\d+)v\d+$", r"\1", t) for t in normalize_name(text).split()]
    while len(tokens) > 1 and _VERSION.match(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _split_aliases(aliases: Any) -> list[str]:
    if aliases is None or aliases is pd.NA or (isinstance(aliases, float) and np.isnan(aliases)):
        return []
    return [a.strip() for a in str(aliases).split("|") if a.strip()]


# ---------------------------------------------------------------------------
# 4. The built-in table
# ---------------------------------------------------------------------------

BUILTIN_COLUMNS: tuple[str, ...] = (
    "brand", "model", "aliases", "weight_g", "weight_size", "stack_mm", "drop_mm",
    "stability_features", "flex_score", "minimalist_index_published", "source", "notes", "rating_basis",
)


@lru_cache(maxsize=1)
def _builtin_raw() -> pd.DataFrame:
    text = resources.files("analysis").joinpath("data/shoe_models.csv").read_text(encoding="utf-8")
    body = "".join(line for line in io.StringIO(text) if not line.startswith("#"))
    df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    for col in ("weight_g", "stack_mm", "drop_mm", "stability_features", "flex_score", "minimalist_index_published"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan)).astype("Float64")
    for col in ("brand", "model", "aliases", "weight_size", "source", "notes", "rating_basis"):
        df[col] = df[col].replace("", pd.NA).astype("string")
    return df


def builtin_shoes() -> pd.DataFrame:
    """The built-in table of common shoe models (``analysis/data/shoe_models.csv``).

    Specs are as published by the maker or the named review/spec site in
    ``source``; sizes vary (``weight_size`` says which size ``weight_g`` is for,
    one shoe). Blank cells are unknown, never 0. Columns: brand, model, aliases
    ('|'-separated), weight_g, weight_size, stack_mm (heel), drop_mm,
    stability_features, flex_score, minimalist_index_published, source, notes,
    rating_basis.

    ``stability_features`` and ``flex_score`` are runlog's own ratings, made
    with the METHODS.md 3 rubric from the descriptions in ``source`` (the
    counting rules and the flexibility scale are in the file's header);
    ``rating_basis`` says what was counted. They are not published values.
    """
    return _builtin_raw().copy()


@dataclass(frozen=True)
class _Match:
    row: int
    label: str
    version_note: str = ""


@lru_cache(maxsize=1)
def _builtin_keys() -> tuple[dict[str, int], dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(full-name/alias key -> row, (brand, model key) -> row, (brand, family) -> row)."""
    df = _builtin_raw()
    names: dict[str, int] = {}
    models: dict[tuple[str, str], int] = {}
    families: dict[tuple[str, str], int] = {}
    for i, r in enumerate(df.itertuples(index=False)):
        brand = _brand_key(r.brand)
        for text in [f"{r.brand} {r.model}", *_split_aliases(r.aliases)]:
            names.setdefault(normalize_name(text), i)
        for text in [r.model, *_split_aliases(r.aliases)]:
            models.setdefault((brand, normalize_name(text)), i)
            families.setdefault((brand, model_family(text)), i)
            families.setdefault((brand, model_family(f"{r.brand} {text}")), i)
    return names, models, families


def _builtin_label(i: int) -> str:
    r = _builtin_raw().iloc[i]
    return f"{r['brand']} {r['model']}"


def match_builtin(brand: Any = None, model: Any = None, name: Any = None) -> _Match | None:
    """Find a built-in model by brand + model, or by a full name / alias.

    Brand + model match exactly (or an alias does); else the model family
    (model without its version) matches, noted as a different version. A name
    alone must equal "brand model" or an alias, or its family "brand family".
    """
    names, models, families = _builtin_keys()
    b = _brand_key(brand)
    if b and normalize_name(model):
        m = normalize_name(model)
        if (b, m) in models:
            return _Match(models[(b, m)], _builtin_label(models[(b, m)]))
        for key in (normalize_name(f"{brand} {model}"), m):
            if key in names:
                return _Match(names[key], _builtin_label(names[key]))
        fam = (b, model_family(model))
        if fam in families:
            i = families[fam]
            return _Match(i, _builtin_label(i), f"nearest version of {str(model).strip()}")
    if normalize_name(name):
        n = normalize_name(name)
        if n in names:
            return _Match(names[n], _builtin_label(names[n]))
        toks = n.split()
        for k in range(1, min(3, len(toks))):
            key = (_brand_key(" ".join(toks[:k])), model_family(" ".join(toks[k:])))
            if key in families:
                i = families[key]
                return _Match(i, _builtin_label(i), f"nearest version of {str(name).strip()}")
    return None


# ---------------------------------------------------------------------------
# 5. Completing a catalog: specs -> MI -> class, saying what was derived
# ---------------------------------------------------------------------------


def complete_catalog(
    shoes: pd.DataFrame,
    *,
    builtin: bool = True,
    mi_thresholds: Sequence[float] = DEFAULT_MI_THRESHOLDS,
) -> pd.DataFrame:
    """Derive what a shoes catalog leaves out, and say what was derived.

    A catalog gives specs, or an MI, or a class (DESIGN.md "shoes"). In order:

    * ``flex_score`` from ``flex_longitudinal`` + ``flex_torsional`` (0-2.5 each);
    * missing specs of a row with neither MI nor class, from the built-in table
      when brand + model (or the name) match one of its models;
    * ``minimalist_index`` from the specs (partial when a component is unknown;
      a given MI is never overwritten);
    * ``shoe_class`` from the MI (a partial MI by its range, see the module
      notes); a given class is never overwritten.

    Parameters
    ----------
    shoes : DataFrame
        A shoes catalog (:data:`analysis.schema.SHOES_DTYPES` columns or a subset).
    builtin : bool, default True
        Fill missing specs from :func:`builtin_shoes`.
    mi_thresholds : (float, float), default (30, 70)
        MI % lower bounds of ``partial`` and ``minimalist``.

    Returns
    -------
    DataFrame
        Canonical catalog plus ``mi_partial`` (boolean), ``mi_missing``,
        ``minimalist_index_max`` (%, the top of a partial MI's range; equal to
        ``minimalist_index`` when that is complete or given) and ``derived``
        (what was derived, '; '-separated; NA when nothing was).
    """
    _check_thresholds(mi_thresholds)
    out = schema.coerce_shoes(shoes)
    notes = _undo_derivations(out)
    _fill_flex_score(out, notes)
    if builtin:
        _fill_from_builtin(out, notes)
    mi, use_specs = _fill_mi_from_specs(out, notes)
    _fill_class(out, mi, use_specs, notes, mi_thresholds)
    out["derived"] = pd.Series(["; ".join(x) if x else pd.NA for x in notes], index=out.index, dtype="string")
    return out


def _undo_derivations(out: pd.DataFrame) -> list[list[str]]:
    """Each row's notes so far; a completed catalog's derived MI and class cleared (in place) to be redone."""
    notes: list[list[str]] = [[] for _ in range(len(out))]
    if "derived" not in out.columns:
        return notes
    for i, v in enumerate(out["derived"]):
        kept = []
        for note in str(v).split("; ") if pd.notna(v) else []:
            if note.startswith("minimalist_index from specs"):
                out.iloc[i, out.columns.get_loc("minimalist_index")] = pd.NA
            elif note.startswith("shoe_class"):
                out.iloc[i, out.columns.get_loc("shoe_class")] = pd.NA
            elif note:
                kept.append(note)
        notes[i] = kept
    return notes


def _fill_flex_score(out: pd.DataFrame, notes: list[list[str]]) -> None:
    """``flex_score`` = longitudinal + torsional flexibility where both are given and it is not (in place)."""
    if not {"flex_longitudinal", "flex_torsional"} <= set(out.columns):
        return
    lon = pd.to_numeric(out["flex_longitudinal"], errors="coerce")
    tor = pd.to_numeric(out["flex_torsional"], errors="coerce")
    fill = out["flex_score"].isna() & lon.notna() & tor.notna()
    out.loc[fill, "flex_score"] = (lon + tor)[fill]
    for i in np.flatnonzero(fill.to_numpy()):
        notes[i].append("flex_score from longitudinal + torsional")


def _fill_from_builtin(out: pd.DataFrame, notes: list[list[str]]) -> None:
    """Missing specs (and a published MI) of rows with no MI, class or full specs, from the built-in table."""
    raw = _builtin_raw()
    for i in range(len(out)):
        row = out.iloc[i]
        if pd.notna(row["minimalist_index"]) or pd.notna(row["shoe_class"]):
            continue
        if all(pd.notna(row[c]) for c in SPEC_COLUMNS):
            continue
        m = match_builtin(row["brand"], row["model"], row["name"])
        if m is None:
            continue
        b = raw.iloc[m.row]
        filled = [c for c in SPEC_COLUMNS if pd.isna(row[c]) and pd.notna(b[c])]
        for c in filled:
            out.iloc[i, out.columns.get_loc(c)] = b[c]
        published = b["minimalist_index_published"]
        if pd.notna(published):
            out.iloc[i, out.columns.get_loc("minimalist_index")] = published
        if filled or pd.notna(published):
            what = "specs" if filled else "minimalist_index"
            extra = f"; {m.version_note}" if m.version_note else ""
            notes[i].append(f"{what} from built-in table ({m.label}{extra})")


def _fill_mi_from_specs(out: pd.DataFrame, notes: list[list[str]]) -> tuple[pd.DataFrame, pd.Series]:
    """The MI of rows that give none, from their specs (in place); the specs' MI frame and which rows used it."""
    mi = minimalist_index_frame(out)
    given_mi = out["minimalist_index"].notna()
    has_specs = mi["minimalist_index"].notna()
    use_specs = ~given_mi & has_specs
    out["minimalist_index"] = out["minimalist_index"].where(given_mi, mi["minimalist_index"]).astype("Float64")
    out["mi_partial"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out.loc[given_mi, "mi_partial"] = False
    out.loc[use_specs, "mi_partial"] = mi.loc[use_specs, "mi_partial"]
    out["mi_missing"] = mi["mi_missing"].where(use_specs).astype("string")
    out["minimalist_index_max"] = out["minimalist_index"].where(~use_specs, mi["mi_max"]).astype("Float64")
    for i in np.flatnonzero(use_specs.to_numpy()):
        missing = mi["mi_missing"].iloc[i]
        if pd.notna(missing):
            notes[i].append(f"minimalist_index from specs (partial: missing {missing.replace('|', ', ')})")
        else:
            notes[i].append("minimalist_index from specs")
    return mi, use_specs


def _fill_class(out: pd.DataFrame, mi: pd.DataFrame, use_specs: pd.Series, notes: list[list[str]],
                mi_thresholds: Sequence[float]) -> None:
    """``shoe_class`` of rows that give none, from the MI (a partial MI by its range), in place."""
    lo = mi_class(out["minimalist_index"], thresholds=mi_thresholds)
    hi = mi_class((mi["mi_max"]).where(use_specs, out["minimalist_index"]), thresholds=mi_thresholds)
    derived_class = lo.where(lo == hi, "unknown")
    given_class = out["shoe_class"].notna()
    for i in np.flatnonzero((~given_class).to_numpy()):
        cls = derived_class.iloc[i]
        if pd.notna(out["minimalist_index"].iloc[i]):
            if cls == "unknown":
                notes[i].append(
                    f"shoe_class unknown: MI {_fmt(mi['mi_min'].iloc[i])}-{_fmt(mi['mi_max'].iloc[i])} % "
                    f"spans {lo.iloc[i]} and {hi.iloc[i]}"
                )
            else:
                notes[i].append("shoe_class from minimalist_index")
        else:
            notes[i].append("shoe_class unknown: no specs, minimalist_index or class")
    out["shoe_class"] = out["shoe_class"].where(given_class, derived_class).astype("string")


def _fmt(x: Any) -> str:
    return f"{float(x):g}"


@lru_cache(maxsize=4)
def _builtin_catalog(thresholds: tuple[float, float]) -> pd.DataFrame:
    raw = _builtin_raw()
    cat = pd.DataFrame({
        "name": (raw["brand"] + " " + raw["model"]).astype("string"),
        "aliases": raw["aliases"], "brand": raw["brand"], "model": raw["model"],
        **{c: raw[c] for c in SPEC_COLUMNS},
        "minimalist_index": raw["minimalist_index_published"],
    })
    return complete_catalog(cat, builtin=False, mi_thresholds=thresholds)


# ---------------------------------------------------------------------------
# 6. Assignment
# ---------------------------------------------------------------------------

#: barefoot words (normalised: casefolded, no accents), several languages.
BAREFOOT_WORDS: tuple[str, ...] = (
    "barefoot", "bare foot", "bare feet", "barefooted",          # English
    "barfuss", "barfussig", "barfuessig",                        # German (barfuß, barfüßig)
    "barfod", "barfodet",                                        # Danish
    "barvoet", "barrevoets", "blootsvoets", "blote voeten",      # Dutch
    "descalzo", "descalza", "descalzos", "descalzas",            # Spanish
    "pieds nus", "pied nu", "nu pieds",                          # French
    "scalzo", "scalza", "scalzi", "piedi nudi",                  # Italian
    "boso", "bosa", "naboso",                                    # Polish, Czech, Slovak, Croatian
    "paljain jaloin", "paljasjaloin",                            # Finnish
    "barfota",                                                   # Swedish
    "barbent", "barbeint", "barfott",                            # Norwegian (barføtt)
    "descalco", "descalca", "descalcos",                         # Portuguese (descalço)
    "босиком", "босоногий",                                      # Russian
    "mezitlab",                                                  # Hungarian (mezítláb)
)

#: brand words -> (label when the catalog has no such shoe, catalog search terms).
BRAND_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "vff": ("Vibram FiveFingers", ("fivefingers", "five fingers", "vff")),
    "fivefingers": ("Vibram FiveFingers", ("fivefingers", "five fingers", "vff")),
    "five fingers": ("Vibram FiveFingers", ("fivefingers", "five fingers", "vff")),
    "xero": ("Xero Shoes", ("xero",)),
    "xeros": ("Xero Shoes", ("xero",)),
    "vivobarefoot": ("Vivobarefoot", ("vivobarefoot", "vivo barefoot", "vivo")),
    "vivo barefoot": ("Vivobarefoot", ("vivobarefoot", "vivo barefoot", "vivo")),
    "huarache": ("huaraches", ("huarache", "huaraches", "sandal", "sandals", "luna")),
    "huaraches": ("huaraches", ("huarache", "huaraches", "sandal", "sandals", "luna")),
    "sandal": ("running sandals", ("sandal", "sandals", "huarache", "huaraches", "luna")),
    "sandals": ("running sandals", ("sandal", "sandals", "huarache", "huaraches", "luna")),
    "barefoot shoe": ("barefoot shoes", ()),
    "barefoot shoes": ("barefoot shoes", ()),
}


#: stems that begin compound words in German, Danish, Dutch and Nordic titles
#: ("Barfußlauf", "Barfodsløb", "Barfotalöpning"); normalised.
BAREFOOT_STEMS: tuple[str, ...] = ("barefoot", "barfuss", "barfod", "barvoet", "barfota", "barbeint", "barfott")
#: a compound ending in a shoe word names shoes, not bare feet ("Barfußschuh")
_SHOE_ENDINGS = ("shoe", "shoes", "schuh", "schuhe", "sko", "skor", "skoen", "schoen", "schoenen")
_COMPOUND = re.compile(r"\b(" + "|".join(BAREFOOT_STEMS) + r")(\w+)")


def _has_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _barefoot_compound(text: str) -> str | None:
    """A compound word starting with a barefoot stem (not a shoe word), or None."""
    for m in _COMPOUND.finditer(text):
        if not m.group(2).endswith(_SHOE_ENDINGS):
            return m.group(0)
    return None


def keyword_match(text: Any) -> tuple[str, str] | None:
    """What an activity's text says about its footwear.

    Returns ``("brand", word)`` when a minimalist brand word appears (checked
    first), ``("barefoot", word)`` when a barefoot word appears, else None.
    Matching is on whole words of the normalised text (see :func:`normalize_name`).
    """
    t = normalize_name(text)
    if not t:
        return None
    for word in sorted(BRAND_WORDS, key=len, reverse=True):
        if _has_phrase(t, word):
            return ("brand", word)
    for word in BAREFOOT_WORDS:
        if _has_phrase(t, normalize_name(word)):
            return ("barefoot", word)
    compound = _barefoot_compound(t)
    if compound:
        return ("barefoot", compound)
    return None


def _norm_id(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip()
    m = re.fullmatch(r"[gG]?(\d+)(?:\.0+)?", s)
    return m.group(1) if m else s.casefold()


_VERSION_TOKENS = re.compile(r"\d+|\b(?:ii|iii|iv|vi|vii|viii|ix|x)\b")


def _versions(key: str) -> tuple[str, ...]:
    """The numbers (and roman numerals) of a normalised name: "hoka clifton 7" -> ("7",)."""
    return tuple(_VERSION_TOKENS.findall(key))


def format_mi(mi: Any, mi_max: Any = None) -> str:
    """An MI for people: "88", a partial MI's range "56-96", or "-" when unknown (METHODS.md 3)."""
    if mi is None or pd.isna(mi):
        return "-"
    if mi_max is not None and pd.notna(mi_max) and float(mi_max) > float(mi):
        return f"{float(mi):.0f}-{float(mi_max):.0f}"
    return f"{float(mi):.0f}"


@dataclass(frozen=True)
class _Shoe:
    """What a rule found: the name shown, the class and MI, and where they came from."""

    name: Any
    shoe_class: str
    mi: Any = pd.NA
    mi_max: Any = pd.NA
    specs: Any = pd.NA  #: where class and MI came from, for people
    catalog: Any = pd.NA  #: the catalog row (its name) that gave them


_BUILTIN_NOTE = re.compile(r"(specs|minimalist_index) from built-in table \(([^;)]+)(; nearest version of [^)]*)?\)")


def _builtin_text(label: str, nearest: bool, what: str = "specs") -> str:
    what = "specs" if what == "specs" else "published MI"
    return f"{what} of the nearest built-in version, {label}" if nearest else f"{what} of the built-in {label}"


def _catalog_specs_text(row: Mapping[str, Any]) -> str:
    """Where a completed catalog row's class and MI came from (its ``derived`` notes), for people."""
    notes = str(row.get("derived")) if pd.notna(row.get("derived")) else ""
    src, n = row.get("source_file"), row.get("source_row")
    where = "the catalog"
    if src is not None and pd.notna(src):
        where = str(src).replace("\\", "/").rsplit("/", 1)[-1] + (f" row {int(n)}" if n is not None and pd.notna(n) else "")
    m = _BUILTIN_NOTE.search(notes)
    if m:
        text = _builtin_text(m.group(2), bool(m.group(3)), m.group(1))
    elif "minimalist_index from specs" in notes:
        text = f"specs from {where}"
    elif pd.notna(row.get("minimalist_index")):
        text = f"MI from {where}"
    elif pd.notna(row.get("shoe_class")) and row.get("shoe_class") != "unknown":
        text = f"class from {where}"
    else:
        model = " ".join(str(row[c]) for c in ("brand", "model") if pd.notna(row.get(c)))
        if pd.notna(row.get("model")):
            return f"no specs, MI or class in {where}, and {model} is not in the built-in table"
        return f"no specs, MI or class in {where}"
    missing = row.get("mi_missing")
    if missing is not None and pd.notna(missing):
        text += f" (MI partial: {str(missing).replace('|', ', ')} unknown)"
    return text


class _Resolver:
    """Name / id / class lookups over a completed catalog and the built-in table.

    A catalog row *is* a run's shoe when the run's gear id, or its gear name
    (after :func:`normalize_name`), is the row's ``gear_id``, name or an alias:
    the runner said so, and the run shows the catalog's name. Anything looser -
    the same brand + model, a near name with the same version numbers, a model
    of the built-in table (or its nearest version) - only lends class and MI:
    the run keeps the gear name it was recorded with, so two shoes are never
    merged and none is renamed.
    """

    def __init__(self, catalog: pd.DataFrame, *, builtin: bool, thresholds: tuple[float, float], cutoff: float):
        self.cutoff = cutoff
        self._memo: dict[str, tuple[_Shoe, bool] | None] = {}
        self.builtin = _builtin_catalog(thresholds) if builtin else None
        self.entries: list[_Shoe] = []
        self.by_key: dict[str, int] = {}  # name and aliases: the runner's own words for this shoe
        self.by_model: dict[str, int] = {}  # brand + model, model: the same model, maybe another pair
        self.by_id: dict[str, int] = {}
        self.text: list[str] = []
        self.retired: list[bool] = []
        for r in catalog.to_dict("records"):
            idx = len(self.entries)
            mi = r.get("minimalist_index", pd.NA)
            mi_max = r.get("minimalist_index_max", mi)
            cls = r["shoe_class"] if pd.notna(r.get("shoe_class")) else "unknown"
            self.entries.append(_Shoe(r["name"], cls, mi, mi if pd.isna(mi_max) else mi_max,
                                      _catalog_specs_text(r), r["name"]))
            for key in [r["name"], *_split_aliases(r.get("aliases"))]:
                if normalize_name(key):
                    self.by_key.setdefault(normalize_name(key), idx)
            if pd.notna(r.get("model")):
                brand = f"{r['brand']} " if pd.notna(r.get("brand")) else ""
                for key in (normalize_name(f"{brand}{r['model']}"), normalize_name(r["model"])):
                    if key:
                        self.by_model.setdefault(key, idx)
            gid = _norm_id(r.get("gear_id"))
            if gid:
                self.by_id.setdefault(gid, idx)
            words = (r.get("brand"), r.get("model"), r["name"], r.get("aliases"))
            self.text.append(normalize_name(" ".join(str(x) for x in words if pd.notna(x))))
            self.retired.append(bool(r["retired"]) if pd.notna(r.get("retired")) else False)
        self._near_keys = list(dict.fromkeys([*self.by_key, *self.by_model]))

    def by_gear_id(self, gear_id: Any) -> _Shoe | None:
        i = self.by_id.get(_norm_id(gear_id))
        return None if i is None else self.entries[i]

    def by_name(self, name: Any) -> _Shoe | None:
        """The shoe a gear name stands for; its name is the catalog's only when the catalog lists it."""
        k = normalize_name(name)
        if not k:
            return None
        if k not in self._memo:
            self._memo[k] = self._lookup(k)
        found = self._memo[k]
        if found is None:
            return None
        shoe, listed = found
        return shoe if listed else replace(shoe, name=" ".join(str(name).split()))

    def _lookup(self, k: str) -> tuple[_Shoe, bool] | None:
        if k in self.by_key:
            return self.entries[self.by_key[k]], True
        if k in self.by_model:
            e = self.entries[self.by_model[k]]
            return replace(e, specs=f"{e.specs}, as {e.name} (same model)"), False
        close = [c for c in difflib.get_close_matches(k, self._near_keys, n=3, cutoff=self.cutoff)
                 if _versions(c) == _versions(k)]
        if close:
            i = self.by_key.get(close[0], self.by_model.get(close[0]))
            e = self.entries[i]
            return replace(e, specs=f"{e.specs}, as {e.name} (similar name)"), False
        if self.builtin is not None:
            m = match_builtin(name=k)
            if m is not None:
                b = self.builtin.iloc[m.row]
                text = _builtin_text(m.label, bool(m.version_note))
                if pd.notna(b["mi_missing"]):
                    text += f" (MI partial: {str(b['mi_missing']).replace('|', ', ')} unknown)"
                return _Shoe(b["name"], b["shoe_class"], b["minimalist_index"], b["minimalist_index_max"], text), False
        return None

    def reference(self, ref: Any, where: str) -> _Shoe:
        """A shoe name or a class name given by an override, the gear log or the default shoe."""
        k = normalize_name(ref)
        if k in schema.SHOE_CLASSES:
            return _Shoe(pd.NA, k, specs=f"class named by {where}")
        return self.by_name(ref) or _Shoe(" ".join(str(ref).split()), "unknown",
                                          specs=f"named by {where}; not in the catalog or the built-in table")

    def brand(self, word: str) -> _Shoe:
        label, terms = BRAND_WORDS[word]
        hits = [i for i, t in enumerate(self.text) if any(_has_phrase(t, term) for term in terms)]
        hits.sort(key=lambda i: self.retired[i])
        if hits:
            e = self.entries[hits[0]]
            if e.shoe_class == "unknown":
                return replace(e, shoe_class="minimalist", specs=f"brand word '{word}' in the title")
            return e
        return _Shoe(label, "minimalist", specs=f"brand word '{word}' in the title (no specs)")


def _overrides_map(overrides: Any, run_ids: pd.Index, run_dates: pd.Series,
                   legacy: Callable[[], Mapping[str, str]] | None = None) -> dict[str, Any]:
    """activity_id -> shoe for every run an override names: by its id, else by its local date.

    An id that names no run is looked up among the runs' ids of earlier
    versions (``legacy()``: old id -> id now, asked only then, as it reads
    files again); one that still names none is reported on stderr with the
    overrides file's name (:func:`_tell_unmatched`), never dropped unsaid.
    """
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        pairs, by_date = list(overrides.items()), []
    else:
        df = overrides
        aids = df["activity_id"] if "activity_id" in df.columns else pd.Series(pd.NA, index=df.index)
        days = (pd.to_datetime(df["date"]).dt.normalize() if "date" in df.columns
                else pd.Series(pd.NaT, index=df.index))
        pairs = [(a, shoe) for a, shoe in zip(aids, df["shoe"], strict=True) if pd.notna(a)]
        by_date = [(d, shoe) for a, d, shoe in zip(aids, days, df["shoe"], strict=True) if pd.isna(a) and pd.notna(d)]
    ids = [str(i) for i in run_ids]
    known = set(ids)
    suffix = id_suffixes(ids)
    out: dict[str, Any] = {}
    unmatched: list[tuple[str, Any]] = []
    for aid, shoe in pairs:
        a = str(aid).strip()
        if a in out or a in known:
            out[a] = shoe
        elif len(suffix.get(a, [])) == 1:
            out[suffix[a][0]] = shoe
        elif len(suffix.get(a, [])) > 1:
            _tell(f"{_label_of(overrides)}: activity_id '{a}' ({shoe}) is the end of several runs' ids "
                  f"({', '.join(suffix[a][:3])}): not applied; write the whole id")
        else:
            unmatched.append((a, shoe))
    if unmatched:
        unmatched = _match_legacy(unmatched, legacy, known, out, _label_of(overrides))
    if unmatched:
        _tell_unmatched(unmatched, _label_of(overrides))
    if by_date:
        days = dict(by_date)
        for rid, day in zip(ids, pd.to_datetime(run_dates).dt.normalize(), strict=True):
            if rid not in out and pd.notna(day) and day in days:
                out[rid] = days[day]
    return out


def _label_of(overrides: Any) -> str:
    """The overrides file's name (:func:`analysis.io.shoes.read_overrides` keeps it), else ``the overrides``."""
    attrs = getattr(overrides, "attrs", None) or {}
    return str(attrs.get("source_file") or "the overrides")


def _match_legacy(unmatched: list[tuple[str, Any]], legacy: Callable[[], Mapping[str, str]] | None,
                  known: set[str], out: dict[str, Any], label: str) -> list[tuple[str, Any]]:
    """Fill ``out`` from the overrides whose id is a run's id of an earlier version; the rest.

    A run named by its id now keeps that override (an old id does not
    replace it). One stderr line says how many old ids were matched.
    """
    if legacy is None:
        return unmatched
    mapping = legacy()
    if not mapping:
        return unmatched
    rest, moved = [], []
    for a, shoe in unmatched:
        new = mapping.get(a)  # old ids with and without their "csv:" prefix
        if new is None or new not in known:
            rest.append((a, shoe))
            continue
        moved.append((a, new))
        if new not in out:
            out[new] = shoe
    if moved:
        a, new = moved[0]
        _tell(f"{label}: {len(moved)} activity_id{'s' if len(moved) > 1 else ''} of CSV runs written before "
              f"runlog changed how it names rows without an id (e.g. '{a}', now '{new}') matched to their runs; "
              "'runlog runs -o runs.csv' lists the ids to write from now on")
    return rest


def _tell_unmatched(unmatched: list[tuple[str, Any]], label: str, show: int = 10) -> None:
    """One stderr line naming the overrides whose id names no run (the first ``show`` of them)."""
    names = ", ".join(f"'{a}' ({shoe})" for a, shoe in unmatched[:show])
    more = f" and {len(unmatched) - show} more" if len(unmatched) > show else ""
    s = "s" if len(unmatched) > 1 else ""
    _tell(f"{label}: activity_id{s} {names}{more} name{'' if s else 's'} no run given: "
          f"not applied (check the id{s} against 'runlog runs -o runs.csv')")


def _tell(message: str) -> None:
    """A warning line on stderr, as the loader and the cache print theirs."""
    print(f"runlog: {message}", file=sys.stderr, flush=True)


def _gear_log_rows(gear_log: pd.DataFrame) -> list[tuple]:
    def col(name: str) -> pd.Series:
        return gear_log[name] if name in gear_log.columns else pd.Series(pd.NA, index=gear_log.index)

    start = pd.to_datetime(col("from")).dt.normalize()
    end = pd.to_datetime(col("to")).dt.normalize()
    rows = []
    for s, e, shoe, lo, hi, sport in zip(start, end, col("shoe"), pd.to_numeric(col("min_km")),
                                         pd.to_numeric(col("max_km")), col("sport"), strict=True):
        rows.append((s, e, shoe, lo, hi, normalize_sport(sport)))
    return rows


def _log_applies(entry: tuple, date: Any, km: Any, sport: Any) -> bool:
    s, e, _, lo, hi, log_sport = entry
    if pd.isna(date):
        return False
    if pd.notna(s) and date < s:
        return False
    if pd.notna(e) and date > e:
        return False
    if pd.notna(lo) and (pd.isna(km) or km < lo):
        return False
    if pd.notna(hi) and (pd.isna(km) or km >= hi):
        return False
    return not (pd.notna(log_sport) and (pd.isna(sport) or str(sport) != log_sport))


#: columns :func:`assign_footwear` fills, after ``gear_name``, ``shoe_class`` and ``minimalist_index``
ASSIGNED_COLUMNS: tuple[str, ...] = ("minimalist_index_max", "shoe_specs", "shoe_catalog", "shoe_rule")


def assign_footwear(
    runs: pd.DataFrame,
    shoes: pd.DataFrame | None = None,
    *,
    overrides: pd.DataFrame | Mapping | None = None,
    gear_log: pd.DataFrame | None = None,
    default_shoe: str | None = None,
    mi_thresholds: Sequence[float] = DEFAULT_MI_THRESHOLDS,
    name_cutoff: float = DEFAULT_NAME_CUTOFF,
    builtin: bool = True,
    legacy_ids: Callable[[pd.DataFrame], Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Give every run a shoe, a shoe class and an MI; record which rule decided and where the specs came from.

    The rules, first that applies wins, are listed in the module notes
    (METHODS.md 3; FORMATS.md "Footwear is never in FIT"). A recorded gear
    name is never changed to another name unless the catalog lists it as that
    shoe's name or alias (see :class:`_Resolver`); names differing only in case
    or spacing are one shoe, shown as first seen.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (:func:`analysis.schema.coerce_runs`), index
        ``activity_id``; uses ``gear_id``, ``gear_name``, ``name``,
        ``description``, ``date``, ``distance_m`` (m) and ``sport``.
    shoes : DataFrame, optional
        Shoes catalog, completed by :func:`complete_catalog` here if it is not
        yet (:func:`analysis.io.shoes.read_shoes` returns it as written).
    overrides : DataFrame or mapping, optional
        activity_id -> shoe (a catalog name or a class name), or a frame with
        ``activity_id`` and/or ``date`` (local date: every run that day) and
        ``shoe`` (:func:`analysis.io.shoes.read_overrides`); an id wins over a
        date. An id without its source prefix ("123" for "strava:123")
        matches when unambiguous. An id that matches no run is looked up
        through ``legacy_ids``; one that still matches none is told in one
        stderr line naming the file (``overrides.attrs["source_file"]``) and
        the ids, and not applied.
    gear_log : DataFrame, optional
        Columns ``from``, ``to`` (local dates, inclusive; blank = open),
        ``shoe``, optional ``min_km`` (run >= min_km), ``max_km`` (run <
        max_km) and ``sport`` (:func:`analysis.io.shoes.read_gear_log`).
    default_shoe : str, optional
        Shoe name or class for runs with no gear recorded.
    mi_thresholds : (float, float), default (30, 70)
        MI % lower bounds of ``partial`` and ``minimalist``.
    name_cutoff : float, default 0.85
        :func:`difflib.get_close_matches` cutoff for near gear-name matches
        (names whose version numbers differ never match).
    builtin : bool, default True
        Also look names up in :func:`builtin_shoes`.
    legacy_ids : callable, optional
        ``legacy_ids(runs)`` -> {id of an earlier runlog version: id now}
        (:func:`analysis.ingest.loader.legacy_csv_ids`: generic-CSV rows were
        named by SHA-1 before, XXH3 now); called only when an override's id
        matches no run.

    Returns
    -------
    DataFrame
        A copy of ``runs`` with ``gear_name`` (the shoe's name; NA for
        class-only rules), ``shoe_class``, ``minimalist_index`` (%, the lower
        end of a partial MI), ``minimalist_index_max`` (%, its upper end),
        ``shoe_specs`` (where class and MI came from, e.g. "specs of the
        nearest built-in version, Hoka Clifton 9"), ``shoe_catalog`` (the
        catalog row that gave them) and ``shoe_rule`` filled.
    """
    thresholds = _check_thresholds(mi_thresholds)
    catalog = _completed(shoes, builtin=builtin, thresholds=thresholds)
    out = _with_footwear_columns(runs)
    res = _Resolver(catalog, builtin=builtin, thresholds=thresholds, cutoff=name_cutoff)
    over = _overrides_map(overrides, out.index, out["date"],
                          legacy=None if legacy_ids is None else (lambda: legacy_ids(runs)))
    log = _gear_log_rows(gear_log) if gear_log is not None else []
    default = None
    if default_shoe is not None and str(default_shoe).strip():
        default = res.reference(default_shoe, "--default-shoe")
    rules = _Rules(res, over, log, default)
    km = pd.to_numeric(out["distance_m"]).astype("float64") / 1000.0
    texts = (out["name"].astype("string").fillna("") + " " + out["description"].astype("string").fillna(""))
    result = [rules.decide(*run) for run in zip(
        out.index, out["gear_id"], out["gear_name"], texts, pd.to_datetime(out["date"]), km, out["sport"],
        strict=True)]
    return _write_shoes(out, result)


def _completed(shoes: pd.DataFrame | None, *, builtin: bool, thresholds: tuple[float, float]) -> pd.DataFrame:
    """The catalog completed by :func:`complete_catalog` (as it is when it already was)."""
    if shoes is None:
        return complete_catalog(pd.DataFrame(columns=list(schema.SHOES_DTYPES)), builtin=False,
                                mi_thresholds=thresholds)
    if {"derived", "mi_partial", "minimalist_index_max"} <= set(shoes.columns):
        return schema.coerce_shoes(shoes)
    return complete_catalog(shoes, builtin=builtin, mi_thresholds=thresholds)


def _with_footwear_columns(runs: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``runs`` with every column the rules read or write (blank where missing)."""
    out = runs.copy()
    for c in ("gear_id", "gear_name", "name", "description", "sport", "shoe_class", "shoe_rule"):
        if c not in out.columns:
            out[c] = pd.Series(pd.NA, index=out.index, dtype="string")
    for c in ("distance_m", "minimalist_index"):
        if c not in out.columns:
            out[c] = pd.Series(pd.NA, index=out.index, dtype="Float64")
    if "date" not in out.columns:
        out["date"] = pd.Series(pd.NaT, index=out.index, dtype=schema.LOCAL_DATE)
    return out


@dataclass
class _Rules:
    """The assignment rules in order (module notes); :meth:`decide` gives a run's shoe and rule."""

    res: _Resolver
    over: dict[str, Any]
    log: list
    default: _Shoe | None
    shown: dict[str, str] = field(default_factory=dict)  # normalised gear name -> the spelling first seen

    def decide(self, aid, gid, gname, text, date, dist, sport) -> tuple[_Shoe, str]:
        """The first rule that finds a shoe, and that shoe; else an unknown shoe by rule ``unknown``."""
        for rule, find in (
            ("override", lambda: self._override(aid)),
            ("gear_id", lambda: self.res.by_gear_id(gid) if _norm_id(gid) else None),
            ("gear_name", lambda: self._by_name(gname)),
            ("gear_log", lambda: self._by_log(date, dist, sport)),
            ("keyword", lambda: self._by_keyword(text)),
            ("default", lambda: None if _norm_id(gid) else self.default),
        ):
            shoe = find()
            if shoe is not None:
                return shoe, rule
        return _Shoe(pd.NA, "unknown"), "unknown"

    def _override(self, aid) -> _Shoe | None:
        return self.res.reference(self.over[str(aid)], "the overrides") if str(aid) in self.over else None

    def _by_name(self, gname) -> _Shoe | None:
        if not normalize_name(gname):
            return None
        recorded = self.shown.setdefault(normalize_name(gname), " ".join(str(gname).split()))
        return self.res.by_name(recorded) or _Shoe(recorded, "unknown", specs="not in the catalog or the built-in table")

    def _by_log(self, date, dist, sport) -> _Shoe | None:
        entry = next((e for e in self.log if _log_applies(e, date, dist, sport)), None)
        return None if entry is None else self.res.reference(entry[2], "the gear log")

    def _by_keyword(self, text) -> _Shoe | None:
        hit = keyword_match(text)
        if hit is None:
            return None
        if hit[0] == "brand":
            return self.res.brand(hit[1])
        return _Shoe(pd.NA, "barefoot", specs=f"barefoot word '{hit[1]}' in the title")


def _write_shoes(out: pd.DataFrame, result: list[tuple[_Shoe, str]]) -> pd.DataFrame:
    """``out`` with each run's shoe (name, class, MI, specs, catalog row) and rule written in."""

    def column(values: list, dtype: str) -> pd.Series:
        s = pd.Series(values, index=out.index, dtype="object")
        return pd.to_numeric(s).astype(dtype) if dtype == "Float64" else s.astype(dtype)

    out["gear_name"] = column([s.name for s, _ in result], "string")
    out["shoe_class"] = column([s.shoe_class for s, _ in result], "string")
    out["minimalist_index"] = column([s.mi for s, _ in result], "Float64")
    out["minimalist_index_max"] = column([s.mi_max for s, _ in result], "Float64")
    out["shoe_specs"] = column([s.specs for s, _ in result], "string")
    out["shoe_catalog"] = column([s.catalog for s, _ in result], "string")
    out["shoe_rule"] = column([r for _, r in result], "string")
    return out


# ---------------------------------------------------------------------------
# 7. Summaries
# ---------------------------------------------------------------------------


def rule_counts(runs: pd.DataFrame) -> pd.Series:
    """Number of runs decided by each assignment rule, in rule order (zeros kept)."""
    counts = runs["shoe_rule"].value_counts(dropna=False)
    return pd.Series([int(counts.get(r, 0)) for r in RULES], index=pd.Index(RULES, name="shoe_rule"), name="runs")


def runs_without_shoe(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs no rule gave a shoe (class unknown), oldest first: what to name in a gear log or catalog.

    Parameters
    ----------
    runs : DataFrame
        Runs after :func:`assign_footwear`.

    Returns
    -------
    DataFrame
        Index ``activity_id``: ``date``, ``name``, ``distance_km``,
        ``source_file`` of each run whose ``shoe_class`` is unknown or missing.
    """
    cls = runs["shoe_class"].astype("string").fillna("unknown") if "shoe_class" in runs else None
    r = runs if cls is None else runs[(cls == "unknown").to_numpy(bool)]
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(r["date"]),
            "name": r["name"].astype("string")
            if "name" in r
            else pd.Series(pd.NA, index=r.index, dtype="string"),
            "distance_km": pd.to_numeric(r["distance_m"]).astype("Float64") / 1000,
            "source_file": r["source_file"].astype("string")
            if "source_file" in r
            else pd.Series(pd.NA, index=r.index, dtype="string"),
        },
        index=r.index,
    )
    return out.sort_values("date", kind="stable")


SUMMARY_COLUMNS: tuple[str, ...] = (
    "shoe", "gear_name", "runs", "distance_km", "first_date", "last_date", "minimalist_index",
    "minimalist_index_max", "shoe_class", "specs_from", "retire_km", "retired", "retire_alert",
)


def _column_or_na(runs: pd.DataFrame, col: str, dtype: str) -> pd.Series:
    if col in runs.columns:
        return runs[col].astype(dtype) if dtype == "string" else pd.to_numeric(runs[col]).astype(dtype)
    return pd.Series(pd.NA, index=runs.index, dtype=dtype)


def shoe_summary(
    runs: pd.DataFrame,
    shoes: pd.DataFrame | None = None,
    *,
    retire_km: float = DEFAULT_RETIRE_KM,
) -> pd.DataFrame:
    """One row per shoe used: runs, km, first and last use, MI, class, where its specs came from, retire alert.

    Parameters
    ----------
    runs : DataFrame
        Runs after :func:`assign_footwear` (``gear_name``, ``shoe_class``,
        ``minimalist_index``, ``distance_m`` in m, ``date``; ``shoe_specs``,
        ``minimalist_index_max`` and ``shoe_catalog`` when present).
    shoes : DataFrame, optional
        The catalog; its ``retire_km`` (per shoe) and ``retired`` are used for
        the runs whose class came from that row (``shoe_catalog``, else the
        same name).
    retire_km : float, default 800
        Distance in km after which a shoe is flagged, when the catalog gives none.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`: ``shoe`` (gear name, or ``(no shoe: <class>)``
        for runs without one - each class on its own line), ``gear_name``,
        ``runs``, ``distance_km``, ``first_date``, ``last_date``,
        ``minimalist_index`` and ``minimalist_index_max`` (%; a partial MI is
        the range between them), ``shoe_class``, ``specs_from`` (e.g. "specs of
        the nearest built-in version, Hoka Clifton 9"), ``retire_km``,
        ``retired``, ``retire_alert`` (``distance_km >= retire_km``; never for
        shoeless lines). Each recorded gear name is its own row: shoes that
        borrow the specs of one model are never added together.
    """
    if len(runs) == 0:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    df = pd.DataFrame({
        "gear_name": runs["gear_name"].astype("string"),
        "shoe_class": runs["shoe_class"].astype("string").fillna("unknown"),
        "minimalist_index": pd.to_numeric(runs["minimalist_index"]).astype("Float64"),
        "minimalist_index_max": _column_or_na(runs, "minimalist_index_max", "Float64"),
        "specs_from": _column_or_na(runs, "shoe_specs", "string"),
        "catalog": _column_or_na(runs, "shoe_catalog", "string"),
        "km": pd.to_numeric(runs["distance_m"]).astype("Float64") / 1000.0,
        "date": pd.to_datetime(runs["date"]),
    })
    df["shoe"] = df["gear_name"].where(df["gear_name"].notna(), "(no shoe: " + df["shoe_class"] + ")")
    g = df.groupby("shoe", sort=False, dropna=False)
    summary = pd.DataFrame({
        "gear_name": g["gear_name"].first(),
        "runs": g.size().astype("Int64"),
        "distance_km": g["km"].sum(min_count=0).astype("Float64"),
        "first_date": g["date"].min(),
        "last_date": g["date"].max(),
        "minimalist_index": g["minimalist_index"].first(),
        "minimalist_index_max": g["minimalist_index_max"].first(),
        "shoe_class": g["shoe_class"].first(),
        "specs_from": g["specs_from"].first(),
        "catalog": g["catalog"].first(),
    })
    per_shoe = pd.Series(np.nan, index=summary.index, dtype="float64")
    retired = pd.Series(pd.NA, index=summary.index, dtype="boolean")
    if shoes is not None and len(shoes):
        cat = schema.coerce_shoes(shoes)
        keys = {normalize_name(n): i for i, n in enumerate(cat["name"]) if pd.notna(n)}
        for shoe in summary.index:
            ref = summary.at[shoe, "catalog"]
            i = keys.get(normalize_name(ref if pd.notna(ref) else summary.at[shoe, "gear_name"]))
            if i is not None:
                per_shoe[shoe] = cat["retire_km"].iloc[i] if pd.notna(cat["retire_km"].iloc[i]) else np.nan
                retired[shoe] = cat["retired"].iloc[i]
                if pd.isna(summary.at[shoe, "minimalist_index"]):
                    summary.at[shoe, "minimalist_index"] = cat["minimalist_index"].iloc[i]
    summary["minimalist_index_max"] = summary["minimalist_index_max"].fillna(summary["minimalist_index"])
    has_shoe = summary["gear_name"].notna()
    summary["retire_km"] = per_shoe.fillna(float(retire_km)).where(has_shoe).astype("Float64")
    summary["retired"] = retired
    summary["retire_alert"] = (summary["distance_km"] >= summary["retire_km"]).fillna(False).astype("boolean")
    summary = summary.reset_index()
    shoeless_last = summary["gear_name"].isna().astype(int)
    summary = summary.assign(_o=shoeless_last).sort_values(["_o", "first_date"], kind="stable").drop(columns="_o")
    return summary.reset_index(drop=True)[list(SUMMARY_COLUMNS)]


def specs_provenance(runs: pd.DataFrame) -> list[str]:
    """Where each shoe's class and MI came from, one line per shoe (``runlog check``, the report).

    E.g. ``Hoka Clifton 7: partial, MI 38: specs of the nearest built-in version, Hoka Clifton 9``.
    """
    s = shoe_summary(runs)
    lines = []
    for r in s.itertuples(index=False):
        specs = r.specs_from if pd.notna(r.specs_from) else "nothing identifies the shoe"
        lines.append(f"{r.shoe}: {r.shoe_class}, MI {format_mi(r.minimalist_index, r.minimalist_index_max)}: {specs}")
    return lines


def _names(values: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def shoe_warnings(runs: pd.DataFrame, catalog: pd.DataFrame | None = None, *, shoes_given: bool = False) -> list[str]:
    """Footwear warnings for ``runlog check``: catalog rows no run uses, and runs without a shoe, with a fix.

    Parameters
    ----------
    runs : DataFrame
        Runs after :func:`assign_footwear`.
    catalog : DataFrame, optional
        The catalog used. Rows with ``origin`` "export" (a Strava export's own
        shoes.csv, which lists every shoe ever owned) are not warned about.
    shoes_given : bool
        Whether the user gave a catalog (``--shoes``): the advice then points
        elsewhere than "give --shoes" when the catalog cannot help.

    Returns
    -------
    list of str
        One line per warning (no "warning:" prefix).
    """
    out: list[str] = []
    if catalog is not None and len(catalog) and "name" in catalog.columns:
        mine = catalog[catalog["origin"].astype("string").fillna("") != "export"] if "origin" in catalog else catalog
        used = {normalize_name(x) for x in _column_or_na(runs, "shoe_catalog", "string").dropna()}
        used |= {normalize_name(x) for x in runs["gear_name"].dropna()}
        unused = [r for r in mine.to_dict("records") if normalize_name(r["name"]) not in used]
        if unused:
            def label(r: Mapping) -> str:
                row = r.get("source_row")
                return f"'{r['name']}'" + (f" (row {int(row)})" if row is not None and pd.notna(row) else "")

            src = mine["source_file"].dropna() if "source_file" in mine else pd.Series(dtype="string")
            where = str(src.iloc[0]).replace("\\", "/").rsplit("/", 1)[-1] if len(src) else "the shoes catalog"
            recorded = "shoe_rule" in runs.columns and runs["shoe_rule"].isin(["gear_id", "gear_name"]).any()
            fix = ("use the gear names of your export (or list them as aliases)" if recorded else
                   "your runs record no gear: name these shoes in --gear-log, --overrides or --default-shoe")
            out.append(f"{len(unused)} of {len(mine)} rows of {where} match no run: "
                       f"{_names([label(r) for r in unused])} - {fix}")
    if len(runs) == 0 or "shoe_class" not in runs.columns:
        return out
    unknown = runs["shoe_class"].astype("string").fillna("unknown") == "unknown"
    named = unknown & runs["gear_name"].notna()
    id_only = unknown & ~named & runs["gear_id"].astype("string").str.strip().fillna("").ne("")
    bare = unknown & ~named & ~id_only
    if named.any():
        names = list(dict.fromkeys(runs.loc[named, "gear_name"].astype(str)))
        fix = ("give their brand and model, specs or class in your --shoes file" if shoes_given else
               "give --shoes (Strava's shoes.csv, or data/templates/shoes.csv with brand and model)")
        out.append(f"{int(named.sum())} of {len(runs)} runs are in shoes of unknown class ({_names(names)}): {fix}")
    if id_only.any():
        out.append(f"{int(id_only.sum())} of {len(runs)} runs record only a gear id: give --shoes with a gear_id "
                   "column, or --overrides FILE")
    if bare.any():
        out.append(f"{int(bare.sum())} of {len(runs)} runs record no shoe: give --default-shoe NAME, --gear-log "
                   "FILE (date ranges) or --overrides FILE (templates in data/templates)")
    return out


__all__ = [
    "ASSIGNED_COLUMNS", "BAREFOOT_WORDS", "BRAND_WORDS", "COMPONENTS", "DEFAULT_MI_THRESHOLDS",
    "DEFAULT_RETIRE_KM", "DROP_EDGES_MM", "MinimalistIndex", "RULES", "SPEC_COLUMNS", "STABILITY_EDGES",
    "STACK_EDGES_MM", "SUMMARY_COLUMNS", "WEIGHT_EDGES_G", "assign_footwear", "barefoot_style", "builtin_shoes",
    "complete_catalog", "format_mi", "keyword_match", "match_builtin", "mi_class", "mi_class_range",
    "minimalist_index", "minimalist_index_frame", "model_family", "normalize_name", "normalize_sport",
    "rule_counts", "score_drop", "score_flexibility", "score_stability", "score_stack", "score_weight",
    "shoe_summary", "shoe_warnings", "specs_provenance",
]
