"""VISA-A, VISA-P, VISA-G and FAAM scored by their published rules (METHODS.md 10).

- VISA-A: Robinson JM et al. 2001, Br J Sports Med 35:335-341 (Achilles).
- VISA-P: Visentini PJ et al. 1998, J Sci Med Sport 1:22-28 (patellar tendon).
- VISA-G: Fearon AM et al. 2015, "Development and validation of a VISA tendinopathy questionnaire for
  greater trochanteric pain syndrome, the VISA-G", Manual Therapy 20(6):805-813,
  doi:10.1016/j.math.2015.03.009, PMID 25870117 (gluteal tendinopathy).
- FAAM ADL and Sport: Martin RL et al. 2005, Foot Ankle Int 26:968-983 (foot and ankle).

VISA-A and VISA-P (0-100, 100 = no symptoms): questions 1-6 are 0-10, question 7 is the
points of the option ticked (0, 4, 7 or 10), question 8 is answered in exactly one
branch, A (no pain while loading), B (pain, but can complete) or C (pain stops the
activity), by a duration band worth A 0/7/14/21/30, B 0/4/10/14/20, C 0/2/5/7/10
points. VISA-A bands are 0, 1-10, 11-20, 21-30, > 30 minutes (Robinson 2001);
VISA-P bands are 0, 1-5, 6-10, 11-15, > 15 minutes (Visentini 1998).

VISA-G is laid out differently, and it is NOT verified against the VISA-G paper
(Fearon 2015 was not readable here). What two public descriptions give, and what is
implemented: question 1 is 0-10; questions 2-6 are the points of the option ticked
(0, 2, 5, 7 or 10); question 7 as above (0, 4, 7 or 10); question 8's branches are in
the reverse order of VISA-A/P, A = hip pain so severe it stops weight-bearing
exercise (walking, shopping, running), B = pain that does not stop it, C = no pain,
worth A 0/2/5/7/10, B 0/5/10/15/20, C 6/12/18/24/30 points. Sources: the open-source
scoring library awell-health/awell-score (``src/calculation_suite/calculations/visa/
visa_g``, citing Fearon 2015) for the points and branches; the French physiotherapy
course page https://physio-learning.com/unit/le-suivi-du-patient/ for the order of the
branches. Neither gives the duration bands of question 8, so a VISA-G question-8 answer
is written as the points of the option ticked, never as a band: the bands are not
assumed to be VISA-P's.
FAAM items are 4 (no difficulty) .. 0 (unable) or ``n/a``; a subscale is the sum of
the items answered over 4 x their number, as a percentage (Martin 2005; ADL 21
items, Sport 8 items).

Minimal important change (drawn on the score figure): VISA-A 6.5 points (McCormack
et al. 2015, Int J Sports Phys Ther 10:639); VISA-P 13 points (Hernandez-Sanchez et
al. 2014, Br J Sports Med 48:453); FAAM ADL 8 and Sport 9 points (Martin et al.
2005, Foot Ankle Int 26:968); VISA-G: none cited here, so none drawn.

Scoring tables are small dicts: no library scores these forms.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.errors import RunlogError

REGION: dict[str, str] = {"VISA-A": "achilles", "VISA-P": "patellar", "VISA-G": "glute",
                          "FAAM-ADL": "plantar", "FAAM-Sport": "plantar"}
#: (value, source) of the minimal important change per instrument; None where none is cited
MIN_IMPORTANT_CHANGE: dict[str, tuple[float, str] | None] = {
    "VISA-A": (6.5, "McCormack et al. 2015, Int J Sports Phys Ther 10:639"),
    "VISA-P": (13.0, "Hernandez-Sanchez et al. 2014, Br J Sports Med 48:453"),
    "VISA-G": None,
    "FAAM-ADL": (8.0, "Martin et al. 2005, Foot Ankle Int 26:968"),
    "FAAM-Sport": (9.0, "Martin et al. 2005, Foot Ankle Int 26:968"),
}
SOURCE: dict[str, str] = {
    "VISA-A": "Robinson et al. 2001, Br J Sports Med 35:335",
    "VISA-P": "Visentini et al. 1998, J Sci Med Sport 1:22",
    "VISA-G": "Fearon et al. 2015, Manual Therapy 20:805",
    "FAAM-ADL": "Martin et al. 2005, Foot Ankle Int 26:968",
    "FAAM-Sport": "Martin et al. 2005, Foot Ankle Int 26:968",
}
Q7_POINTS = (0, 4, 7, 10)
#: question 8 points per branch, in the order of the duration bands (VISA-A and VISA-P)
Q8_POINTS: dict[str, tuple[int, ...]] = {"a": (0, 7, 14, 21, 30), "b": (0, 4, 10, 14, 20), "c": (0, 2, 5, 7, 10)}
#: question 8 duration bands (minutes) as printed on each form (none verified for VISA-G: see the module note)
Q8_BANDS: dict[str, tuple[str, ...]] = {
    "VISA-A": ("0", "1-10", "11-20", "21-30", ">30"),
    "VISA-P": ("0", "1-5", "6-10", "11-15", ">15"),
}
#: VISA-G (module note; not verified against Fearon 2015): points of the options of questions 2-6 and of
#: each question-8 branch (a: pain stops weight-bearing exercise, b: pain that does not, c: no pain)
VISA_G_Q2_6_POINTS = (0, 2, 5, 7, 10)
VISA_G_Q8_POINTS: dict[str, tuple[int, ...]] = {"a": (0, 2, 5, 7, 10), "b": (0, 5, 10, 15, 20),
                                               "c": (6, 12, 18, 24, 30)}
VISA_G_NOTE = ("VISA-G as a public scoring implementation gives it (questions 2-6 the points ticked; "
               "question 8: A pain stops the activity, B pain, C no pain), not verified against the VISA-G paper")
FAAM_ITEMS: dict[str, int] = {"FAAM-ADL": 21, "FAAM-Sport": 8}
SCORE_COLUMNS = ["date", "instrument", "region", "score", "max", "min_important_change", "mic_source",
                 "source", "q8_branch", "items_answered"]


def _band(text: str) -> str:
    t = text.lower().replace(" ", "").replace("min", "").replace("utes", "").replace("s", "")
    return {"nil": "0", "none": "0", "0-0": "0"}.get(t, t).replace("–", "-")


def score_visa(instrument: str, answers: Mapping[str, tuple[str, int]], *, path=None) -> tuple[float, str]:
    """Score one VISA-A/P/G questionnaire (0-100).

    Parameters
    ----------
    instrument : str
        ``VISA-A``, ``VISA-P`` or ``VISA-G``.
    answers : mapping
        item (``q1``..``q7``, one of ``q8a``/``q8b``/``q8c``) -> (answer text, file row). Question 8
        is a duration band (VISA-A, VISA-P) or, for VISA-G, the points of the option ticked (module
        note: the VISA-G layout is not verified against its paper).
    path : str, optional
        The file, for the error line.

    Returns
    -------
    (score, branch)
        Points 0-100 and the question-8 branch answered (a, b or c).
    """
    rows = [r for _, r in answers.values()]
    first = min(rows) if rows else None
    unknown = [k for k in answers if k not in {f"q{i}" for i in range(1, 8)} | {"q8a", "q8b", "q8c"}]
    if unknown:
        raise RunlogError(f"{instrument} has no item '{unknown[0]}' (items q1-q7 and one of q8a, q8b, q8c)",
                          path=path, row=answers[unknown[0]][1])
    total = 0.0
    for i in range(1, 8):
        key = f"q{i}"
        if key not in answers:
            raise RunlogError(f"{instrument} questionnaire starting here misses item {key}: add its answer",
                              path=path, row=first)
        text, row = answers[key]
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        options = Q7_POINTS if i == 7 else VISA_G_Q2_6_POINTS if instrument == "VISA-G" and i >= 2 else None
        if options is not None:
            ok = value in options
            scale = f"{', '.join(map(str, options[:-1]))} or {options[-1]} (points of the option ticked)"
        else:
            ok = value == value and value == int(value) and 0 <= value <= 10
            scale = "a whole number 0-10"
        if not ok:
            raise RunlogError(f"{instrument} {key} answer '{text}' is off the scale: write {scale}",
                              path=path, row=row)
        total += value
    branches = [k for k in ("q8a", "q8b", "q8c") if k in answers]
    if len(branches) != 1:
        if not branches:
            raise RunlogError(f"{instrument} questionnaire starting here misses question 8: answer one of q8a, "
                              "q8b, q8c", path=path, row=first)
        raise RunlogError(f"{instrument} has two question-8 branches ({', '.join(branches)}): keep the one the "
                          "person answered", path=path, row=answers[branches[1]][1])
    branch = branches[0][-1]
    text, row = answers[branches[0]]
    if instrument == "VISA-G":
        return total + _visa_g_q8(branches[0], text, row, path), branch
    bands = Q8_BANDS[instrument]
    band = _band(text)
    if band not in bands:
        raise RunlogError(f"{instrument} {branches[0]} answer '{text}' is off the scale: write one of "
                          f"{', '.join(bands)} (minutes)", path=path, row=row)
    total += Q8_POINTS[branch][bands.index(band)]
    return total, branch


def _visa_g_q8(item: str, text: str, row: int, path) -> float:
    """VISA-G question 8: the points of the option ticked in branch ``item`` (module note: not verified)."""
    options = VISA_G_Q8_POINTS[item[-1]]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value not in options:
        meaning = {"a": "pain stops the activity", "b": "pain, but it does not stop it", "c": "no pain"}[item[-1]]
        raise RunlogError(f"VISA-G {item} ({meaning}) answer '{text}' is off the scale: write the points of "
                          f"the option ticked, {', '.join(map(str, options[:-1]))} or {options[-1]}",
                          path=path, row=row)
    return value


def score_faam(instrument: str, answers: Mapping[str, tuple[str, int]], *, path=None) -> tuple[float, int]:
    """Score one FAAM subscale: sum of items answered / (4 x items answered) x 100 (Martin 2005).

    Returns
    -------
    (score, items answered)
    """
    n = FAAM_ITEMS[instrument]
    rows = [r for _, r in answers.values()]
    first = min(rows) if rows else None
    expected = {f"q{i}" for i in range(1, n + 1)}
    for key, (_, row) in answers.items():
        if key not in expected:
            raise RunlogError(f"{instrument} has no item '{key}' (items q1-q{n})", path=path, row=row)
    missing = sorted(expected - set(answers), key=lambda k: int(k[1:]))
    if missing:
        raise RunlogError(f"{instrument} questionnaire starting here misses item {missing[0]}: answer it or "
                          "write n/a", path=path, row=first)
    total, answered = 0.0, 0
    for key, (text, row) in answers.items():
        if text.strip().lower() in ("n/a", "na"):
            continue
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (value == value and value == int(value) and 0 <= value <= 4):
            raise RunlogError(f"{instrument} {key} answer '{text}' is off the scale: write 4 (no difficulty) "
                              "to 0 (unable), or n/a", path=path, row=row)
        total += value
        answered += 1
    if answered == 0:
        raise RunlogError(f"{instrument} questionnaire starting here has every item n/a: nothing to score",
                          path=path, row=first)
    return 100.0 * total / (4 * answered), answered


def score_all(answers: pd.DataFrame) -> pd.DataFrame:
    """Score every questionnaire (date x instrument) of :func:`analysis.io.questionnaires.read_questionnaires`.

    Returns
    -------
    DataFrame
        :data:`SCORE_COLUMNS`: ``score`` 0-100, ``max`` 100, ``min_important_change``
        (points, NaN where none is cited) and its ``mic_source``, ``source`` (the
        scoring paper), ``q8_branch`` (VISA) and ``items_answered``. Sorted by
        instrument and date.

    Raises
    ------
    RunlogError
        A missing item, two question-8 branches or an answer off the scale, naming
        the file (``answers.attrs["path"]``) and row.
    """
    path = answers.attrs.get("path")
    out = []
    for (date, inst), g in answers.groupby(["date", "instrument"], sort=True):
        items = {it: (ans, int(row)) for it, ans, row in zip(g["item"], g["answer"], g["row"], strict=True)}
        if inst.startswith("VISA"):
            score, branch = score_visa(inst, items, path=path)
            answered = len(items)
        else:
            score, answered = score_faam(inst, items, path=path)
            branch = None
        mic = MIN_IMPORTANT_CHANGE[inst]
        out.append({"date": pd.Timestamp(date), "instrument": inst, "region": REGION[inst],
                    "score": round(score, 1), "max": 100, "min_important_change": mic[0] if mic else float("nan"),
                    "mic_source": mic[1] if mic else None, "source": SOURCE[inst], "q8_branch": branch,
                    "items_answered": answered})
    frame = pd.DataFrame(out, columns=SCORE_COLUMNS)
    return frame.sort_values(["instrument", "date"]).reset_index(drop=True)


def with_change(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` plus ``change`` (points since the same instrument's previous score; NaN for the first)."""
    s = scores.sort_values(["instrument", "date"]).copy()
    s["change"] = s.groupby("instrument")["score"].diff()
    s["previous_date"] = s.groupby("instrument")["date"].shift()
    return s


def latest_by_region(scores: pd.DataFrame, as_of=None) -> dict[str, str]:
    """Per region, one short text: each instrument's latest score with its date and change since the previous.

    e.g. ``VISA-A 64/100 on 2026-03-02 (+8 since 2026-02-02; MIC 6.5)``.
    """
    if scores is None or not len(scores):
        return {}
    s = with_change(scores)
    if as_of is not None:
        s = s[s["date"] <= pd.Timestamp(as_of)]
    out: dict[str, list[str]] = {}
    for inst, g in s.groupby("instrument", sort=True):
        r = g.iloc[-1]
        text = f"{inst} {r['score']:g}/100 on {r['date']:%Y-%m-%d}"
        if pd.notna(r["change"]):
            text += f" ({r['change']:+g} since {r['previous_date']:%Y-%m-%d}"
            text += f"; MIC {r['min_important_change']:g})" if pd.notna(r["min_important_change"]) else ")"
        out.setdefault(REGION[inst], []).append(text)
    return {k: "; ".join(v) for k, v in out.items()}


def to_json(scores: pd.DataFrame) -> list[dict]:
    """``questionnaires`` of the findings JSON (DESIGN.md)."""
    if scores is None or not len(scores):
        return []
    s = with_change(scores)
    return [{"date": f"{r['date']:%Y-%m-%d}", "instrument": r["instrument"], "region": r["region"],
             "score": float(r["score"]), "max": 100,
             "min_important_change": None if pd.isna(r["min_important_change"]) else float(r["min_important_change"]),
             "change": None if pd.isna(r["change"]) else float(r["change"]),
             "source": r["source"]} for _, r in s.iterrows()]
