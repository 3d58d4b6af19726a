"""The PDF report a physiotherapist reads in five minutes: layout only.

Every number and frame comes from :func:`analysis.pipeline.analyse` (an
:class:`~analysis.pipeline.Analysis`, computed once); this module lays it out.
:func:`build_report` writes an A4 PDF from it: page 1 is a summary for a
clinician, then the figures (:mod:`analysis.plots`), then methods and caveats,
then data quality. The text pages are laid out as lines and written by
reportlab (:mod:`analysis.textpdf`, which says why), the figure pages drawn by
matplotlib's ``PdfPages``, half of them in a second process
(:mod:`analysis.background`), and the parts are joined with pypdf (a PDF's fonts,
images and objects are its own, so pages cannot be written into one file from
two processes or two libraries). Text is real text (TrueType fonts, searchable);
every page carries its number; title and date are in the PDF metadata.

GPS positions never enter the report: samples are read without them
(``positions=False``) and no figure draws a map.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages
from matplotlib.figure import Figure

from analysis import __version__, flareups, plots
from analysis.outputs import atomic_write, write_json  # write_json re-exported: the public name stays
from analysis.pipeline import Analysis, gc_paused
from analysis.plots import fmt_ci, fmt_num
from analysis.progress import bar as progress_bar
from analysis.provenance import SCHEMA_VERSION, inputs_digest, source_date
from analysis.schema import REGIONS, SHOE_CLASSES, STATUSES
from analysis.stats.design import MIN_DAYS, MIN_LOGGED_PCT, MIN_ONSETS, NEVER_LOGGED
from analysis.stats.primary import MAX_CI_RATIO
from analysis.textpdf import PT, TextFlow, TextPage, write_pdf
from analysis.units import plural

A4 = plots.A4_PORTRAIT
REPORT_TITLE = "runlog report: running load, footwear and pain"
CAUSAL_NOTE = (
    "These are associations in one runner's own data, not causes. For a causal answer, run an ABAB "
    "footwear-block self-experiment (Daza 2018, Methods Inf Med 57:e10): 'runlog experiment plan' draws "
    "blocks of two weeks in each footwear in a random, counterbalanced order at matched weekly distance; "
    "log morning pain every day, and 'runlog experiment analyse' compares it between blocks."
)


# ---------------------------------------------------------------------------
# the words
# ---------------------------------------------------------------------------

_VARIANT_WORDS = {
    "minus_1_point": "pain thresholds 1 point lower",
    "plus_1_point": "pain thresholds 1 point higher",
    "one_day": "1 of 3 mornings above the level",
    "three_days": "3 of 3 mornings above the level",
}


_ESTIMAND_WORDS = {
    "barefoot_share_7d": ("Barefoot-style share of the last 7 days' km, per +10 points above the runner's usual "
                          "share at that time"),
    "km_7d": "Distance, per +10 km in the last 7 days",
}

_SCENARIO_WORDS = {
    "last 4 weeks": "if the last 4 weeks are repeated",
    "half the barefoot-style share": "with half the barefoot-style share",
    "+20 % weekly km": "with 20 % more km",
}


def _excluding_one(rows: Sequence[Mapping]) -> set[str]:
    """Estimands whose (headlined) interval excludes 1."""
    return {
        r.get("estimand", r.get("term"))
        for r in rows
        if r.get("status", "estimated") == "estimated"
        and r.get("ci")
        and None not in r["ci"]
        and (r["ci"][0] > 1 or r["ci"][1] < 1)
    }


def sensitivity_table(findings: Mapping) -> tuple[list[str], list[list[str]], list[str]]:
    """The flare-up sensitivity check as a table and sentences (METHODS.md 4).

    Returns
    -------
    (header, rows, notes)
        One row for the definition in use and one per variant of
        ``findings["guards"]["sensitivity"]``; a cell gives the region's onsets and
        the barefoot-style vs traditional rate ratio. ``notes`` names each
        pre-specified estimand whose 95 % CI excludes OR 1 under a variant but not
        in the main analysis, or the reverse (an empty list: the conclusions hold).
    """
    variants = (findings.get("guards") or {}).get("sensitivity") or {}
    main = findings.get("regions", {})
    regions = [r for r in REGIONS if r in main]
    header = ["flare-up definition", *[plots.REGION_LABELS.get(r, r) for r in regions]]

    def cell(entry: Mapping) -> str:
        rr = entry.get("rate_ratio") or {}
        if rr.get("estimate") is None:
            return f"{entry.get('onsets', 0)}"
        # page 1's rule: no number for a rate ratio whose interval reaches 0 or infinity or spans > 10-fold
        return f"{entry.get('onsets', 0)} (RR {fmt_num(rr['estimate']) if _precise(rr) else 'imprecise'})"

    rows = [["as used (default)", *[cell(main[r]) for r in regions]]]
    notes = []
    for name, variant in variants.items():
        rows.append(
            [
                _VARIANT_WORDS.get(name, name.replace("_", " ")),
                *[cell(variant["regions"].get(r, {})) for r in regions],
            ]
        )
        for r in regions:
            entry = variant["regions"].get(r, {})
            base = _excluding_one(main[r].get("primary", []))
            estimated = {e["estimand"] for e in entry.get("primary", []) if e.get("status") == "estimated"}
            now = _excluding_one(entry.get("primary", []))
            for term in sorted(now - base):
                notes.append(
                    f"{plots.REGION_LABELS.get(r, r)}, {_VARIANT_WORDS.get(name, name)}: "
                    f"{_ESTIMAND_WORDS.get(term, term)} now has a CI excluding 1."
                )
            # an estimand the variant could not estimate has not "lost" its finding
            for term in sorted((base - now) & estimated):
                notes.append(
                    f"{plots.REGION_LABELS.get(r, r)}, {_VARIANT_WORDS.get(name, name)}: "
                    f"{_ESTIMAND_WORDS.get(term, term)} no longer has a CI excluding 1."
                )
    return header, rows, notes


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _rate_ratio_words(rr: Mapping, label: str = "rate ratio") -> str:
    """The rate ratio with its interval, or "too imprecise to estimate" by page 1's rule for every estimate.

    An interval that reaches 0 or infinity, or whose upper / lower ratio exceeds
    :data:`~analysis.stats.primary.MAX_CI_RATIO` (METHODS.md 5), is not headlined
    as a number.
    """
    ci = rr.get("ci")
    if not _precise(rr):
        return f"{label} too imprecise to estimate ({fmt_ci(ci)})"
    return f"{label} {fmt_num(rr['estimate'])} ({fmt_ci(ci)})"


def _precise(rr: Mapping) -> bool:
    """Whether a rate ratio's interval is above 0, finite and spans at most MAX_CI_RATIO-fold."""
    lo, hi = (rr.get("ci") or (None, None))[:2]
    return lo is not None and hi is not None and lo > 0 and bool(np.isfinite(hi)) and hi / lo <= MAX_CI_RATIO


def _rates_sentence(finding: Mapping, *, intervals: bool = True) -> str:
    """Unadjusted onsets per 1000 km after barefoot-style vs traditional runs, and their rate ratio."""
    rates = {r["shoe_class"]: r for r in finding.get("rates", [])}
    bs, trad = rates.get("barefoot-style"), rates.get("traditional")
    rr = finding.get("rate_ratio") or {}
    if not intervals:
        if rr.get("estimate") is None:
            return ""
        per = (
            f": {fmt_num(bs['per_1000km'])} vs {fmt_num(trad['per_1000km'])} onsets per 1000 km after "
            "barefoot-style vs traditional runs"
            if bs and trad
            else ""
        )
        return f"{_rate_ratio_words(rr)}{per}"
    parts = []
    for label, r in (("per 1000 km after barefoot-style runs", bs), ("after traditional", trad)):
        if r:
            parts.append(f"{fmt_num(r['per_1000km'])} {label} ({fmt_ci(r['ci'])}; {plural(r['onsets'], 'onset')})")
    if not parts:
        return ""
    ratio = f"; {_rate_ratio_words(rr)}" if rr.get("estimate") is not None else ""
    return " vs ".join(parts) + ratio


def _no_comparison(finding: Mapping) -> str:
    """Why a region has no rate by footwear: no km on at-risk days, or none in the two classes compared."""
    km = {r["shoe_class"]: r.get("distance_km") or 0.0 for r in finding.get("rates", [])}
    if sum(km.values()) <= 0:
        return "no running on at-risk days to compare footwear"
    held = ", ".join(f"{fmt_num(v)} km {c}" for c, v in km.items() if v > 0)
    hint = "; name the shoes with --shoes, --gear-log or --default-shoe" if km.get("unknown", 0) > 0 else ""
    return f"no barefoot-style or traditional km on at-risk days to compare footwear (at-risk km: {held}{hint})"


def estimand_sentence(row: Mapping) -> str:
    """One pre-specified estimand in words: odds ratio with CI and onsets, or 'too imprecise to estimate'."""
    what = _ESTIMAND_WORDS.get(row["estimand"], row["estimand"])
    detect = (
        f", smallest detectable {fmt_num(row['min_detectable'])}"
        if row.get("min_detectable") is not None
        else ""
    )
    if row.get("status") == "too imprecise":
        return f"{what}: too imprecise to estimate ({fmt_ci(row.get('ci'))}, {plural(row['events'], 'onset')}){detect}."
    if row.get("status") != "estimated" or row.get("estimate") is None:
        why = (row.get("message") or "insufficient data").removeprefix("insufficient data: ")
        return f"{what}: not estimable ({why})."
    return (
        f"{what}: odds ratio {fmt_num(row['estimate'])} ({fmt_ci(row.get('ci'))}), "
        f"{plural(row['events'], 'onset')}{detect}."
    )


def risk_sentence(finding: Mapping) -> str | None:
    """The chance of a new flare-up in the next 28 days under the three plans, or None."""
    rows = [r for r in finding.get("absolute_risk", []) if r.get("status") == "estimated"]
    if not rows:
        return None
    plan = finding.get("absolute_risk_plan") or {}
    parts = []
    for r in rows:
        lo, hi = r.get("ci") or (None, None)
        words = _SCENARIO_WORDS.get(r["scenario"], r["scenario"])
        if r["scenario"] == "last 4 weeks" and plan.get("km_28d") is not None:
            share = plan.get("barefoot_share_pct")
            words = words.replace(
                "4 weeks", f"4 weeks ({plan['km_28d']:.0f} km" + (f", {share:.0f} % barefoot-style)" if share is not None else ")")
            )
        parts.append(f"{_pct(r['risk_28d'])} ({_pct(lo)} to {_pct(hi)}) {words}")
    when = " once the current one settles" if any(r.get("message") for r in rows) else ""
    return f"Chance of a new flare-up within 28 days{when} (95 % CI): " + ", ".join(parts) + "."


_ADJUSTMENT_WORDS = {
    "days_since_flare": "time since the last flare-up",
    "season": "season",
    "km_lag_shape_1": "km of days 8-28 before",
    "no_flare_yet": "whether a flare-up had happened yet",
    "km_lag_shape_2": "how the effect of those km changes with time",
}

_PAIN_TERM_WORDS = {
    "barefoot_km_7d": "per 10 km moved to barefoot-style",
    "km_7d": "per +10 km in total",
    "trend": "per year",
}


def pain_trend_sentences(region: str, finding: Mapping) -> list[str]:
    """One line per region for the morning-pain trend model (pre-specified secondary)."""
    pt = finding.get("pain_trend") or {}
    terms = [t for t in pt.get("terms", []) if t.get("estimate") is not None]
    name = plots.REGION_LABELS.get(region, region)
    if not terms:
        return [f"{name}: {pt['message']}."] if pt.get("message") else []
    parts = [
        f"{_PAIN_TERM_WORDS.get(t['term'], t['term'])} {'+' if t['estimate'] > 0 else ''}"
        f"{fmt_num(t['estimate'])} points ({fmt_ci(t.get('ci'))})"
        for t in terms
    ]
    from analysis.findings import PAIN_TREND_FLARE_HISTORY_WORDS as flare_words  # the JSON's own words

    adjusted = pt.get("adjusted_for")
    if adjusted and set(flare_words) <= set(adjusted):  # all of it: the paragraph above spells it out
        adjusted = [a for a in adjusted if a not in flare_words] + ["flare history"]
    # which adjustments this region got (season needs a year of diary, flare history a flare-up)
    how = "" if adjusted is None else (
        "; adjusted for " + ", ".join(adjusted) if adjusted else "; no adjustment the data allowed (season needs a year of diary, flare history a flare-up)")
    return [f"{name} ({pt.get('outcome', 'morning pain')}, {pt.get('n_days', 0)} days{how}): "
            + "; ".join(parts) + "."]


def region_sentences(region: str, finding: Mapping) -> list[str]:
    """The plain sentences of the summary page for one region.

    Only the two pre-specified estimands, each with its onsets, 95 % interval and
    the smallest odds ratio the data could detect ("too imprecise to estimate"
    where the interval spans more than 10-fold), the unadjusted rate ratio beside
    the footwear estimand, and the chance of a new flare-up in the next 28 days.
    Nothing is ranked or picked by p-value. A region without a model gets its
    rates and "Insufficient data for a model (...)".
    """
    name = plots.REGION_LABELS.get(region, region)
    n = finding.get("onsets", 0)
    if finding.get("message") == NEVER_LOGGED:
        return [f"{name}: not in the diary (no entry on any day), so nothing to estimate."]
    if not finding.get("sufficient"):
        rates = _rates_sentence(finding)
        out = [
            f"{name}, {plural(n, 'flare-up onset')}: "
            + (rates + "." if rates else _no_comparison(finding) + ".")
        ]
        why = (finding.get("message") or "insufficient data").removeprefix("insufficient data: ")
        out.append(f"Insufficient data for a model ({why}): rates only, no effect estimates.")
        return out
    model = finding.get("model") or {}
    adjusted = [_ADJUSTMENT_WORDS.get(a, a) for a in model.get("adjustments", [])]
    events = model.get("n_events", n)
    adj = "also adjusted for " + ", ".join(adjusted) if adjusted else "too few onsets to adjust for more"
    used = "" if events == n else f"{events} of them and "
    out = [f"{name}, {plural(n, 'flare-up onset')}; model on {used}{model.get('n_days', '?')} at-risk days, {adj}:"]
    rows = {r["estimand"]: r for r in finding.get("primary", [])}
    for estimand in ("barefoot_share_7d", "km_7d"):
        if estimand not in rows:
            continue
        sentence = estimand_sentence(rows[estimand])
        rr = finding.get("rate_ratio") or {}
        if estimand == "barefoot_share_7d" and rr.get("estimate") is not None:
            sentence = sentence[:-1] + f"; {_rate_ratio_words(rr, 'unadjusted rate ratio')}."
        out.append(sentence)
    risk = risk_sentence(finding)
    if risk:
        out.append(risk)
    return out


def _count_runs_by_class(runs: pd.DataFrame, daily: pd.DataFrame) -> list[tuple[str, int, float]]:
    shoe = runs["shoe_class"].astype("string").fillna("unknown") if len(runs) else pd.Series(dtype="string")
    counts = shoe.value_counts()
    out = []
    for cls in SHOE_CLASSES:
        km = float(pd.to_numeric(daily[f"km_{cls}"]).sum()) if f"km_{cls}" in daily else 0.0
        if int(counts.get(cls, 0)) or km:
            out.append((cls, int(counts.get(cls, 0)), km))
    return out


def flags(data: Analysis) -> list[str]:
    """The summary's flags in words, from ``findings["flags"]`` (the JSON says the same)."""
    f = data.findings["flags"]
    out = []

    def dates(values, k=4) -> str:
        d = sorted({v for v in values if v})
        if not d:
            return ""
        return " (latest: " + ", ".join(d[-k:]) + ")"

    if f["rule_24h_checked"]:
        out.append(
            f"24-hour pain rule broken after {len(f['rule_24h_breaches'])} of {f['rule_24h_checked']} checked runs"
            + dates([b["date"] for b in f["rule_24h_breaches"]], 3)
            + ("; every date is listed in the appendix." if f["rule_24h_breaches"] else ".")
        )
    else:
        out.append("24-hour pain rule: no run could be checked (no diary entries around the runs).")
    red = f.get("red_flags", [])
    if red:
        outside = [x for x in red if not x.get("in_episode")]
        confirmed = sum(bool(x["confirmed"]) for x in outside)
        out.append(
            f"Red flags: {len(red)} pain values above 5/10"
            + dates([x["date"] for x in red], 3)
            + f"; {len(red) - len(outside)} inside a flare-up episode, {len(outside)} outside one, of which "
            f"{confirmed} were confirmed by the next morning (2 or more points above the baseline) and so "
            "counted as onsets (docs/methods.md 4)."
        )
    else:
        out.append("Red flags: no pain value above 5/10.")
    large = [s["date"] for s in f["spikes"] if s["spike_bin"] == "large"]
    moderate = sum(s["spike_bin"] == "moderate" for s in f["spikes"])
    out.append(
        f"Single-run spikes: {len(large)} large (> 2 x the longest run of the previous 30 days)"
        + dates(large, 3)
        + f", {moderate} moderate (1.30-2.00 x)."
    )
    g = data.guardrails
    if len(g) and "breach" in g:
        weeks = [w for w in f["guardrail_breaches"] if set(w["breaches"]) - {"caution"}]
        n = {c: sum(c in w["breaches"] for w in f["guardrail_breaches"])
             for c in ("start_breach", "increase_breach", "run_breach", "increase_despite_pain", "caution")}
        out.append(
            f"Barefoot-style transition guard-rails broken in {len(weeks)} weeks"
            + dates([w["week_start"] for w in weeks], 2)
            + f": start > 10 % {n['start_breach']}, share up > 10 points {n['increase_breach']}, "
            f"run > 110 % of the longest {n['run_breach']}, share up after a 24-hour-rule breach "
            f"{n['increase_despite_pain']}; {n['caution']} weeks over 35 km with barefoot-style running."
        )
    if f["retire_alerts"]:
        out.append(
            "Shoes past their retire mileage: "
            + ", ".join(f"{a['shoe']} ({a['distance_km']:.0f} km)" for a in f["retire_alerts"])
            + "."
        )
    return out


# ---------------------------------------------------------------------------
# page layout
# ---------------------------------------------------------------------------

_FOOTER_IN = 0.3
#: characters per caption line: 8.5 pt text across the page's width with room to spare, so no
#: caption runs past the edge (tests/test_report.py measures it)
_CAPTION_CHARS = 108


def _head_height(caption: str) -> float:
    return 0.62 + 0.165 * len(textwrap.wrap(caption, _CAPTION_CHARS))


def _figure_page(title: str, caption: str, draw: Sequence[tuple[Callable, float]]) -> Figure:
    """An A4 page: title and a how-to-read caption on top, then figures stacked at the given heights (in).

    Heights are scaled down when they exceed the page; space left over stays blank at the bottom.
    """
    page = Figure(figsize=A4, layout="constrained")
    FigureCanvasAgg(page)
    page.get_layout_engine().set(w_pad=0.1, h_pad=0.06)
    lines = textwrap.wrap(caption, _CAPTION_CHARS)
    head_h = _head_height(caption)
    body_h = A4[1] - head_h - _FOOTER_IN
    wanted = sum(h for _, h in draw)
    scale = min(1.0, body_h / wanted)
    heights = [h * scale for _, h in draw]
    spare = body_h - sum(heights)
    ratios = [head_h, *heights, _FOOTER_IN + spare]
    subs = page.subfigures(len(ratios), 1, height_ratios=ratios, hspace=0.0)
    head = subs[0]
    head.text(0.05, 1 - 0.2 / head_h, title, fontsize=12.5, fontweight="bold", va="top")
    head.text(
        0.05, 1 - 0.5 / head_h, "\n".join(lines), fontsize=8.5, va="top", color="#333333", linespacing=1.35
    )
    for (fn, _), sub in zip(draw, subs[1:-1], strict=True):
        fn(sub)
    return page


_FIGURE_CALLS: dict[str, Callable[..., Figure]] = {
    "plot_weekly_load_pain": lambda d, units="km", fig=None: plots.plot_weekly_load_pain(
        d.weekly, d.weekly_pain, d.episodes, units=units, fig=fig
    ),
    "plot_pain_strip": lambda d, units="km", fig=None: plots.plot_pain_strip(
        d.pain_daily, d.episodes, last_years=_STRIP_YEARS, fig=fig
    ),
    "plot_acute_chronic": lambda d, units="km", fig=None: plots.plot_acute_chronic(
        d.acute_chronic, d.spikes, units=units, fig=fig
    ),
    "plot_barefoot_share": lambda d, units="km", fig=None: plots.plot_barefoot_share(
        d.guardrails, units=units, fig=fig
    ),
    "plot_flare_rates": lambda d, units="km", fig=None: plots.plot_flare_rates(d.findings, fig=fig),
    "plot_forest": lambda d, units="km", fig=None: plots.plot_forest(d.findings, fig=fig),
    "plot_lag_profile": lambda d, units="km", fig=None: plots.plot_lag_profile(d.findings, fig=fig),
    "plot_drills_onsets": lambda d, units="km", fig=None: plots.plot_drills_onsets(
        d.adherence, d.episodes, period=(d.start, d.end), fig=fig
    ),
    "plot_dynamics": lambda d, units="km", fig=None: plots.plot_dynamics(
        d.findings.get("dynamics"), d.dynamics_binned, d.runs if d.dynamics_binned else None, fig=fig
    ),
    "plot_shoes": lambda d, units="km", fig=None: plots.plot_shoes(d.shoes, units=units, fig=fig),
    "plot_week_decisions": lambda d, units="km", fig=None: plots.plot_week_decisions(d.week_decisions, fig=fig),
    "plot_week_table": lambda d, units="km", fig=None: plots.plot_week_table(
        d.week_decisions, last_weeks=_week_table_weeks(d), units=units, fig=fig
    ),
    "plot_questionnaires": lambda d, units="km", fig=None: plots.plot_questionnaires(d.questionnaires, fig=fig),
    "plot_loading_tests": lambda d, units="km", fig=None: plots.plot_loading_tests(d.loading_tests, fig=fig),
}


#: calendar years of daily pain the pain and load page holds (older years: the weekly first figure page)
_STRIP_YEARS = 3

#: the week page: its strip of decisions (in), and at most this many weeks and rows of the decisions table
_WEEK_STRIP_IN = 2.8
_WEEK_TABLE_MAX_WEEKS = 12
_WEEK_TABLE_MAX_ROWS = 16


def _questionnaires_in(data: Analysis) -> float:
    n_q = 0 if data.questionnaires is None else data.questionnaires["instrument"].nunique()
    return 1.4 + 1.6 * n_q if n_q else 0.0


def _decision_regions(data: Analysis) -> int:
    """How many regions have weekly decisions (rows of the week page's strip)."""
    d = data.week_decisions
    return 0 if d is None or not len(d) else int(d["region"].nunique())


def _week_table_weeks(data: Analysis) -> int:
    """Weeks of the decisions table that fit the week page under the strip (and the questionnaires), 0-12."""
    n_regions = _decision_regions(data)
    n_weeks = 0 if not n_regions else int(data.week_decisions["week_end"].nunique())  # a short diary: fewer rows
    room = A4[1] - 1.3 - _FOOTER_IN - _WEEK_STRIP_IN - _questionnaires_in(data)
    fits = [w for w in range(1, min(_WEEK_TABLE_MAX_WEEKS, n_weeks) + 1)
            if plots.week_table_height(n_regions, w) <= room and w * n_regions <= _WEEK_TABLE_MAX_ROWS]
    return max(fits, default=0)


def figures(data: Analysis, *, units: str = "km") -> dict[str, Figure]:
    """Every figure of the report, by function name (see :data:`analysis.plots.FIGURES`)."""
    return {name: _FIGURE_CALLS[name](data, units=units) for name in plots.FIGURES}


def _draw(data: Analysis, name: str, units: str) -> Callable:
    return lambda fig: _FIGURE_CALLS[name](data, units=units, fig=fig)


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


def _period_text(data: Analysis) -> str:
    if data.start is None:
        return "no data"
    days = (data.end - data.start).days + 1
    return f"{data.start:%d %b %Y} to {data.end:%d %b %Y} ({days} days)"


def _made_date() -> dt.date:
    """The report's date: ``SOURCE_DATE_EPOCH`` when set (reproducible reruns), else today."""
    fixed = source_date()
    return fixed.date() if fixed is not None else dt.date.today()


def provenance_line(findings: Mapping) -> str:
    """Page 1's footer: runlog version, schema version and the inputs' digest (12 hex digits)."""
    return (
        f"runlog {findings.get('runlog_version', __version__)} - findings schema "
        f"{findings.get('schema_version', SCHEMA_VERSION)} - inputs {inputs_digest(findings)}"
    )


def _week_section(tp: TextFlow, data: Analysis, units: str = "km") -> None:
    """Page 1 opens with ``runlog week``'s lines (METHODS.md 9), the latest questionnaire scores, adherence."""
    from analysis import week as wk

    tp.heading("This week: progress, hold or reduce (pain-monitoring model)", size=10.5)
    this = wk.this_week(data.week_decisions)
    lines = wk.lines(this, units)
    if data.questionnaires is not None and len(data.questionnaires):
        from analysis.questionnaires import latest_by_region

        as_of = this["week_end"].iloc[0] if len(this) else None  # no score dated after the week
        lines = wk.with_questionnaires(lines, this, latest_by_region(data.questionnaires, as_of=as_of))
    tp.mono(lines, size=6.8)
    for note in data.loading_notes:
        tp.para(f"Loading test as onset item: {note}.", size=7.5, color="#333333")
    adh = (data.findings.get("this_week") or {}).get("adherence", {}).get("all", {})
    if adh.get("weeks"):
        tp.para(f"Over the diary, the week after a decision stayed within its allowance (total and "
                f"barefoot-style km) for {adh['within']} of {adh['weeks']} decisions (one per region and week). Descriptive only: it does not "
                "say whether keeping to the allowance prevents flare-ups.", size=7.5, color="#333333")


def _summary_pages(data: Analysis, units: str) -> list[TextPage]:
    f = data.findings
    per = 1000.0 / 1609.344 if units == "mi" else 1.0
    tp = TextFlow()
    tp.heading(REPORT_TITLE, size=15)
    tp.para(
        f"Period: {_period_text(data)}. Made {_made_date():%d %b %Y} by runlog {__version__}. "
        "Figures, methods and data quality follow this summary.",
        size=9,
        color="#333333",
    )
    _week_section(tp, data, units)
    d = f.get("data", {})
    km = (d.get("distance_km") or 0.0) * per
    tp.heading("Running", size=11.5)
    diary_pct = d.get("pain_days_logged_pct")
    by_class = "; ".join(
        f"{cls} {plural(n, 'run')}, {k * per:.0f} {units}" for cls, n, k in _count_runs_by_class(data.runs, data.daily)
    )
    runs_text = (f"{plural(d.get('runs', 0), 'run')}, {km:.0f} {units} ({by_class})." if by_class
                 else "No runs in the analysis period (the import log on the data-quality page says what was read).")
    tp.para(f"{runs_text} Pain diary kept on {fmt_num(diary_pct) if diary_pct is not None else '0'} % of days.")

    tp.heading("Flare-ups (onsets per region)", size=11.5)
    ep = data.episodes
    rows = []
    for region in REGIONS:
        rf = f.get("regions", {}).get(region, {})
        sides = {
            s: int(((ep["region"] == region) & ep["side"].isin([s, "B"])).sum()) if len(ep) else 0
            for s in ("L", "R")
        }
        cov = data.coverage.set_index("region")["pct_logged"].get(region, float("nan"))
        rows.append(
            (
                plots.REGION_LABELS[region],
                rf.get("onsets", 0),
                f"{sides['L']} / {sides['R']}",
                "-" if pd.isna(cov) else "never" if rf.get("message") == NEVER_LOGGED else f"{cov:.0f} %",
                "model" if rf.get("sufficient") else "not in the diary" if rf.get("message") == NEVER_LOGGED
                else "insufficient data: rates only",
            )
        )
    tp.table(
        ["region", "onsets", "episodes L / R", "days logged", "analysis"],
        rows,
        widths_in=[1.5, 0.7, 1.0, 1.0, 2.6],
    )

    tp.heading("Main findings (associations, 95 % confidence intervals)", size=11.5)
    for region in REGIONS:
        for k, sentence in enumerate(region_sentences(region, f.get("regions", {}).get(region, {}))):
            if k == 0:
                tp.bullet(sentence, size=8.5)
            else:
                tp.para(sentence, indent_in=0.18, size=8.5)
    pm = f.get("guards", {}).get("primary_model", {})
    tp.para(
        "Odds ratios: two estimands fixed in advance, one Firth-penalised model per region (at most 1 parameter "
        f"per {pm.get('events_per_parameter', 5)} onsets); smallest detectable: 80 % power. Rate ratios: "
        "unadjusted. Exploratory: figure pages.",
        size=8,
        color="#333333",
    )
    dyn = f.get("dynamics") or {}
    if dyn.get("available"):
        parts = [
            f"{plots.METRIC_LABELS.get(m['metric'], m['metric'])} {fmt_num(m['difference'])} "
            f"{m.get('unit', '')} ({fmt_ci(m.get('ci'))})"
            for m in dyn.get("metrics", [])
            if m.get("difference") is not None
        ]
        if parts:
            tp.bullet(
                "Running dynamics, barefoot-style minus traditional at matched speed: "
                + "; ".join(parts)
                + ".",
                size=9,
            )

    tp.heading("Flags", size=11.5)
    for line in flags(data):
        tp.bullet(line, size=8.5)
    tp.para(
        "Associations, not causes. For a causal answer, try an ABAB footwear-block self-experiment "
        "(Daza 2018; see Methods and caveats).",
        size=9,
        weight="bold",
    )
    return tp.pages


_CAPTIONS = {
    "headline": (
        "Weekly distance and pain",
        "Top: distance per week, coloured by footwear class (barefoot, minimalist, partial, traditional, "
        "unknown). "
        "Below, one panel per region: the weekly mean of each day's highest pain (0-10), left side solid, "
        "right "
        "dashed, in the region's colour; weeks with fewer than 3 diary days have no mean and are hatched. "
        "Triangles (down = left, up = right) and dotted lines mark flare-up onsets. Shaded grey: pain "
        "above 5, 'high' in the pain-monitoring model (Silbernagel 2007).",
    ),
    "pain_load": (
        "Daily pain, and acute and chronic load",
        "Top: each day's highest pain per region and side over the diary's span; white = not logged "
        "(missing, never counted as 0); black triangles = flare-up onsets. Bottom: acute (7-day) and chronic "
        "(28-day) exponentially "
        "weighted "
        "load as two separate lines (no ratio 'sweet spot': it has not held up, Impellizzeri 2020), the "
        "first 42 "
        "days hidden; below it every run, coloured by single-run spike = distance / longest run of the "
        "previous "
        "30 days (Frandsen 2025).",
    ),
    "transition": (
        "Move to barefoot-style running, and foot drills",
        "Top: share of each week's distance run barefoot or in minimalist shoes, with markers in the weeks a "
        "transition guard-rail was broken (start <= 10 % of weekly distance; add <= 10 percentage points a "
        "week "
        "while the 24-hour pain rule holds; each barefoot-style run <= 110 % of the longest in the last 30 "
        "days; "
        "extra caution above 35 km a week). These guard-rails are a synthesis of the evidence (Ridge 2013, "
        "Fuller 2017), not a validated schedule. Bottom: weekly drill adherence against flare-up onsets.",
    ),
    "rates": (
        "Flare-up rates and the lag profile",
        "Top: onsets per 1000 km after barefoot-style and traditional-shoe runs, with exact 95 % confidence "
        "intervals; wide intervals mean few events. Bottom (exploratory): how the association of distance "
        "with onsets depends on when it was run, from the older lag-band hazard model (regions with enough "
        "data), and the cross-correlation of daily km with daily pain after prewhitening (positive lag: km "
        "before pain).",
    ),
    "forest": (
        "Pre-specified estimands and exploratory terms",
        "Odds ratios of a flare-up onset. Filled squares, above the dashed line: the two pre-specified "
        "estimands of the primary model per region (right: onsets and the smallest odds ratio the data "
        "could detect with 80 % power; an interval spanning more than 10-fold is 'too imprecise'). Open "
        "circles, below: exploratory terms, not pre-specified - the older lag-band and spike-bin hazard "
        "model and case-crossover analyses - with Benjamini-Hochberg q-values over all exploratory terms. "
        "The line at 1 = no association; intervals crossing it are compatible with no effect. A spike bin "
        'that no onset followed shows its interval only ("0 onsets on n days"). Only regions with at least '
        f"{MIN_ONSETS} onsets, {MIN_DAYS} diary days, {MIN_DAYS} of them logged and {MIN_LOGGED_PCT:.0f} % "
        "of diary days logged are modelled.",
    ),
    "shoes": (
        "Shoes",
        "Distance per shoe against its retire mileage (the catalog's value, or 800 km); runs without a shoe "
        "are listed by class.",
    ),
    "week": (
        "Every week's decision",
        "The pain-monitoring model (Silbernagel 2007, docs/methods.md 9) applied to every 7-day block of the "
        "diary, counted back from its last day, per region: progress (run pain <= 2, mornings settled and "
        "not rising), hold (run pain 3-5), reduce (run pain > 5, a morning after a run 2 or more points up, "
        "mean morning 1 point or more above the week before, or an open flare-up), not enough diary (fewer "
        "than 4 logged mornings). A dot: the following week went over the allowance set (descriptive; it "
        "says nothing about cause). Below: how many weeks got each decision, and the last weeks' decisions "
        "with the rule that made each, the distance run, the allowance it set for the next week and what "
        "that week ran (hold and reduce weeks tinted).",
    ),
    "questionnaires": (
        "questionnaires",
        "Below: questionnaire scores (0-100, 100 = no symptoms), VISA-A "
        "(Robinson 2001), VISA-P (Visentini 1998), VISA-G (Fearon 2015; scored as a public scoring "
        "implementation gives it, not verified against the VISA-G paper), FAAM ADL and Sport (Martin 2005), "
        "with the minimal important change around the first score where one is cited.",
    ),
    "loading_tests": (
        "Loading tests",
        "Pain during each loading test (0-10, the worse side of the day) and, where logged, the repetitions "
        "(crosses, right axis): single-leg heel raise or hop (Achilles, plantar fascia), decline squat "
        "(patellar tendon), single-leg stance 30 s (glutes) (docs/methods.md 10). Their pain does not depend on "
        "whether you ran that day. Where a test is logged on most days and mornings rarely, the test stands "
        "in as the onset item of the flare-up rule; page 1 says where.",
    ),
    "dynamics": (
        "Running dynamics: differences between barefoot-style and traditional footwear at matched speed "
        "(per-second "
        "FIT data only; the first 10 minutes of each run dropped), mean difference with 95 % CI."
    ),
}


def _figure_page_specs(data: Analysis, units: str) -> list[tuple[str, str, list[tuple[Callable, float]]]]:
    """The figure pages to draw, in order: (title, caption, [(draw function, height in)]) each."""
    regions = data.findings.get("regions", {})
    modelled = [r for r in REGIONS if regions.get(r, {}).get("sufficient")]
    forest_in = (
        1.3
        + 0.22
        * sum(
            len(regions[r].get("primary", [])) + len((regions[r].get("exploratory") or {}).get("effects", []))
            for r in modelled
        )
        + 0.55 * len(modelled)
        if modelled
        else 2.4
    )
    n_rates = sum(len(regions.get(r, {}).get("rates", [])) for r in REGIONS)
    rates_in = 0.9 + 0.25 * n_rates + 0.45 * 4
    shoes_in = 2.4 + 0.5 * max(len(data.shoes), 1)
    dynamics_in = (
        (4.8 if data.dynamics_binned else 2.6)
        if (data.findings.get("dynamics") or {}).get("available")
        else 1.4
    )
    body_in = A4[1] - 1.3 - _FOOTER_IN
    spec = [
        ("headline", [("plot_weekly_load_pain", body_in)]),
        ("pain_load", [("plot_pain_strip", 4.9), ("plot_acute_chronic", 5.3)]),
        ("transition", [("plot_barefoot_share", 5.9), ("plot_drills_onsets", 4.3)]),
        ("rates", [("plot_flare_rates", rates_in), ("plot_lag_profile", max(body_in - rates_in, 4.5))]),
    ]
    if forest_in + dynamics_in <= body_in:
        spec += [
            ("forest", [("plot_forest", forest_in), ("plot_dynamics", dynamics_in)]),
            ("shoes", [("plot_shoes", shoes_in)]),
        ]
    else:
        spec += [
            ("forest", [("plot_forest", forest_in)]),
            ("shoes", [("plot_dynamics", dynamics_in), ("plot_shoes", shoes_in)]),
        ]
    q_in = _questionnaires_in(data)
    # the questionnaire panel only when questionnaires were given: no empty panel, no page space for it;
    # the decisions table takes the room left, as many weeks as fit
    weeks, n_regions = _week_table_weeks(data), _decision_regions(data)
    spec.append(("week", [("plot_week_decisions", _WEEK_STRIP_IN)]
                 + ([("plot_week_table", plots.week_table_height(n_regions, weeks))] if weeks and n_regions else [])
                 + ([("plot_questionnaires", q_in)] if q_in else [])))
    if data.loading_tests is not None and len(data.loading_tests):
        n_t = len(data.loading_tests.groupby(["region", "test"]))
        spec.append(("loading_tests", [("plot_loading_tests", 1.2 + 1.4 * n_t)]))
    pages = []
    for key, figs in spec:
        title, caption = _CAPTIONS[key]
        if key == "forest" and len(figs) > 1:
            title, caption = title + ", and running dynamics", caption + " " + _CAPTIONS["dynamics"]
        elif key == "shoes" and len(figs) > 1:
            title, caption = "Running dynamics and shoes", _CAPTIONS["dynamics"] + " " + caption
        elif key == "week" and any(name == "plot_questionnaires" for name, _ in figs):
            title, caption = title + ", and " + _CAPTIONS["questionnaires"][0], caption + " " + _CAPTIONS[
                "questionnaires"][1]
        pages.append((title, caption, [(_draw(data, name, units), h) for name, h in figs]))
    return pages


def _figure_pages(data: Analysis, units: str) -> list[Figure]:
    return [_figure_page(*spec) for spec in _figure_page_specs(data, units)]


def _rule_in_use(data: Analysis) -> flareups.FlareRule | None:
    """The onset rule the findings were computed with (their ``parameters.flare_rule``; None: the default)."""
    params = (data.findings.get("parameters") or {}).get("flare_rule")
    return flareups.flare_rule(params) if params else None


def _methods_pages(data: Analysis) -> list[TextPage]:
    g = data.findings.get("guards", {})
    mc = g.get("multiple_comparisons", {})
    pm = g.get("primary_model", {})
    suff = g.get("sufficiency", {})
    tp = TextFlow()
    tp.heading("Methods and caveats", size=14)
    items = [
        "Daily series first: one row per local calendar day. A rest day is 0 km; a day with no diary entry "
        "is "
        "missing, never 0 pain.",
        "Footwear: each run gets a shoe from the export's gear, a gear log, barefoot words in the title, or "
        "a "
        "default; shoes are classed by the Minimalist Index (Esculier 2015): barefoot; minimalist (MI >= 70 "
        "%); "
        "partial (30-69 %); traditional (< 30 %). 'Barefoot-style' = barefoot + minimalist; 'traditional' = "
        "traditional + partial.",
        flareups.describe_rule(_rule_in_use(data)),
        "24-hour rule (Silbernagel 2007): pain during a run up to 5/10, after the run up to 5 and settled by"
        " the "
        "next morning, no rise in next-morning pain, no rise week to week.",
        "Load: weekly distance by footwear; acute (7-day) and chronic (28-day) exponentially weighted load "
        "(Williams 2017) shown as two lines - acute:chronic ratio zones are not used (Impellizzeri 2020); "
        "single-run spikes: distance over the longest run of the previous 30 days (Frandsen 2025).",
        "Rates: onsets per 1000 km by the footwear of the last run in the 1-3 days before, exposure = km on "
        "at-risk days; exact Poisson intervals; the rate ratio with an exact conditional interval.",
        "Primary model (one per region, fixed before seeing any data): a discrete-time hazard model "
        "(logistic) of onset on days when a new flare-up could start and the diary was kept, with two "
        "estimands - the odds ratio per +10 percentage points of barefoot-style share of the km of the 7 "
        "days before, and per +10 km over those 7 days. Adjustments enter in a fixed order as onsets allow "
        "(at most one parameter per "
        f"{pm.get('events_per_parameter', 5)} onsets): "
        + "; ".join(
            f"{a['what']} (from {a['onsets_needed']} onsets)" for a in pm.get("adjustment_order", [])
        )
        + ". Footwear contrast: "
        + pm.get("footwear_contrast", "the 7-day barefoot-style share as it is")
        + ". Total km enters as a distributed lag over 28 days (Gasparrini 2010). No load categories or "
        f"spike bins. Intervals and p-values: {g.get('variance_description', 'profile likelihood')}. The "
        "smallest detectable odds ratio is exp((1.96 + 0.84) x its standard error at no effect).",
        "Chance of a new flare-up in 28 days: the primary model's daily risk over the next 28 days with "
        "the last 4 weeks' training repeated, with half the barefoot-style share, or with 20 % more km; "
        "its intercept refitted so the model predicts as many onsets as were observed (FLIC, Puhr 2017: "
        "Firth's penalty lifts every day's risk); 95 % intervals from 4000 draws of the model's "
        "coefficients, widened by a 28-day block sandwich (days are not independent). Against the true "
        "risk of simulated runners these intervals held it 77-87 times in 100 (by plan, on two validation "
        "sets; about 65 in 100 where the runner's vulnerability drifted), not 95: they carry the model's "
        "uncertainty, not a vulnerability that drifts unseen or a season of another shape, so read the "
        "risk as a rough guide.",
        f"Multiple comparisons: only the pre-specified estimands are on the summary page, nothing is "
        f"ranked by p; {mc.get('method', 'Benjamini-Hochberg')} q-values at FDR "
        f"{100 * mc.get('fdr', 0.05):.0f} % over the {mc.get('exploratory_tests', 0)} exploratory tests.",
        f"Sufficiency: a model only with at least {suff.get('min_onsets', 10)} onsets in a region, "
        f"{suff.get('min_days', 90)} diary days, at least {suff.get('min_days', 90)} of them logged for the "
        f"region and {suff.get('min_logged_pct', 80):.0f} % of them logged (the validation's diaries miss "
        "10-30 % of days; the model counts logged days only); otherwise 'insufficient data' - rates and "
        "descriptions only.",
    ]
    for item in items:
        tp.bullet(item)
    trend_lines = [line for region in REGIONS for line in pain_trend_sentences(
        region, data.findings.get("regions", {}).get(region, {}))]
    if trend_lines:
        tp.heading("Morning pain and load (pre-specified, secondary)", size=12)
        tp.para(
            "Each region's daily morning pain (worse side, 0-10) on the barefoot-style km and the total km of "
            "the 7 days before, and a linear trend, adjusted for season (with a year of diary or more) and "
            "flare history (days since the last flare-up; none yet; how many of the same 7 days were "
            "flare-up days, as running drops during one), so the load terms are effects beyond what those "
            "explain; errors follow an AR(1) process over calendar days (days without a diary entry are "
            "gaps, not zeros), each interval widened to a 28-day block sandwich where that is wider. With "
            "total km in the model, the barefoot-style term is the change in pain when 10 km of the week "
            "move from traditional to barefoot-style footwear. Points on the 0-10 scale, 95 % CI; a change "
            "below about 2 points is not clinically important (Farrar 2001). A description, not a cause: "
            "with runners who run less while in pain, the validation's total-km interval excluded 0 for "
            "about 6 runner-regions in 100 with no effect at all (5 by design). And not a proof of no "
            "effect: where barefoot-style km raised morning pain by a third of a point per 10 km, the "
            "interval excluded 0 for only 3 to 4 in 10. Flare-ups are read from this pain, so km that raise it "
            "make flare-ups easier to see: where only pain rose, a km effect on flare-ups showed for 5-10 in 100.",
            size=8.5,
        )
        for line in trend_lines:
            tp.bullet(line, size=8.5)
    tp.para(
        "Every method, its defaults and sources: docs/methods.md in the runlog repository (its section numbers).",
        size=9,
        color="#333333",
    )
    tp.heading("Caveats", size=12)
    for item in [
        "Association, not causation. One runner's data, few events: intervals are wide, and a runner who is "
        "sore tends to choose shoes and distance differently (confounding by indication; the barefoot-style "
        "share is adjusted for distance, which helps but cannot remove it).",
        g.get("confounding_by_indication", ""),
        CAUSAL_NOTE,
        "A-priori expectation: barefoot-style running and a forefoot strike load the Achilles tendon and "
        "plantar fascia more and the knee less (Nielsen 2018, BJSM 52:1016).",
        "The 10 % rule is not a safety rule (Buist 2008); the transition guard-rails are a synthesis of the "
        "evidence, not a validated schedule.",
    ]:
        if item:
            tp.bullet(item[:1].upper() + item[1:])
    header, rows, notes = sensitivity_table(data.findings)
    if len(rows) > 1:
        # heading, text and table on one page
        tp._need((12 * 2.1 + 3 * 8.5 * 1.32 + (len(rows) + 3) * 8 * 1.45) * PT)
        tp.heading("Sensitivity of the flare-up definition", size=12)
        tp.para(
            "Onsets per region (and the barefoot-style vs traditional rate ratio, RR) when the flare-up "
            "definition moves (docs/methods.md, section 4); where a region still has enough onsets the primary "
            "model is fitted again. A conclusion that holds under every line is more trustworthy.",
            size=8.5,
        )
        tp.table(header, rows, size=8, widths_in=[2.2, *[1.25] * (len(header) - 1)])
        for note in notes or [
            "No pre-specified estimand changes between 'interval excludes 1' and not under any variant."
        ]:
            tp.bullet(note, size=8.5)
    return tp.pages


def _quality_pages(data: Analysis) -> list[TextPage]:
    tp = TextFlow()
    tp.heading("Data quality", size=14)
    if data.sources:
        tp.para("Sources read: " + ", ".join(data.sources) + ".")
    tp.heading("Import log", size=11.5)
    log = data.log
    if log is not None and len(log):
        counts = (
            log.assign(source=log["source"].astype("string").fillna("-"))
            .groupby(["source", "status"])
            .size()
            .unstack("status", fill_value=0)
            .reindex(columns=list(STATUSES), fill_value=0)
        )
        rows = [(src, *[int(v) for v in r]) for src, r in counts.iterrows()]
        rows.append(("all", *[int(v) for v in counts.sum()]))
        tp.table(
            ["source", *[s.replace("_", " ") for s in STATUSES]], rows, widths_in=[1.6, 1.0, 1.0, 1.0, 1.0]
        )
        tp.para(
            f"{len(log)} entries from {log['source_file'].nunique()} files: every file and row given is "
            "accounted for. A run found in two files (say, a row of activities.csv and its FIT file) is "
            "merged into one and the second counts as a duplicate; 'not a run' = walks, rides and the like.",
            size=8.5,
        )
        failed = log[log["status"].isin(["failed"])]
        if len(failed):
            tp.para("Failed entries (first 10):", size=8.5)
            for r in failed.head(10).itertuples(index=False):
                where = Path(str(r.source_file)).name + (f", row {r.row}" if pd.notna(r.row) else "")
                tp.bullet(f"{where}: {r.reason}", size=8)
    else:
        tp.para("No import log.")
    tp.heading("Pain diary coverage", size=11.5)
    cov = data.coverage
    if len(cov):
        rows = [
            (
                r.region,
                r.days_logged,
                r.days_in_period,
                f"{r.pct_logged:.0f} %" if pd.notna(r.pct_logged) else "-",
                "never logged: not analysed" if not r.days_logged and r.region != "any"
                else f"below {MIN_LOGGED_PCT:.0f} %: too patchy" if r.warn else "ok",
            )
            for r in cov.itertuples(index=False)
        ]
        tp.table(
            ["region", "days logged", "days in period", "logged", ""],
            rows,
            widths_in=[1.3, 1.1, 1.2, 0.9, 2.0],
        )
    for note in (data.pain.attrs.get("diary") or {}).get("notes", []):  # what reading the diary found
        tp.bullet(f"Diary: {note}.", size=8.5)
    if len(data.pain) == 0:
        tp.para("No pain diary was given: flare-ups cannot be analysed (insufficient data in every region).")
    tp.heading("Footwear assignment", size=11.5)
    runs = data.runs
    if len(runs):
        unknown = int((runs["shoe_class"].astype("string").fillna("unknown") == "unknown").sum())
        tp.para(
            f"{unknown} of {len(runs)} runs have no shoe (class unknown): they count in distance but in no "
            "footwear comparison."
        )
    if len(data.shoe_rules):
        words = {
            "override": "user override",
            "gear_id": "gear id in the export",
            "gear_name": "gear name",
            "gear_log": "gear log (date ranges)",
            "keyword": "barefoot word in the title",
            "default": "default shoe",
            "unknown": "nothing identified the shoe",
        }
        rows = [(words.get(rule, rule), int(n)) for rule, n in data.shoe_rules.items()]
        tp.table(["rule that assigned the shoe", "runs"], rows, widths_in=[2.6, 0.8])
    if len(data.shoes) and "specs_from" in data.shoes:
        from analysis.footwear import format_mi

        rows = [
            (str(r.shoe)[:28], r.shoe_class, format_mi(r.minimalist_index, r.minimalist_index_max),
             str(r.specs_from)[:78] if pd.notna(r.specs_from) else "nothing identifies the shoe")
            for r in data.shoes.itertuples(index=False)
        ]
        tp.table(["shoe (as you named it)", "class", "MI %", "where its class and MI come from"], rows,
                 size=8.0, widths_in=[1.9, 0.85, 0.55, 3.7])
    tp.para("GPS positions are never read into the report.", size=8.5, color="#333333")
    _breach_appendix(tp, data.findings.get("flags", {}).get("rule_24h_breaches", []))
    return tp.pages


def _breach_appendix(tp: TextFlow, breaches: Sequence[Mapping]) -> None:
    """Appendix: every run that broke the 24-hour rule (findings ``flags.rule_24h_breaches``)."""
    tp.heading("Appendix: every 24-hour-rule breach", size=11.5)
    if not breaches:
        tp.para("No checked run broke the 24-hour rule.")
        return
    tp.para(
        f"{len(breaches)} runs broke the rule (docs/methods.md, section 4): pain during or after the run above "
        "5, next-morning pain 2 or more points worse, or the week's pain up by a point or more.",
        size=8.5,
    )
    rows = [
        (b["date"], b["activity_id"], textwrap.shorten(str(b["rules"]), 70, placeholder=" ..."))
        for b in breaches
    ]
    tp.table(["date", "run", "what broke (region, side)"], rows, size=7.5, widths_in=[0.95, 1.75, 4.0])


def _freeze_layout(fig: Figure, digits: int = 6) -> None:
    """Lay the page out once, then fix every position rounded to ``digits`` decimals of the figure.

    Constrained layout visits artists in an order that depends on their memory addresses, so
    positions differ in the last bits from run to run (1e-10 of the page, a "-0" for a "0");
    rounded and frozen (no layout engine at save time), two runs write identical PDFs. Done only
    with ``SOURCE_DATE_EPOCH`` set (about 15 % more drawing time; a PDF without it carries the time
    of the run anyway).
    """

    def rounded(values) -> np.ndarray:
        return np.round(np.asarray(values, dtype=float), digits) + 0.0  # + 0.0: no negative zero

    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    stack = [fig]
    while stack:
        f = stack.pop()
        stack.extend(f.subfigs)
        if f is not fig:
            f.bbox_relative.set_points(rounded(f.bbox_relative.get_points()))
        for text in f.texts:
            text.set_position(tuple(rounded(text.get_position())))
        for ax in f.axes:
            ax.set_position(rounded(ax.get_position(original=False).bounds), which="both")


# no cyclic garbage collection while the pages are drawn: drawing creates some hundred thousand small
# objects that stay alive until the file is written (about 15 % of the drawing time on the sample)
_gc_paused = gc_paused


def _lay_out_once(page: Figure) -> None:
    """Run a page's constrained layout now, as ``savefig`` to PDF would, and switch the layout engine off.

    With a layout engine, ``savefig`` draws the page twice: a dry run in which
    the layout runs (measuring text with yet another throwaway renderer), then
    the real drawing. Laid out here with the PDF backend's text metrics at its
    72 dpi, the page is then drawn once, to the same positions.
    """
    engine = page.get_layout_engine()
    if engine is None:
        return
    if page.axes:  # as Figure.draw: no axes, no layout
        canvas, dpi = page.canvas, page.dpi
        FigureCanvasPdf(page)  # the layout asks the canvas for a renderer: the PDF one, at 72 dpi
        try:
            engine.execute(page)
        finally:
            page.dpi = dpi
            page.set_canvas(canvas)
    # None, not "none": a placeholder engine would still make savefig draw twice
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        page.set_layout_engine(None)


def _page_makers(data: Analysis, units: str) -> list[TextPage | Callable[[], Figure]]:
    """Every page in report order: a text page (summary, methods, data quality), laid out, or a function
    that makes a figure page.

    The text pages are cheap to lay out and decide how many pages there are, so they are made here; a
    figure page is made only where it is drawn.
    """
    summary = _summary_pages(data, units)
    specs = _figure_page_specs(data, units)
    after = [*_methods_pages(data), *_quality_pages(data)]

    def later(spec) -> Callable[[], Figure]:
        return lambda: _figure_page(*spec)

    return [*summary, *map(later, specs), *after]


def _second_share(pages: Sequence[TextPage | Callable[[], Figure]]) -> list[int]:
    """The pages the second process draws: the first half of the figure pages (rounded up).

    The text pages cost a few hundredths of a second (:mod:`analysis.textpdf`) and are this process's;
    the figure pages cost about the same each (0.3-0.55 s of CPU on the sample). Decided from the pages
    alone (never from timing), so the PDF's bytes do not depend on the machine.
    """
    figures = [i for i, page in enumerate(pages) if not isinstance(page, TextPage)]
    return figures[: (len(figures) + 1) // 2]


def _footers(page: Figure | TextPage, number: int, n: int, data: Analysis) -> None:
    """The page's number, page 1's provenance line and the period, along the bottom edge."""
    page.text(0.5, 0.012, f"page {number} of {n}", ha="center", va="bottom", fontsize=8, color="#555555")
    if number == 1:
        page.text(0.05, 0.012, provenance_line(data.findings), ha="left", va="bottom", fontsize=6.5,
                  color="#777777")
    page.text(0.95, 0.012, f"runlog - {_period_text(data)}", ha="right", va="bottom", fontsize=7,
              color="#777777")


def _finish_page(page: Figure, number: int, n: int, data: Analysis) -> Figure:
    """Footers on, the layout run (and frozen with ``SOURCE_DATE_EPOCH``): ready for ``savefig``."""
    _footers(page, number, n, data)
    if source_date() is not None:  # a reproducible PDF was asked for: one more layout pass
        _freeze_layout(page)
    _lay_out_once(page)
    return page


def _text_part(pages: Sequence[TextPage | Callable[[], Figure]], numbers: Sequence[int], data: Analysis,
               metadata: Mapping) -> bytes:
    """The PDF of the text pages ``numbers`` (0-based) alone, with their footers, as bytes (reportlab)."""
    finished = []
    for i in numbers:
        page = TextPage(list(pages[i].lines), pages[i].size_in)  # a copy: the footers are this PDF's
        _footers(page, i + 1, len(pages), data)
        finished.append(page)
    return write_pdf(finished, metadata)


def _pdf_part(pages: Sequence[TextPage | Callable[[], Figure]], numbers: Sequence[int], data: Analysis,
              metadata: Mapping, on_page: Callable[[], None] = lambda: None) -> bytes:
    """The PDF of the figure pages ``numbers`` (0-based) alone, drawn by matplotlib, as bytes."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata=dict(metadata)) as pdf:
        for i in numbers:
            pdf.savefig(_finish_page(pages[i](), i + 1, len(pages), data))
            on_page()
    return buffer.getvalue()


def _join_parts(parts: Sequence[bytes], order: Sequence[tuple[int, int]], path: Path) -> None:
    """Write the pages of PDF ``parts`` as one PDF, page ``order[k] = (part, page in it)`` at place k.

    With pypdf: each part keeps its own fonts and images, and the document information (title,
    dates, producer) is the first part's. pypdf writes no ``/ID`` (matplotlib writes none either),
    so the same parts give the same bytes.
    """
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(io.BytesIO(b)) for b in parts]
    writer = PdfWriter()
    writer.pdf_header = readers[0].pdf_header
    for part, page in order:
        writer.add_page(readers[part].pages[page])
    writer.add_metadata(readers[0].metadata)
    with open(path, "wb") as f:
        writer.write(f)


def build_report(
    data: Analysis,
    out_path: str | os.PathLike,
    *,
    units: str = "km",
    title: str = REPORT_TITLE,
    progress: bool | None = None,
) -> Path:
    """Draw the A4 PDF report: summary, figures, methods and caveats, data quality.

    Page 1's footer names runlog version, findings schema version and the inputs' digest
    (:func:`provenance_line`). With ``SOURCE_DATE_EPOCH`` set, the PDF's dates come from it and
    two runs on the same inputs write identical bytes (:func:`_freeze_layout`).

    The text pages are written by reportlab (:mod:`analysis.textpdf`), the figure pages by matplotlib:
    the first half of them (:func:`_second_share`) in a second process (:mod:`analysis.background`)
    into a PDF of their own, the others here; the parts are joined (:func:`_join_parts`). Where
    there is no second process (one CPU, a busy machine, ``RUNLOG_SERIAL=1``) all figure pages are
    drawn here into one PDF, except with ``SOURCE_DATE_EPOCH`` set: then the figure pages are always
    shared and joined the same way, so the bytes do not depend on the machine (without it the PDF
    carries the time of the run, and no two runs are the same bytes).

    Parameters
    ----------
    data : Analysis
        From :func:`analysis.pipeline.analyse` (or :func:`analysis.pipeline.run`).
    out_path : path
        Where to write the PDF (written to a temporary file, then renamed).
    units : {"km", "mi"}
        Distance unit of the summary and the load figures (rates and model
        effects stay per km, as computed).
    title : str
        Title (also in the PDF metadata).
    progress : bool, optional
        Pages drawn, on stderr (:mod:`analysis.progress`); default: only on a
        terminal and after a second.

    Returns
    -------
    Path
        ``out_path``.
    """
    from analysis import background

    out_path = Path(out_path)
    metadata = {
        "Title": title,
        "Author": "runlog",
        "Subject": f"period {_period_text(data)}",
        "Creator": f"runlog {__version__}",
    }
    # matplotlib takes CreationDate from SOURCE_DATE_EPOCH when it is set (and the time of the run
    # otherwise); naming it here would override that, so it is named only when the variable is set
    fixed = source_date()
    if fixed is not None:
        metadata["CreationDate"] = fixed
    with (
        mpl.rc_context(plots.STYLE),
        _gc_paused(),
        progress_bar(desc="drawing", unit="page", progress=progress) as drawn,
    ):
        # a text page holding a character the DejaVu fonts lack (CJK, emoji) is drawn by matplotlib, which keeps
        # it in the PDF's text layer (reportlab would write an empty glyph): as a figure page
        pages = [page.to_figure if isinstance(page, TextPage) and not page.in_fonts() else page
                 for page in _page_makers(data, units)]
        n = len(pages)
        drawn.total = n
        here = os.getpid()

        def tick() -> None:  # the bar is this process's: a second process draws silently
            if os.getpid() == here:
                drawn.update(1)

        # shared the same way wherever a reproducible PDF is asked for (SOURCE_DATE_EPOCH), so its bytes do not
        # depend on the machine; else only where a second process can take its share
        shared = background.can_fork() or fixed is not None
        theirs = _second_share(pages) if shared else []
        text = [i for i, page in enumerate(pages) if isinstance(page, TextPage)]
        mine = sorted(set(range(n)) - set(theirs) - set(text))
        pending = background.start(_pdf_part, pages, theirs, data, metadata, tick) if theirs else None
        parts: list[bytes] = []
        order: dict[int, tuple[int, int]] = {}

        def add(numbers: Sequence[int], part: bytes) -> None:
            order.update({i: (len(parts), k) for k, i in enumerate(numbers)})
            parts.append(part)

        # matplotlib's parts first: the first part's metadata (producer, date) is the joined PDF's
        if mine:
            add(mine, _pdf_part(pages, mine, data, metadata, tick))
        text_pdf = _text_part(pages, text, data, metadata) if text else b""  # while the second process draws
        if pending is not None:
            import pypdf  # noqa: F401 - loaded for _join_parts while the second process may still be drawing

            add(theirs, pending.result())
        if text:
            add(text, text_pdf)
        drawn.update(n - drawn.n)

        def write_file(tmp: Path) -> None:
            if len(parts) == 1:
                tmp.write_bytes(parts[0])
            else:
                _join_parts(parts, [order[i] for i in range(n)], tmp)

        out_path = atomic_write(out_path, write_file)
    return out_path


__all__ = [
    "build_report",
    "figures",
    "flags",
    "fmt_ci",
    "fmt_num",
    "region_sentences",
    "write_json",
]
