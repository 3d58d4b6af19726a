"""Paper for the self-experiment: the one-page protocol, the figure and the results PDF.

Drawn with matplotlib only (no pyplot: figures live on an Agg canvas and are
saved with :class:`~matplotlib.backends.backend_pdf.PdfPages`; text is real,
searchable TrueType text). The page style repeats the report's few settings
(A4, 9-pt text, Okabe-Ito colours) instead of importing :mod:`analysis.plots`:
the experiment sits below the report and plots in the layer order of
DESIGN.md, so it may not import them. Text is laid out by a small line-flow
helper because matplotlib has no paragraph layout.

References
----------
Silbernagel KG et al. 2007, AJSM 35:897 (the pain-monitoring model, 24-hour rule);
Okabe & Ito 2008 (colour-blind-safe palette).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis import __version__
from analysis.outputs import atomic_write
from analysis.schema import REGIONS

from .plan import order_text, plan_blocks, smallest_p
from .wording import REGION_NAMES, cent_items

A4: tuple[float, float] = (8.27, 11.69)
STYLE: dict = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8,
               "ytick.labelsize": 8, "legend.fontsize": 8, "axes.spines.top": False,
               "axes.spines.right": False, "pdf.fonttype": 42}
#: Okabe-Ito colours: the footwear groups as in the report, other conditions by arm
CONDITION_COLORS: dict[str, str] = {"barefoot-style": "#E69F00", "traditional": "#0072B2",
                                    "barefoot": "#D55E00", "minimalist": "#E69F00", "partial": "#56B4E9"}
ARM_COLORS: dict[str, str] = {"A": "#E69F00", "B": "#0072B2"}

_MARGIN = 0.75  # in
_PT = 1 / (A4[1] * 72)


def condition_colors(a: str, b: str) -> dict[str, str]:
    """One colour per condition (the report's group colours where they apply, never the same twice)."""
    ca, cb = CONDITION_COLORS.get(a, ARM_COLORS["A"]), CONDITION_COLORS.get(b, ARM_COLORS["B"])
    if ca == cb:
        ca, cb = ARM_COLORS["A"], ARM_COLORS["B"]
    return {a: ca, b: cb}


class _Pages:
    """Headings, paragraphs and small tables flowed onto A4 pages."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.pages: list[Figure] = []
        self._new()

    def _new(self) -> None:
        fig = Figure(figsize=A4)
        FigureCanvasAgg(fig)
        self.pages.append(fig)
        self.fig, self.y = fig, 1 - 0.6 / A4[1]

    def _need(self, h: float) -> None:
        if self.y - h < 0.6 / A4[1]:
            self._new()

    def heading(self, text: str, size: float = 12) -> None:
        self._need((size * 1.5 + 30) * _PT)
        self.y -= size * 0.5 * _PT
        self.fig.text(_MARGIN / A4[0], self.y, text, fontsize=size, fontweight="bold", va="top")
        self.y -= size * 1.45 * _PT

    def para(self, text: str, *, size: float = 9, bullet: bool = False, color: str = "black",
             weight: str = "normal") -> None:
        indent = 0.18 if bullet else 0.0
        width = int((A4[0] - 2 * _MARGIN - indent) * 72 / (size * (0.6 if weight == "bold" else 0.55)))
        step = size * 1.3 * _PT
        for i, line in enumerate(textwrap.wrap(text, width) or [""]):
            self._need(step)
            x = (_MARGIN + indent) / A4[0]
            if bullet and i == 0:
                self.fig.text(_MARGIN / A4[0], self.y, "-", fontsize=size, va="top")
            self.fig.text(x, self.y, line, fontsize=size, va="top", color=color, fontweight=weight)
            self.y -= step
        self.y -= size * 0.35 * _PT

    def table(self, header: Sequence[str], rows: Sequence[Sequence], widths_in: Sequence[float],
              *, size: float = 8.5, colors: Sequence[str | None] | None = None) -> None:
        step = size * 1.45 * _PT
        for k, row in enumerate([header, *rows]):
            self._need(step * (2 if k == 0 else 1))
            x = _MARGIN
            color = (colors[k - 1] if colors and k else None) or "black"
            for j, cell in enumerate(row):
                self.fig.text(x / A4[0], self.y, str(cell), fontsize=size, va="top",
                              fontweight="bold" if k == 0 else "normal", color=color if j == 2 else "black")
                x += widths_in[j]
            self.y -= step
        self.y -= 4 * _PT

    def figure_rest(self, min_height_in: float = 3.0) -> Figure:
        """A sub-figure filling the rest of the page (a new page when less than ``min_height_in`` is left)."""
        if (self.y - 0.6 / A4[1]) * A4[1] < min_height_in:
            self._new()
        bottom = 0.5 / A4[1]
        return self.fig.add_subfigure(self.fig.add_gridspec(1, 1, top=self.y, bottom=bottom,
                                                            left=0.06, right=0.97)[0])


def _save(pages: list[Figure], out_path: str | os.PathLike, title: str, footer: str) -> Path:
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        page.text(0.5, 0.015, f"page {i} of {n}", ha="center", va="bottom", fontsize=8, color="#555555")
        page.text(0.95, 0.015, footer, ha="right", va="bottom", fontsize=7, color="#777777")
    # no CreationDate here: matplotlib takes it from SOURCE_DATE_EPOCH when set (byte-identical reruns)
    meta = {"Title": title, "Author": "runlog", "Creator": f"runlog {__version__}"}

    def write_pdf(tmp: Path) -> None:
        with PdfPages(tmp, metadata=meta) as pdf:
            for page in pages:
                pdf.savefig(page)

    return atomic_write(out_path, write_pdf)


# ---------------------------------------------------------------------------
# the protocol
# ---------------------------------------------------------------------------


def protocol_pages(plan: pd.DataFrame) -> list[Figure]:
    """The one-page protocol a runner can pin up: blocks, what to wear, what to log, the 24-hour rule."""
    blocks = plan_blocks(plan)
    a, b = plan.attrs.get("conditions") or tuple(dict.fromkeys(blocks["condition"]))
    colors = condition_colors(a, b)
    km = plan["weekly_km"].dropna()
    seed = plan.attrs.get("seed")
    n, pairs = len(blocks), len(blocks) // 2
    with mpl.rc_context(STYLE):
        doc = _Pages("protocol")
        doc.heading("Footwear self-experiment: the protocol", 15)
        doc.para(f"{a} vs {b}: {n} blocks of {blocks['days'].iloc[0]} days, {blocks['start'].min():%a %d %b %Y} "
                 f"to {blocks['end'].max():%a %d %b %Y}. Order {order_text(plan)} (A = {a}, B = {b}), drawn at "
                 f"random in pairs by runlog{f' (seed {seed})' if seed is not None else ''}.", size=9.5)
        doc.heading("Your blocks", 11)
        rows = []
        for r in blocks.itertuples(index=False):
            wash = (f"{r.start:%d %b} - {r.analysed_from - pd.Timedelta(days=1):%d %b}" if r.washout_days else "none")
            rows.append([r.block, f"{r.start:%a %d %b} - {r.end:%a %d %b %Y}", r.condition, wash])
        doc.table(["block", "dates", "wear on every run", "wash-out (not analysed)"], rows,
                  [0.6, 2.6, 1.9, 1.9], size=9, colors=[colors[r[2]] for r in rows])
        doc.heading("Every run", 11)
        doc.para("Wear the block's footwear on every run, wash-out days included, and record the shoe in your "
                 "watch app or Strava (gear), or put 'barefoot' in the run's title: runlog checks from your "
                 "export how many km you ran in the planned footwear (80 % or more counts as kept).", bullet=True)
        doc.para((f"Keep weekly distance at about {float(km.iloc[0]):g} km in every block" if len(km) else
                  "Keep weekly distance the same in every block") + ", with the same kinds of runs (easy, long, "
                 "faster) in both conditions: only the footwear should change.", bullet=True)
        doc.heading("Every morning (rest days too)", 11)
        doc.para("On your first steps out of bed, rate pain 0-10 (0 = none, 10 = worst imaginable) for each region "
                 "you follow: plantar fascia (heel), Achilles, patellar tendon (knee), gluteal (hip), left and right. "
                 "Write it in the diary as time_of_day 'morning', e.g. 2026-03-02,morning,achilles,R,2,,", bullet=True)
        doc.para("A missed morning is missing, not 0: log it late rather than guess, and never fill gaps "
                 "afterwards. Pain during and after runs can be logged too (for the 24-hour rule).", bullet=True)
        doc.heading("If pain passes 5/10: the 24-hour rule", 11)
        doc.para("Pain during a run may reach 5/10; after the run it should be 5/10 or less and settled by the "
                 "next morning; the next morning's pain should not be higher than the morning before; pain should "
                 "not rise from week to week (Silbernagel et al. 2007).", bullet=True)
        doc.para("If a run breaks the rule: shorten or stop that run, keep the block's footwear but run less "
                 "until the mornings settle, and keep logging.", bullet=True)
        doc.para("If morning pain stays above 5/10 for two days, or keeps rising, stop the experiment and see "
                 "your physiotherapist or doctor. Safety comes first: a stopped block is reported with the "
                 "results, never hidden.", bullet=True, weight="bold")
        doc.heading("Afterwards", 11)
        doc.para("runlog experiment analyse EXPORT --plan plan.csv --pain pain.csv -o experiment.pdf. Blinding is "
                 f"not possible (you see your shoes), so the block order is randomised instead. With {n} blocks the "
                 f"smallest possible randomisation p is {smallest_p(pairs):.3g}: the 95 % interval carries the "
                 "result.", size=8.5, color="#333333")
    return doc.pages


def write_protocol_pdf(plan: pd.DataFrame, out_path: str | os.PathLike) -> Path:
    """Write :func:`protocol_pages` to a PDF (via a temporary file renamed into place)."""
    pages = protocol_pages(plan)
    return _save(pages, out_path, "runlog footwear self-experiment: protocol",
                 f"runlog - {plan['date'].min():%Y-%m-%d} to {plan['date'].max():%Y-%m-%d}")


# ---------------------------------------------------------------------------
# the figure and the results
# ---------------------------------------------------------------------------


def plot_experiment(result, *, fig=None, regions: Sequence[str] | None = None) -> Figure:
    """Daily morning pain per region, blocks shaded by condition, wash-out hatched, block means as bars.

    Parameters
    ----------
    result : ExperimentResult
        From :func:`analysis.experiment.analyse_experiment`.
    fig : Figure or SubFigure, optional
        Where to draw; default a new 8.3 x 2.2-per-region-inch figure.
    regions : sequence of str, optional
        Default: every region with a morning entry in the experiment.

    Returns
    -------
    Figure
    """
    days = result.days
    if regions is None:
        logged = days.loc[days["morning"].notna(), "region"].unique()
        regions = [r for r in REGIONS if r in set(logged)] or [REGIONS[0]]
    a, b = result.design["conditions"]["A"], result.design["conditions"]["B"]
    colors = condition_colors(a, b)
    with mpl.rc_context(STYLE):
        if fig is None:
            fig = Figure(figsize=(A4[0], 1.2 + 2.0 * len(regions)), layout="constrained")
            FigureCanvasAgg(fig)
        axes = fig.subplots(len(regions), 1, sharex=True, squeeze=False)[:, 0]
        blocks = result.adherence
        for ax, region in zip(axes, regions, strict=True):
            d = days[days["region"] == region].sort_values("date")
            for blk in blocks.itertuples(index=False):
                c = colors.get(blk.condition, "#999999")
                ax.axvspan(blk.start, blk.end + pd.Timedelta(days=1), color=c, alpha=0.16, lw=0)
                wash = d[(d["block"] == blk.block) & d["washout"]]
                if len(wash):
                    ax.axvspan(wash["date"].min(), wash["date"].max() + pd.Timedelta(days=1), facecolor="none",
                               edgecolor="#888888", hatch="///", lw=0)
            y = d["morning"].astype("float64").to_numpy(na_value=np.nan)
            x = d["date"].to_numpy() + np.timedelta64(12, "h")
            ax.plot(x, y, color="#333333", lw=0.8)
            ax.plot(x, y, "o", color="#000000", ms=2.2)
            vals = result.block_values.get(region)
            if vals is not None and len(vals):
                for v in vals.itertuples(index=False):
                    blk = blocks[blocks["block"] == v.block].iloc[0]
                    start = d[(d["block"] == v.block) & ~d["washout"]]["date"].min()
                    ax.hlines(v.mean, start, blk.end + pd.Timedelta(days=1), color=colors.get(v.condition),
                              lw=2.2)
            entry = result.regions[region]
            est = (f"B - A {entry['estimate']:+.1f} (95 % CI {entry['ci'][0]:.1f} to {entry['ci'][1]:.1f})"
                   if entry["status"] == "estimated" and entry["ci"] else entry["status"])
            ax.set_title(f"{REGION_NAMES.get(region, region).capitalize()}: {est}", loc="left")
            ax.set_ylim(-0.3, 10.3)
            ax.set_yticks([0, 2, 5, 10])
            ax.set_ylabel("morning pain (0-10)")
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        axes[-1].xaxis.set_major_locator(locator)
        axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        handles = [Patch(color=colors[a], alpha=0.35, label=f"A: {a}"), Patch(color=colors[b], alpha=0.35,
                   label=f"B: {b}"), Patch(facecolor="none", edgecolor="#888888", hatch="///",
                   label="wash-out (not analysed)")]
        fig.legend(handles=handles, loc="outside upper right", ncols=3, frameon=False)
    return fig


def experiment_pages(result) -> list[Figure]:
    """The results: conclusions, adherence, checks and CENT items, then the figure."""
    d = result.design
    a, b = d["conditions"]["A"], d["conditions"]["B"]
    colors = condition_colors(a, b)
    with mpl.rc_context(STYLE):
        doc = _Pages("results")
        doc.heading("Footwear self-experiment: results", 15)
        doc.para(f"{a} (A) vs {b} (B), {d['blocks']} blocks of {d['block_days']} days from {d['start']} to "
                 f"{d['end']}, order {d['order']}; {d['blocks_reached']} of {d['blocks']} blocks reached by the "
                 "diary. Outcome: morning (first-steps) pain 0-10, worse side, wash-out days left out.", size=9.5)
        doc.heading("What the experiment shows", 11)
        for text in result.conclusions.values():
            doc.para(text, bullet=True)
        if d["smallest_p"] > 0.05:
            doc.para(f"With {d['blocks']} blocks there are {d['allowed_orders']} possible orders, so the "
                     f"randomisation test cannot give a p below {d['smallest_p']:.3g}; the 95 % interval (block "
                     "means, linear time trend) carries the inference.", size=8.5, color="#333333")
        doc.heading("Adherence", 11)
        adh = result.adherence
        rows = [[r.block, f"{r.start:%d %b} - {r.end:%d %b}", r.condition, f"{r.km:.1f}", f"{r.weekly_km:.1f}",
                 "-" if pd.isna(r.adherence) else f"{100 * r.adherence:.0f} %", f"{r.days_logged}/{r.days_analysed}",
                 ("" if r.adhered else "below threshold") if r.reached else "not reached"]
                for r in adh.itertuples(index=False)]
        doc.table(["block", "dates", "condition", "km", "km/week", "planned shoes", "mornings", ""], rows,
                  [0.5, 1.3, 1.2, 0.6, 0.75, 1.0, 0.8, 1.0], colors=[colors.get(r[2]) for r in rows])
        km = d.get("weekly_km_by_condition") or {}
        doc.para("Weekly km by condition: " + ", ".join(f"{c} {v:.1f}" for c, v in km.items())
                 + (f" (planned {d['weekly_km']:g})" if d.get("weekly_km") else "") + ".", size=8.5)
        doc.heading("Checks", 11)
        for region in REGIONS:
            e = result.regions[region]
            if e["status"] != "estimated":
                continue
            pp, co = e["per_protocol"], e["carry_over"]
            pp_text = (f"{pp['estimate']:+.1f} (95 % CI {pp['ci'][0]:.1f} to {pp['ci'][1]:.1f}; "
                       f"{pp['blocks']['A']} + {pp['blocks']['B']} blocks)" if pp["status"] == "estimated" and pp["ci"]
                       else f"{pp['status']} ({pp['reason']})")
            co_text = (f"B - A {co['first_half']:+.1f} in first halves of blocks, {co['second_half']:+.1f} in second "
                       f"halves" if co.get("status") == "estimated" else "not assessable")
            doc.para(f"{REGION_NAMES[region].capitalize()}: per protocol B - A {pp_text}; unadjusted B - A "
                     f"{e['unadjusted']['estimate']:+.1f}; carry-over check: {co_text} (a much smaller difference "
                     "in first halves suggests the previous block still acts after the wash-out).", bullet=True,
                     size=8.5)
        if len(result.flareups):
            doc.para("Flare-up onsets during the experiment (reported, not modelled): " + "; ".join(
                f"{REGION_NAMES[r.region]} {r.side} {r.onset_date:%d %b} (block {r.block}, {r.condition})"
                for r in result.flareups.itertuples()) + ".", size=8.5)
        doc.heading("Reporting items (CENT 2015)", 11)
        for item, text in cent_items(result):
            doc.para(f"{item}: {text}", bullet=True, size=8.5)
        pages = [*doc.pages, _figure_page(result)]
    return pages


def _figure_page(result) -> Figure:
    """An A4 page with :func:`plot_experiment` on top (about 2.3 in per region) and a how-to-read caption."""
    logged = set(result.days.loc[result.days["morning"].notna(), "region"])
    n = max(1, sum(r in logged for r in REGIONS))
    page = Figure(figsize=A4, layout="constrained")
    FigureCanvasAgg(page)
    page.get_layout_engine().set(w_pad=0.3, h_pad=0.3)
    height = min(A4[1] - 1.2, 1.0 + 2.3 * n)
    top, rest = page.subfigures(2, 1, height_ratios=[height, A4[1] - height])
    plot_experiment(result, fig=top)
    rest.text(0.06, 0.98, textwrap.fill(
        "How to read: each dot is one morning's pain (the worse side); gaps are mornings not logged. Blocks are "
        "shaded by the footwear worn; hatched days are the wash-out, lived but not analysed. The thick line is "
        "the block's mean over its analysed days: the analysis compares these block means, adjusted for a "
        "linear time trend.", 120), va="top", fontsize=8.5, color="#333333")
    return page


def write_experiment_pdf(result, out_path: str | os.PathLike) -> Path:
    """Write :func:`experiment_pages` to a PDF (via a temporary file renamed into place)."""
    d = result.design
    return _save(experiment_pages(result), out_path, "runlog footwear self-experiment: results",
                 f"runlog - {d['start']} to {d['end']}")
