"""The PDF report a physiotherapist reads in five minutes, and the numbers behind it.

Two steps, both plain functions a notebook can call:

1. :func:`compute_report` turns the frames (runs, pain diary, drills log,
   samples, import log, shoes catalog) into a :class:`ReportData` holding every
   derived frame the figures draw and the findings dict
   (:func:`analysis.associate.findings`, DESIGN.md "Findings JSON"). Every
   number comes from a library function; nothing is computed twice.
2. :func:`build_report` draws an A4 PDF from it with
   :class:`matplotlib.backends.backend_pdf.PdfPages`: page 1 is a summary for a
   clinician, then the figures (:mod:`analysis.plots`), then methods and
   caveats, then data quality. Text is real text (TrueType fonts, searchable);
   every page carries its number; title and date are in the PDF metadata.

The text pages are laid out by hand (a small line-flow helper over
``Figure.text``) because matplotlib has no paragraph layout and a second PDF
library for a few pages of text would be a heavy dependency.

GPS positions never enter the report: samples are read without them
(``positions=False``) and no figure draws a map.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages
from matplotlib.figure import Figure

from analysis import __version__, flareups, footwear, load, plots
from analysis.plots import fmt_ci, fmt_num
from analysis.progress import bar as progress_bar
from analysis.schema import REGIONS, SHOE_CLASSES, STATUSES

A4 = plots.A4_PORTRAIT
REPORT_TITLE = "runlog report: running load, footwear and pain"
CAUSAL_NOTE = (
    "These are associations in one runner's own data, not causes. For a causal answer, plan an ABAB "
    "footwear-block self-experiment: alternate blocks of a few weeks in each footwear (A, B, A, B) at "
    "matched weekly distance while keeping the diary, and compare flare-ups and pain between blocks "
    "(Daza 2018, Methods Inf Med 57:e10)."
)


# ---------------------------------------------------------------------------
# the numbers
# ---------------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything the report, the figures and the notebook show, computed once.

    Attributes hold library outputs; see :func:`compute_report` for which
    function made each.
    """

    runs: pd.DataFrame
    pain: pd.DataFrame
    findings: dict
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    daily: pd.DataFrame
    weekly: pd.DataFrame
    acute_chronic: pd.DataFrame
    spikes: pd.DataFrame
    guardrails: pd.DataFrame
    transition_runs: pd.DataFrame
    pain_daily: pd.DataFrame
    episodes: pd.DataFrame
    weekly_pain: pd.DataFrame
    rule24: pd.DataFrame
    coverage: pd.DataFrame
    shoes: pd.DataFrame
    shoe_rules: pd.Series
    drills: pd.DataFrame | None = None
    adherence: pd.DataFrame | None = None
    log: pd.DataFrame | None = None
    catalog: pd.DataFrame | None = None
    sources: list[str] = field(default_factory=list)
    dynamics_binned: dict[str, pd.DataFrame] | None = None

    def figures(self, *, units: str = "km") -> dict[str, Figure]:
        """Every figure of the report, by function name (see :data:`analysis.plots.FIGURES`)."""
        return {name: _FIGURE_CALLS[name](self, units=units) for name in plots.FIGURES}


def compute_report(
    runs: pd.DataFrame,
    pain: pd.DataFrame | None = None,
    drills: pd.DataFrame | None = None,
    *,
    samples: pd.DataFrame | None = None,
    log: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
    findings: dict | None = None,
    grouping: Mapping[str, str] | None = None,
    retire_km: float = footwear.DEFAULT_RETIRE_KM,
    sources: Sequence[str | os.PathLike] = (),
) -> ReportData:
    """Compute every frame and the findings of the report from the canonical frames.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame after :func:`analysis.footwear.assign_footwear`.
    pain : DataFrame, optional
        Canonical pain frame (:func:`analysis.io.pain_diary.read_pain_diary`);
        without it, flare-ups cannot be analysed and the report says so.
    drills : DataFrame, optional
        :func:`analysis.io.drills.read_drills`.
    samples : DataFrame, optional
        Canonical samples (no positions needed): enables running dynamics.
    log : DataFrame, optional
        Import log, for the data-quality page.
    catalog : DataFrame, optional
        The shoes catalog used (retire mileage per shoe).
    findings : dict, optional
        Already computed :func:`analysis.associate.findings`; computed here
        otherwise (with the same frames).
    grouping : mapping, optional
        Shoe class -> group; default :data:`analysis.load.DEFAULT_GROUPING`.
    retire_km : float
        Default retire mileage for shoes without one in the catalog.
    sources : sequence of paths
        What was read (file names appear on the data-quality page).

    Returns
    -------
    ReportData
        ``daily`` (:func:`~analysis.load.daily_load`), ``weekly``
        (:func:`~analysis.load.weekly_load`), ``acute_chronic``
        (:func:`~analysis.load.acute_chronic`), ``spikes``
        (:func:`~analysis.load.spike_ratio`), ``guardrails`` and
        ``transition_runs`` (:func:`~analysis.load.transition_guardrails`,
        :func:`~analysis.load.transition_runs`), ``pain_daily``, ``episodes``,
        ``rule24``, ``coverage`` (:mod:`analysis.flareups`), ``weekly_pain``
        (:func:`analysis.flareups.weekly_pain`), ``adherence``
        (:func:`~analysis.io.drills.weekly_adherence`), ``shoes`` and
        ``shoe_rules`` (:mod:`analysis.footwear`) and ``findings``.
    """
    from analysis.associate import findings as compute_findings
    from analysis.schema import coerce_pain

    pain = coerce_pain(pain) if pain is None else pain
    grouping = dict(load.DEFAULT_GROUPING if grouping is None else grouping)
    if findings is None:
        findings = compute_findings(runs, pain, drills, samples, grouping=grouping)
    period = findings.get("period", {})
    start = pd.Timestamp(period["start"]) if period.get("start") else None
    end = pd.Timestamp(period["end"]) if period.get("end") else None
    in_period = runs
    if start is not None:
        dates = pd.to_datetime(runs["date"])
        in_period = runs[((dates >= start) & (dates <= end)).to_numpy(bool)]

    daily = load.daily_load(in_period, start=start, end=end, grouping=grouping)
    pain_daily = (
        flareups.daily_pain(pain, start=start, end=end) if start is not None else flareups.daily_pain(pain)
    )
    episodes = flareups.detect_flareups(pain_daily)
    rule24 = flareups.twenty_four_hour_rule(pain, in_period)
    dynamics_binned = None
    if samples is not None and len(samples) and (findings.get("dynamics") or {}).get("available"):
        from analysis.dynamics import DYNAMICS_METRICS, speed_binned

        dynamics_binned = {m: speed_binned(samples, m) for m in DYNAMICS_METRICS}
    adherence = None
    if drills is not None and len(drills):
        from analysis.io.drills import weekly_adherence

        adherence = weekly_adherence(drills, start=start, end=end)
    return ReportData(
        runs=in_period,
        pain=pain,
        findings=findings,
        start=start,
        end=end,
        daily=daily,
        weekly=load.weekly_load(daily) if len(daily) else daily,
        acute_chronic=load.acute_chronic(daily) if len(daily) else pd.DataFrame(index=daily.index),
        spikes=load.spike_ratio(in_period),
        guardrails=load.transition_guardrails(
            in_period, start=start, end=end, grouping=grouping, rule_breaches=rule24["breach"]
        )
        if len(in_period)
        else pd.DataFrame(index=pd.DatetimeIndex([], name="week_start")),
        transition_runs=load.transition_runs(in_period, grouping=grouping),
        pain_daily=pain_daily,
        episodes=episodes,
        weekly_pain=flareups.weekly_pain(pain_daily),
        rule24=rule24,
        coverage=flareups.diary_coverage(pain, start=start, end=end),
        shoes=footwear.shoe_summary(in_period, catalog, retire_km=retire_km),
        shoe_rules=footwear.rule_counts(in_period) if "shoe_rule" in in_period else pd.Series(dtype="int64"),
        drills=drills,
        adherence=adherence,
        log=log,
        catalog=catalog,
        sources=[str(s) for s in sources],
        dynamics_binned=dynamics_binned,
    )


def read_side_files(inputs) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The pain diary and drills log named by an :class:`analysis.pipeline.Inputs` (None where not given)."""
    from analysis.io.drills import read_drills
    from analysis.io.pain_diary import read_pain_diary

    pain = read_pain_diary(inputs.pain) if inputs.pain else None
    drills = read_drills(inputs.drills) if inputs.drills else None
    return pain, drills


def report_from_inputs(
    inputs,
    *,
    tz=None,
    cache=None,
    progress: bool | None = False,
    samples: bool = True,
    retire_km: float = footwear.DEFAULT_RETIRE_KM,
    on_step: Callable[[str], None] | None = None,
) -> ReportData:
    """Read an :class:`analysis.pipeline.Inputs` (sources, diary, drills, shoes) and compute the report.

    ``samples=False`` skips the per-second data (no running dynamics, faster).
    ``on_step`` is called with a short message before each step (progress).
    """
    from analysis.pipeline import load_runs

    def step(msg: str) -> None:
        if on_step is not None:
            on_step(msg)

    step(f"reading {len(inputs.sources)} source{'s' if len(inputs.sources) != 1 else ''}")
    result, catalog = load_runs(inputs, tz=tz, progress=progress, cache=cache, samples=samples)
    step("reading the pain diary and drills log")
    pain, drills = read_side_files(inputs)
    step("computing flare-ups and findings")
    return compute_report(
        result.runs,
        pain,
        drills,
        samples=result.samples if samples else None,
        log=result.log,
        catalog=catalog,
        retire_km=retire_km,
        sources=[Path(s).name for s in inputs.sources],
    )


def _publish(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions (mkstemp makes it private) and rename it."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_json(findings: Mapping, path: str | os.PathLike) -> Path:
    """Write the findings as JSON atomically (temporary file in the same folder, then a rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(findings, indent=2, ensure_ascii=False, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        _publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# ---------------------------------------------------------------------------
# the words
# ---------------------------------------------------------------------------

_TERM_WORDS = {
    "km_lag_1_3": "each +10 km in the 3 days before",
    "km_lag_4_7": "each +10 km 4-7 days before",
    "km_lag_8_14": "each +10 km 8-14 days before",
    "km_lag_15_28": "each +10 km 15-28 days before",
    "barefoot_share_lag_1_7": "each +10 points of barefoot-style share in the week before",
    "spike_small": "a small single-run spike (1.10-1.30 x) in the 3 days before",
    "spike_moderate": "a moderate single-run spike (1.30-2.00 x) in the 3 days before",
    "spike_large": "a large single-run spike (> 2 x) in the 3 days before",
    "drill_days_lag_1_7": "each extra drill day in the week before",
}


_VARIANT_WORDS = {
    "minus_1_point": "pain thresholds 1 point lower",
    "plus_1_point": "pain thresholds 1 point higher",
    "one_day": "1 day above the thresholds",
    "two_days": "2 consecutive days",
}


def _excluding_one(effects: Sequence[Mapping]) -> set[str]:
    return {
        e["term"]
        for e in effects
        if e.get("ci") and None not in e["ci"] and (e["ci"][0] > 1 or e["ci"][1] < 1)
    }


def sensitivity_table(findings: Mapping) -> tuple[list[str], list[list[str]], list[str]]:
    """The flare-up sensitivity check as a table and sentences (METHODS.md 4).

    Returns
    -------
    (header, rows, notes)
        One row for the definition in use and one per variant of
        ``findings["guards"]["sensitivity"]``; a cell gives the region's onsets and
        the barefoot-style vs traditional rate ratio. ``notes`` names each model
        term whose 95 % CI excludes OR 1 under a variant but not in the main
        analysis, or the reverse (an empty list: the conclusions hold).
    """
    variants = (findings.get("guards") or {}).get("sensitivity") or {}
    main = findings.get("regions", {})
    regions = [r for r in REGIONS if r in main]
    header = ["flare-up definition", *[plots.REGION_LABELS.get(r, r) for r in regions]]

    def cell(entry: Mapping) -> str:
        rr = (entry.get("rate_ratio") or {}).get("estimate")
        return f"{entry.get('onsets', 0)}" + (f" (RR {fmt_num(rr)})" if rr is not None else "")

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
            base = _excluding_one([e for e in main[r].get("effects", []) if e.get("primary")])
            estimated = {e["term"] for e in entry.get("effects", []) if e.get("ci") and None not in e["ci"]}
            now = _excluding_one(entry.get("effects", []))
            for term in sorted(now - base):
                notes.append(
                    f"{plots.REGION_LABELS.get(r, r)}, {_VARIANT_WORDS.get(name, name)}: "
                    f"{_TERM_WORDS.get(term, term)} now has a CI excluding 1."
                )
            # a term the variant could not estimate has not "lost" its finding
            for term in sorted((base - now) & estimated):
                notes.append(
                    f"{plots.REGION_LABELS.get(r, r)}, {_VARIANT_WORDS.get(name, name)}: "
                    f"{_TERM_WORDS.get(term, term)} no longer has a CI excluding 1."
                )
    return header, rows, notes


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def region_sentences(region: str, finding: Mapping) -> list[str]:
    """The plain sentences of the summary page for one region (rates, model or 'insufficient data')."""
    name = plots.REGION_LABELS.get(region, region)
    n = finding.get("onsets", 0)
    rates = {r["shoe_class"]: r for r in finding.get("rates", [])}
    bs, trad = rates.get("barefoot-style"), rates.get("traditional")
    out = []
    if bs or trad:
        parts = []
        for label, r in (("per 1000 km after barefoot-style runs", bs), ("after traditional", trad)):
            if r:
                parts.append(
                    f"{fmt_num(r['per_1000km'])} {label} ({fmt_ci(r['ci'])}; {_n(r['onsets'], 'onset')})"
                )
        rr = finding.get("rate_ratio") or {}
        ratio = ""
        if rr.get("estimate") is not None:
            ratio = f"; rate ratio {fmt_num(rr['estimate'])} ({fmt_ci(rr.get('ci'))})"
        out.append(f"{name}, {_n(n, 'flare-up onset')}: " + " vs ".join(parts) + ratio + ".")
    else:
        out.append(f"{name}, {_n(n, 'flare-up onset')}: no running on at-risk days to compare footwear.")
    if not finding.get("sufficient"):
        why = (finding.get("message") or "insufficient data").removeprefix("insufficient data: ")
        out.append(f"Insufficient data for a model ({why}): rates only, no effect estimates.")
        return out
    primary = [e for e in finding.get("effects", []) if e.get("primary") and e.get("estimate") is not None]
    clear = [e for e in primary if e.get("q") is not None and e["q"] < 0.05]
    events = (finding.get("model") or {}).get("n_events", n)
    if clear:
        for e in clear:
            more = e["estimate"] > 1
            out.append(
                f"Associated with {'more' if more else 'fewer'} flare-ups: "
                f"{_TERM_WORDS.get(e['term'], e['term'])}, odds ratio "
                f"{fmt_num(e['estimate'])} ({fmt_ci(e.get('ci'))}), q = {fmt_num(e['q'])}, "
                f"{events} onsets."
            )
    elif primary:
        # a spike bin without onsets has an artefactual point estimate: not "strongest"
        ranked = [e for e in primary if not (e.get("note") or "").startswith("quasi-separation")] or primary
        best = min(ranked, key=lambda e: e["p"] if e.get("p") is not None else 1.0)
        out.append(
            f"Model ({events} onsets): no term clearly associated (all {len(primary)} q >= 0.05); "
            f"strongest: {_TERM_WORDS.get(best['term'], best['term'])}, odds ratio "
            f"{fmt_num(best['estimate'])} ({fmt_ci(best.get('ci'))}), q = {fmt_num(best.get('q'))}."
        )
    else:
        out.append(
            "The model could not be estimated"
            + (f": {finding['model'].get('reason')}" if finding.get("model", {}).get("reason") else ".")
        )
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


def flags(data: ReportData) -> list[str]:
    """The summary's flags: 24-hour-rule breaches, large spikes, guard-rail breaches, retire alerts."""
    out = []

    def dates(values, k=4) -> str:
        d = sorted(pd.to_datetime(pd.Series(values)).dropna().dt.strftime("%Y-%m-%d").unique())
        if not d:
            return ""
        return " (latest: " + ", ".join(d[-k:]) + ")"

    r24 = data.rule24
    checked = int(r24["breach"].notna().sum()) if len(r24) else 0
    broke = r24[r24["breach"].fillna(False).astype(bool)] if len(r24) else r24
    if checked:
        out.append(
            f"24-hour pain rule broken after {len(broke)} of {checked} checked runs"
            + dates(broke["date"], 3)
            + "."
        )
    else:
        out.append("24-hour pain rule: no run could be checked (no diary entries around the runs).")
    sp = data.spikes
    large = sp[sp["spike_bin"].eq("large").fillna(False)] if len(sp) else sp
    moderate = int(sp["spike_bin"].eq("moderate").fillna(False).sum()) if len(sp) else 0
    out.append(
        f"Single-run spikes: {len(large)} large (> 2 x the longest run of the previous 30 days)"
        + dates(large["date"] if len(large) else [], 3)
        + f", {moderate} moderate (1.30-2.00 x)."
    )
    g = data.guardrails
    if len(g) and "breach" in g:
        n = {
            c: int(g[c].astype("boolean").fillna(False).sum())
            for c in ("start_breach", "increase_breach", "run_breach", "increase_despite_pain", "caution")
        }
        weeks = g.index[g["breach"].to_numpy(bool)]
        out.append(
            f"Barefoot-style transition guard-rails broken in {len(weeks)} weeks"
            + dates(weeks, 2)
            + f": start > 10 % {n['start_breach']}, share up > 10 points {n['increase_breach']}, "
            f"run > 110 % of the longest {n['run_breach']}, share up after a 24-hour-rule breach "
            f"{n['increase_despite_pain']}; {n['caution']} weeks over 35 km with barefoot-style running."
        )
    sh = data.shoes
    alerts = sh[sh["retire_alert"].astype("boolean").fillna(False).to_numpy(bool)] if len(sh) else sh
    if len(alerts):
        out.append(
            "Shoes past their retire mileage: "
            + ", ".join(
                f"{s} ({km:.0f} km)" for s, km in zip(alerts["shoe"], alerts["distance_km"], strict=True)
            )
            + "."
        )
    return out


# ---------------------------------------------------------------------------
# page layout
# ---------------------------------------------------------------------------

_MARGIN_IN = 0.75
_TOP = 1 - 0.7 / A4[1]
_BOTTOM = 0.75 / A4[1]
_PT = 1 / (A4[1] * 72)  # one point as a fraction of the page height


class _TextPages:
    """Flow headings, paragraphs and small tables onto A4 pages (one Figure per page)."""

    def __init__(self) -> None:
        self.pages: list[Figure] = []
        self._new_page()

    def _new_page(self) -> None:
        fig = Figure(figsize=A4)
        FigureCanvasAgg(fig)
        self.pages.append(fig)
        self.fig = fig
        self.y = _TOP

    def _need(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self._new_page()

    def _chars(self, size: float, indent_in: float = 0.0) -> int:
        width_pt = (A4[0] - 2 * _MARGIN_IN - indent_in) * 72
        return max(20, int(width_pt / (size * 0.54)))

    def space(self, points: float = 6) -> None:
        self.y -= points * _PT

    def heading(self, text: str, size: float = 13) -> None:
        self._need((size * 1.4 + 40) * _PT)
        self.space(size * 0.6)
        self.fig.text(_MARGIN_IN / A4[0], self.y, text, fontsize=size, fontweight="bold", va="top")
        self.y -= size * 1.45 * _PT

    def para(
        self,
        text: str,
        *,
        size: float = 9.5,
        indent_in: float = 0.0,
        bullet: str = "",
        weight: str = "normal",
        color: str = "black",
    ) -> None:
        lines = textwrap.wrap(text, self._chars(size, indent_in + (0.18 if bullet else 0)))
        step = size * 1.32 * _PT
        for i, line in enumerate(lines or [""]):
            self._need(step)
            x = (_MARGIN_IN + indent_in) / A4[0]
            if bullet and i == 0:
                self.fig.text(x, self.y, bullet, fontsize=size, va="top", color=color)
            self.fig.text(
                x + (0.18 / A4[0] if bullet else 0),
                self.y,
                line,
                fontsize=size,
                va="top",
                fontweight=weight,
                color=color,
            )
            self.y -= step
        self.space(size * 0.35)

    def bullet(self, text: str, **kw) -> None:
        self.para(text, bullet="-", **kw)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence],
        *,
        size: float = 8.5,
        widths_in: Sequence[float] | None = None,
    ) -> None:
        """A plain table: bold header, one text line per row, columns at fixed offsets."""
        ncol = len(header)
        cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
        if widths_in is None:
            chars = [max(len(r[j]) for r in cells) for j in range(ncol)]
            widths_in = [max(c, 3) * size * 0.55 / 72 + 0.15 for c in chars]
        step = size * 1.45 * _PT
        for k, row in enumerate(cells):
            self._need(step * (2 if k == 0 else 1))
            x = _MARGIN_IN
            for j, cell in enumerate(row):
                self.fig.text(
                    x / A4[0],
                    self.y,
                    cell,
                    fontsize=size,
                    va="top",
                    fontweight="bold" if k == 0 else "normal",
                )
                x += widths_in[j]
            self.y -= step
        self.space(6)


_FOOTER_IN = 0.3


def _head_height(caption: str) -> float:
    return 0.62 + 0.165 * len(textwrap.wrap(caption, 118))


def _figure_page(title: str, caption: str, draw: Sequence[tuple[Callable, float]]) -> Figure:
    """An A4 page: title and a how-to-read caption on top, then figures stacked at the given heights (in).

    Heights are scaled down when they exceed the page; space left over stays blank at the bottom.
    """
    page = Figure(figsize=A4, layout="constrained")
    FigureCanvasAgg(page)
    page.get_layout_engine().set(w_pad=0.1, h_pad=0.06)
    lines = textwrap.wrap(caption, 118)
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
        d.pain_daily, d.episodes, fig=fig
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
}


def _draw(data: ReportData, name: str, units: str) -> Callable:
    return lambda fig: _FIGURE_CALLS[name](data, units=units, fig=fig)


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


def _period_text(data: ReportData) -> str:
    if data.start is None:
        return "no data"
    days = (data.end - data.start).days + 1
    return f"{data.start:%d %b %Y} to {data.end:%d %b %Y} ({days} days)"


def _summary_pages(data: ReportData, units: str) -> list[Figure]:
    f = data.findings
    per = 1000.0 / 1609.344 if units == "mi" else 1.0
    tp = _TextPages()
    tp.heading(REPORT_TITLE, size=15)
    tp.para(
        f"Period: {_period_text(data)}. Made {dt.date.today():%d %b %Y} by runlog {__version__}. "
        "Figures, methods and data quality follow this summary.",
        size=9,
        color="#333333",
    )
    d = f.get("data", {})
    km = (d.get("distance_km") or 0.0) * per
    tp.heading("Running", size=11.5)
    diary_pct = d.get("pain_days_logged_pct")
    by_class = "; ".join(
        f"{cls} {n} runs, {k * per:.0f} {units}" for cls, n, k in _count_runs_by_class(data.runs, data.daily)
    )
    tp.para(
        f"{d.get('runs', 0)} runs, {km:.0f} {units} ({by_class}). Pain diary kept on "
        f"{fmt_num(diary_pct) if diary_pct is not None else '0'} % of days."
    )

    tp.heading("Flare-ups (onsets per region)", size=11.5)
    ep = data.episodes
    rows = []
    for region in REGIONS:
        rf = f.get("regions", {}).get(region, {})
        sides = {
            s: int(((ep["region"] == region) & (ep["side"] == s)).sum()) if len(ep) else 0 for s in ("L", "R")
        }
        cov = data.coverage.set_index("region")["pct_logged"].get(region, float("nan"))
        rows.append(
            (
                plots.REGION_LABELS[region],
                rf.get("onsets", 0),
                f"{sides['L']} / {sides['R']}",
                "-" if pd.isna(cov) else f"{cov:.0f} %",
                "model" if rf.get("sufficient") else "insufficient data: rates only",
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
                tp.bullet(sentence, size=9)
            else:
                tp.para(sentence, indent_in=0.18, size=9)
    tp.para(
        "Rates: onsets by the footwear of the last run in the 1-3 days before, per km run on days when a new "
        "flare-up could start. Odds ratios: the pre-specified model per region (adjusted for distance, pace, "
        "time since the last flare-up, trend); q = false-discovery-rate adjusted p "
        f"({f.get('guards', {}).get('multiple_comparisons', {}).get('primary_tests', 0)} primary tests).",
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
        tp.bullet(line, size=9)
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
        "dashed; weeks with fewer than 3 diary days are left blank. Triangles and dotted lines mark flare-up "
        "onsets. Shaded: pain above 5, 'high' in the pain-monitoring model (Silbernagel 2007).",
    ),
    "pain_load": (
        "Daily pain, and acute and chronic load",
        "Top: each day's highest pain per region and side; white = not logged (missing, never counted as 0); "
        "black triangles = flare-up onsets. Bottom: acute (7-day) and chronic (28-day) exponentially "
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
        "intervals; wide intervals mean few events. Bottom: how the association of distance with onsets "
        "depends "
        "on when it was run (regions with enough data), and the cross-correlation of daily km with daily "
        "pain "
        "after prewhitening (positive lag: km before pain).",
    ),
    "forest": (
        "Effects in the hazard model",
        "Odds ratios of a flare-up onset per unit of each load and footwear term, from the pre-specified "
        "model "
        "per region (filled squares) and exploratory case-crossover analyses (open circles, below the dashed "
        "line). The line at 1 = no "
        "association; intervals crossing it are compatible with no effect. q = Benjamini-Hochberg adjusted "
        'p-value. A spike bin that no onset followed shows its interval only ("0 onsets on n days"). '
        "Only regions with at least 10 onsets, 90 days and 80 % of days logged are modelled.",
    ),
    "shoes": (
        "Shoes",
        "Distance per shoe against its retire mileage (the catalog's value, or 800 km); runs without a shoe "
        "are listed by class.",
    ),
    "dynamics": (
        "Running dynamics: differences between barefoot-style and traditional footwear at matched speed "
        "(per-second "
        "FIT data only; the first 10 minutes of each run dropped), mean difference with 95 % CI."
    ),
}


def _figure_pages(data: ReportData, units: str) -> list[Figure]:
    regions = data.findings.get("regions", {})
    modelled = [r for r in REGIONS if regions.get(r, {}).get("sufficient")]
    forest_in = (
        1.3 + 0.22 * sum(len(regions[r].get("effects", [])) for r in modelled) + 0.55 * len(modelled)
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
    pages = []
    for key, figs in spec:
        title, caption = _CAPTIONS[key]
        if key == "forest" and len(figs) > 1:
            title, caption = title + ", and running dynamics", caption + " " + _CAPTIONS["dynamics"]
        elif key == "shoes" and len(figs) > 1:
            title, caption = "Running dynamics and shoes", _CAPTIONS["dynamics"] + " " + caption
        pages.append(_figure_page(title, caption, [(_draw(data, name, units), h) for name, h in figs]))
    return pages


def _methods_pages(data: ReportData) -> list[Figure]:
    g = data.findings.get("guards", {})
    mc = g.get("multiple_comparisons", {})
    suff = g.get("sufficiency", {})
    tp = _TextPages()
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
        "Flare-up onset (per region and side): pain at least 2 points above the personal baseline (median of"
        " the "
        "previous 14 flare-free logged days) and at least 3 on 2 consecutive logged days, or any pain above "
        "5, or "
        "morning pain 2 points above the previous morning. An episode ends after 3 settled days; a new onset "
        "needs 7 flare-free days. Onsets are analysed, not flare days.",
        "24-hour rule (Silbernagel 2007): pain during a run up to 5/10, after the run up to 5 and settled by"
        " the "
        "next morning, no rise in next-morning pain, no rise week to week.",
        "Load: weekly distance by footwear; acute (7-day) and chronic (28-day) exponentially weighted load "
        "(Williams 2017) shown as two lines - acute:chronic ratio zones are not used (Impellizzeri 2020); "
        "single-run spikes: distance over the longest run of the previous 30 days (Frandsen 2025).",
        "Rates: onsets per 1000 km by the footwear of the last run in the 1-3 days before, exposure = km on "
        "at-risk days; exact Poisson intervals; the rate ratio with an exact conditional interval.",
        "Model (one pre-specified per region): a discrete-time hazard model (logistic) of onset on at-risk "
        "days, "
        "with distance in four lag bands (1-3, 4-7, 8-14, 15-28 days before), barefoot-style share of the "
        "last "
        "7 days, single-run spikes, drill days, adjusted for pace, time since the last flare and trend. "
        f"Intervals: {g.get('variance_description', g.get('variance_estimator', 'profile likelihood'))}. "
        "Every load term uses only days "
        f"before "
        "the onset day, and only days when a new flare-up could start (reverse causation guard).",
        f"Multiple comparisons: {mc.get('method', 'Benjamini-Hochberg')} q-values at FDR "
        f"{100 * mc.get('fdr', 0.05):.0f} %; {mc.get('primary_tests', 0)} primary and "
        f"{mc.get('exploratory_tests', 0)} exploratory tests.",
        f"Sufficiency: a model only with at least {suff.get('min_onsets', 10)} onsets in a region, "
        f"{suff.get('min_days', 90)} days and {fmt_num(suff.get('min_logged_pct', 80))} % of days logged; "
        "otherwise 'insufficient data' - rates and descriptions only.",
    ]
    for item in items:
        tp.bullet(item)
    tp.heading("Caveats", size=12)
    for item in [
        "Association, not causation. One runner's data, few events: intervals are wide, and a runner who is "
        "sore tends to choose shoes and distance differently (confounding by indication; footwear is "
        "compared "
        "per km and adjusted for distance and pace, which helps but cannot remove it).",
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
        tp._need((12 * 2.1 + 3 * 8.5 * 1.32 + (len(rows) + 3) * 8 * 1.45) * _PT)
        tp.heading("Sensitivity of the flare-up definition", size=12)
        tp.para(
            "Onsets per region (and the barefoot-style vs traditional rate ratio, RR) when the flare-up "
            "definition moves (METHODS.md 4); where a region still has enough onsets the model is fitted "
            "again. A conclusion that holds under every line is more trustworthy.",
            size=8.5,
        )
        tp.table(header, rows, size=8, widths_in=[2.2, *[1.25] * (len(header) - 1)])
        for note in notes or [
            "No model term changes between 'interval excludes 1' and not under any variant."
        ]:
            tp.bullet(note, size=8.5)
    return tp.pages


def _quality_pages(data: ReportData) -> list[Figure]:
    tp = _TextPages()
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
                "below 80 %: too patchy" if r.warn else "ok",
            )
            for r in cov.itertuples(index=False)
        ]
        tp.table(
            ["region", "days logged", "days in period", "logged", ""],
            rows,
            widths_in=[1.3, 1.1, 1.2, 0.9, 2.0],
        )
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
    tp.para("GPS positions are never read into the report.", size=8.5, color="#333333")
    return tp.pages


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while the pages are drawn (restored after, as it was).

    Drawing creates some hundred thousand small objects, and every full pass of
    the collector walks all the objects alive, the loaded libraries and frames
    included: about 15 % of the drawing time on the sample. The pages stay
    alive until the file is written anyway; their cycles are collected after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def build_report(
    data: ReportData,
    out_path: str | os.PathLike,
    *,
    units: str = "km",
    title: str = REPORT_TITLE,
    progress: bool | None = None,
) -> Path:
    """Draw the A4 PDF report: summary, figures, methods and caveats, data quality.

    Parameters
    ----------
    data : ReportData
        From :func:`compute_report` (or :func:`report_from_inputs`).
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
    out_path = Path(out_path)
    with (
        mpl.rc_context(plots.STYLE),
        _gc_paused(),
        progress_bar(desc="drawing", unit="page", progress=progress) as drawn,
    ):
        pages = [
            *_summary_pages(data, units),
            *_figure_pages(data, units),
            *_methods_pages(data),
            *_quality_pages(data),
        ]
        n = len(pages)
        drawn.total = n
        for i, page in enumerate(pages, start=1):
            page.text(0.5, 0.012, f"page {i} of {n}", ha="center", va="bottom", fontsize=8, color="#555555")
            page.text(
                0.95,
                0.012,
                f"runlog - {_period_text(data)}",
                ha="right",
                va="bottom",
                fontsize=7,
                color="#777777",
            )
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".pdf", dir=out_path.parent)
        os.close(fd)
        metadata = {
            "Title": title,
            "Author": "runlog",
            "Subject": f"period {_period_text(data)}",
            "Creator": f"runlog {__version__}",
            "CreationDate": dt.datetime.now(dt.UTC),
        }
        try:
            with PdfPages(tmp, metadata=metadata) as pdf:
                for page in pages:
                    _lay_out_once(page)
                    pdf.savefig(page)
                    drawn.update(1)
            _publish(tmp, out_path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return out_path


__all__ = [
    "ReportData",
    "build_report",
    "compute_report",
    "flags",
    "fmt_ci",
    "fmt_num",
    "read_side_files",
    "region_sentences",
    "report_from_inputs",
    "write_json",
]
