"""One function per figure of the report and the notebook; each returns a matplotlib Figure.

Every number drawn here comes from a library function (:mod:`analysis.load`,
:mod:`analysis.flareups`, :mod:`analysis.footwear`, :mod:`analysis.io.drills`,
:mod:`analysis.dynamics`, :func:`analysis.findings.findings`, and
:func:`analysis.flareups.weekly_pain`): the functions below only reshape and
draw. :func:`analysis.pipeline.analyse` builds all their inputs at once.

Conventions (DESIGN.md "How the code should read"; METHODS.md 2 for what not
to draw):

* Okabe-Ito colours (safe for the common colour-vision deficiencies), with
  line styles or markers as a second cue wherever two series share an axes;
* a colour means one thing throughout the report: shoe classes (and their
  groups) are the orange-to-blue family of :data:`CLASS_COLORS`, regions the
  green-purple-olive set of :data:`REGION_COLORS` (Okabe-Ito's two hues not
  taken by the classes and two of Paul Tol's muted scheme), sides are never a
  colour (solid line and down triangle = left, dashed and up triangle =
  right); everything else (load lines, spikes, guard-rail marks, drills,
  estimates) is black and greys, pain a viridis scale with its colour bar;
* units on every axis, sizes readable on an A4 page (9 pt text);
* figures are created without pyplot (no global state; the Agg canvas works
  without a display); each function takes ``fig`` (a Figure or SubFigure to
  draw into) and ``figsize``;
* missing pain is blank, never 0; acute and chronic load are two lines with no
  "sweet spot" zones; guard-rails are labelled as a synthesis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import wraps

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.schema import REGIONS, SHOE_CLASSES, SIDES
from analysis.units import display_per_km as _per_unit  # km -> the display unit

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
#: Paul Tol's muted scheme (colour-blind safe; Tol 2021, "Colour schemes", SRON/EPS/TN/09-002)
TOL_MUTED: dict[str, str] = {
    "indigo": "#332288",
    "cyan": "#88CCEE",
    "teal": "#44AA99",
    "green": "#117733",
    "olive": "#999933",
    "sand": "#DDCC77",
    "rose": "#CC6677",
    "wine": "#882255",
    "purple": "#AA4499",
}
CLASS_COLORS: dict[str, str] = {
    "barefoot": OKABE_ITO["vermillion"],
    "minimalist": OKABE_ITO["orange"],
    "partial": OKABE_ITO["sky_blue"],
    "traditional": OKABE_ITO["blue"],
    "unknown": "#C8C8C8",
}
GROUP_COLORS: dict[str, str] = {
    "barefoot-style": OKABE_ITO["orange"],
    "traditional": OKABE_ITO["blue"],
    "unknown": OKABE_ITO["grey"],
}
REGION_COLORS: dict[str, str] = {
    "plantar": OKABE_ITO["bluish_green"],
    "achilles": TOL_MUTED["wine"],
    "patellar": TOL_MUTED["olive"],
    "glute": OKABE_ITO["reddish_purple"],
}
#: a second cue for regions sharing an axes
REGION_MARKERS: dict[str, str] = {"plantar": "o", "achilles": "s", "patellar": "D", "glute": "P"}
REGION_LABELS: dict[str, str] = {
    "plantar": "Plantar fascia",
    "achilles": "Achilles tendon",
    "patellar": "Patellar tendon",
    "glute": "Gluteal tendons",
}
#: sides are a line style and a marker, never a colour ("color" is the neutral grey of legend keys)
SIDE_STYLES: dict[str, dict] = {
    "L": {"color": "#444444", "linestyle": "-", "marker": "v", "label": "left"},
    "R": {"color": "#444444", "linestyle": "--", "marker": "^", "label": "right"},
}
#: neutral colours for what is neither a class, a region nor pain
INK: dict[str, str] = {"black": "#000000", "dark": "#555555", "mid": "#888888", "light": "#BBBBBB"}
SPIKE_COLORS: dict[str, str] = {
    "none": "#CCCCCC",
    "small": INK["mid"],
    "moderate": INK["dark"],
    "large": INK["black"],
}
SPIKE_LABELS: dict[str, str] = {
    "none": "<= 1.10 x longest run of last 30 d",
    "small": "1.10-1.30 (small spike)",
    "moderate": "1.30-2.00 (moderate spike)",
    "large": "> 2.00 (large spike)",
}
#: how the findings' effect terms read on a plot
TERM_LABELS: dict[str, str] = {
    "km_lag_1_3": "km in days 1-3 before",
    "km_lag_4_7": "km in days 4-7 before",
    "km_lag_8_14": "km in days 8-14 before",
    "km_lag_15_28": "km in days 15-28 before",
    "barefoot_share_lag_1_7": "barefoot-style share, days 1-7",
    "spike_small": "small single-run spike, days 1-3",
    "spike_moderate": "moderate single-run spike, days 1-3",
    "spike_large": "large single-run spike, days 1-3",
    "drill_days_lag_1_7": "drill days in days 1-7 before",
    "cco_km_lag_1_7": "case-crossover: km, days 1-7",
    "cco_barefoot_share_lag_1_7": "case-crossover: barefoot-style share, 1-7",
    "cco_km_lag_1_14": "case-crossover: km, days 1-14",
    "cco_barefoot_share_lag_1_14": "case-crossover: barefoot-style share, 1-14",
    "barefoot_share_7d": "barefoot-style share, days 1-7 (pre-specified)",
    "km_7d": "km in days 1-7 before (pre-specified)",
}
KM_LAG_TERMS: tuple[tuple[str, str], ...] = (
    ("km_lag_1_3", "1-3"),
    ("km_lag_4_7", "4-7"),
    ("km_lag_8_14", "8-14"),
    ("km_lag_15_28", "15-28"),
)
A4_PORTRAIT: tuple[float, float] = (8.27, 11.69)
_WEEK_BAR = np.timedelta64(6, "D")  # bar width on a date axis (a plain number would be read as ~0 days)
WIDTH_IN = 8.27

STYLE: dict = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "pdf.fonttype": 42,
    # titles at a fixed height above the axes: matplotlib's automatic placement measures every axis's tick
    # labels once more per title at each layout pass and at drawing (about a fifth of the figure pages'
    # layout on the sample), only to move a title clear of ticks on top, which no panel here has
    "axes.titley": 1.0,
    # tick labels as the numbers themselves, never "+1e3" offsets above the axis (which a fixed title
    # could also meet)
    "axes.formatter.useoffset": False,
}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _styled(func: Callable) -> Callable:
    """Create every artist of a figure under :data:`STYLE` (no global rcParams change)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def _figure(
    fig: Figure | SubFigure | None, figsize: tuple[float, float] | None, default: tuple[float, float]
) -> Figure | SubFigure:
    """The figure to draw into: the caller's, or a new constrained-layout one on an Agg canvas."""
    if fig is not None:
        return fig
    new = Figure(figsize=figsize or default, layout="constrained")
    FigureCanvasAgg(new)
    return new


def _float(values) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _dates(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[ns]")


class _DateLocator(mdates.AutoDateLocator):
    """An AutoDateLocator that remembers its ticks for the view interval it last saw.

    Matplotlib asks an axis for its ticks many times per page (twice per layout
    pass, once per shared axis when placing the axis labels, once to draw), and
    every answer runs dateutil's rrule afresh; the answer depends only on the
    view interval (``maxticks`` is fixed, not taken from the axis length).
    """

    _memo: tuple = (None, None)

    def __call__(self):
        key = tuple(self.axis.get_view_interval())
        if self._memo[0] != key:
            self._memo = (key, np.asarray(super().__call__()))
        return self._memo[1].copy()


def _date_axis(ax) -> None:
    locator = _DateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _bars(ax, x, height, *, bottom=0.0, width=_WEEK_BAR, label: str | None = None, **kw) -> PolyCollection:
    """Vertical bars centred on ``x`` as one artist (what ``Axes.bar`` draws, as a PolyCollection).

    ``Axes.bar`` makes a Rectangle artist per bar: the weekly bars of two years
    are over 900 artists on three pages, each laid out and drawn on its own.
    One PolyCollection per series draws the same rectangles in one call and
    sets the same data limits. ``x`` may be dates (``width`` then a
    timedelta64); bars with a missing height are left out.
    """
    x = np.asarray(x)
    height = np.asarray(height, dtype="float64")
    bottom = np.broadcast_to(np.asarray(bottom, dtype="float64"), height.shape)
    ax.xaxis.update_units(x)
    left = np.asarray(ax.convert_xunits(x - width / 2), dtype="float64")
    right = np.asarray(ax.convert_xunits(x + width / 2), dtype="float64")
    keep = np.isfinite(height)
    left, right, low, high = left[keep], right[keep], bottom[keep], (bottom + height)[keep]
    verts = np.stack([np.c_[left, low], np.c_[left, high], np.c_[right, high], np.c_[right, low]], axis=1)
    bars = PolyCollection(verts, label=label, **kw)
    bars.sticky_edges.y.append(0.0)
    ax.add_collection(bars)
    return bars


def _message(ax, text: str) -> None:
    """Say in the panel why it is empty (never a silent blank panel)."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        wrap=True,
        fontsize=9,
        color="#444444",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9},
        zorder=10,
    )


def _week_blocks(weeks: np.ndarray) -> list[tuple[np.datetime64, np.datetime64]]:
    """Runs of consecutive ISO weeks (Monday dates) as (first Monday, Monday after the last)."""
    weeks = np.sort(np.asarray(weeks, dtype="datetime64[ns]"))
    blocks: list[tuple[np.datetime64, np.datetime64]] = []
    week = np.timedelta64(7, "D")
    for w in weeks:
        if blocks and w == blocks[-1][1]:
            blocks[-1] = (blocks[-1][0], w + week)
        else:
            blocks.append((w, w + week))
    return blocks


#: weeks without a weekly pain mean are hatched: fewer than 3 diary days (not a low value)
_NO_MEAN_STYLE: dict = {"facecolor": "none", "edgecolor": "#BBBBBB", "hatch": "////", "linewidth": 0}
_NO_MEAN_LABEL = "week with < 3 diary days: no mean"


def _region_title(region: str) -> str:
    return REGION_LABELS.get(region, region)


def fmt_num(x) -> str:
    """A finding's number as printed in figures and report: 3 significant digits, '-' when missing.

    Thousands and more are printed as integers (never in e-notation).
    """
    if x is None:
        return "-"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "-"
    if not math.isfinite(x):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:.0f}"
    text = f"{x:.3g}"
    return text if "e" not in text else f"{x:.4f}".rstrip("0").rstrip(".")


def fmt_ci(ci, prefix: str = "95 % CI ") -> str:
    """'95 % CI a to b' with :func:`fmt_num` (or 'no CI')."""
    if not ci or ci[0] is None or ci[1] is None:
        return "no CI"
    return f"{prefix}{fmt_num(ci[0])} to {fmt_num(ci[1])}"


def _onsets(episodes: pd.DataFrame | None, region: str, side: str | None = None) -> np.ndarray:
    if episodes is None or len(episodes) == 0:
        return np.array([], dtype="datetime64[ns]")
    mask = episodes["region"] == region
    if side is not None:
        mask &= episodes["side"].isin([side, "B"])  # B: both sides met the onset rule
    return _dates(episodes.loc[mask.fillna(False).to_numpy(bool), "onset_date"])


# ---------------------------------------------------------------------------
# 1. headline: weekly load by shoe class against weekly pain per region
# ---------------------------------------------------------------------------


@_styled
def plot_weekly_load_pain(
    weekly: pd.DataFrame,
    weekly_pain: pd.DataFrame,
    episodes: pd.DataFrame | None = None,
    *,
    units: str = "km",
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Weekly distance stacked by shoe class above one weekly-pain panel per region.

    Parameters
    ----------
    weekly : DataFrame
        :func:`analysis.load.weekly_load` (index ``week_start``; ``km_<class>``).
    weekly_pain : DataFrame
        :func:`analysis.flareups.weekly_pain` (``week_start``, ``region``,
        ``side``, ``pain_mean``): mean daily maximum pain (0-10) per week.
    episodes : DataFrame, optional
        :func:`analysis.flareups.detect_flareups`; onsets are marked per side.
    units : {"km", "mi"}
        Distance unit shown.

    Returns
    -------
    Figure
        Five aligned panels sharing the week axis. Weeks with too few diary
        days are gaps in the pain lines, not zeros.
    """
    per = _per_unit(units)
    fig = _figure(fig, figsize, (WIDTH_IN, 10.0))
    axes = fig.subplots(
        1 + len(REGIONS), 1, sharex=True, gridspec_kw={"height_ratios": [2.2] + [1] * len(REGIONS)}
    )
    ax = axes[0]
    if len(weekly):
        x = _dates(weekly.index) + np.timedelta64(84, "h")  # bar centred on the ISO week (Mon + 3.5 d)
        bottom = np.zeros(len(weekly))
        for cls in SHOE_CLASSES:
            col = f"km_{cls}"
            if col not in weekly:
                continue
            h = np.nan_to_num(_float(weekly[col])) * per
            if not h.any():
                continue
            _bars(ax, x, h, bottom=bottom, facecolor=CLASS_COLORS[cls], edgecolor="none", linewidth=0, label=cls)
            bottom += h
        if ax.get_legend_handles_labels()[0]:  # no run, no class to name
            ax.legend(title="footwear", ncols=5, loc="upper left", frameon=False, bbox_to_anchor=(0, 1.02))
        ax.set_ylim(0, max(bottom.max() * 1.25, 1))
    else:
        _message(ax, "no runs in the period")
    ax.set_ylabel(f"distance\n({units}/week)")
    ax.set_title("Weekly distance by footwear class", loc="left")

    for ax, region in zip(axes[1:], REGIONS, strict=True):
        sub = weekly_pain[weekly_pain["region"] == region] if len(weekly_pain) else weekly_pain
        drawn = False
        color = REGION_COLORS[region]
        # weeks of the period without a weekly mean say why: too few diary days
        means = sub.groupby("week_start")["pain_mean"].count() if len(sub) else pd.Series(dtype="int64")
        weeks = _dates(weekly.index) if len(weekly) else _dates(sub["week_start"].unique() if len(sub) else [])
        blank = np.array([w for w in weeks if means.get(pd.Timestamp(w), 0) == 0], dtype="datetime64[ns]")
        if len(blank) < len(weeks):
            for a, b in _week_blocks(blank):
                ax.axvspan(a, b, zorder=0, **_NO_MEAN_STYLE)
        for side in SIDES:
            s = sub[sub["side"] == side] if len(sub) else sub
            style = SIDE_STYLES[side]
            if len(s) and np.isfinite(_float(s["pain_mean"])).any():
                ax.plot(
                    _dates(s["week_start"]) + np.timedelta64(84, "h"),
                    _float(s["pain_mean"]),
                    color=color,
                    linestyle=style["linestyle"],
                    linewidth=1.3,
                    label=f"{style['label']} (weekly mean of daily max)",
                )
                drawn = True
            on = _onsets(episodes, region, side)
            if len(on):
                ax.plot(
                    on,
                    np.full(len(on), 10.6 if side == "L" else 9.6),
                    linestyle="none",
                    marker=style["marker"],
                    color=color,
                    markersize=6,
                    label=f"flare onset, {style['label']}",
                )
                ax.vlines(on, 0, 1, transform=ax.get_xaxis_transform(), color=color, linewidth=0.6,
                          alpha=0.5, linestyle=":")  # one artist for all onsets, as axvline draws each
        ax.axhspan(5, 10, color="#000000", alpha=0.05, linewidth=0)
        ax.set_ylim(0, 11.3)
        ax.set_yticks([0, 2, 5, 10])
        ax.set_ylabel("pain\n(0-10)")
        n_on = len(np.unique(_onsets(episodes, region)))  # both sides on one day = one onset
        ax.set_title(
            f"{_region_title(region)}: {n_on} flare-up onset{'s' if n_on != 1 else ''}",
            loc="left",
            fontsize=9,
        )
        if not drawn:
            _message(ax, "not logged in the diary")
    handles = [
        Line2D(
            [],
            [],
            **{k: v for k, v in SIDE_STYLES[s].items() if k in ("color", "linestyle")},
            label=f"{SIDE_STYLES[s]['label']} side: weekly mean of daily max pain",
        )
        for s in SIDES
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=SIDE_STYLES[s]["marker"],
            color=SIDE_STYLES[s]["color"],
            label=f"flare onset, {SIDE_STYLES[s]['label']}",
        )
        for s in SIDES
    ]
    handles.append(Patch(color="#000000", alpha=0.08, label="pain > 5: high (24-hour rule)"))
    handles.append(Patch(label=_NO_MEAN_LABEL, **_NO_MEAN_STYLE))
    axes[-1].legend(handles=handles, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.45), frameon=False)
    axes[-1].set_xlabel("week (ISO, Monday start)")
    _date_axis(axes[-1])
    return fig


# ---------------------------------------------------------------------------
# 2. daily pain strip
# ---------------------------------------------------------------------------


def _year_spans(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """One panel per calendar year when the period is longer than ~13 months."""
    if (end - start).days <= 400:
        return [(start, end)]
    spans = []
    for year in range(start.year, end.year + 1):
        a = max(start, pd.Timestamp(year=year, month=1, day=1))
        b = min(end, pd.Timestamp(year=year, month=12, day=31))
        spans.append((a, b))
    return spans


@_styled
def plot_pain_strip(
    pain_daily: pd.DataFrame,
    episodes: pd.DataFrame | None = None,
    *,
    last_years: int | None = None,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Daily maximum pain as a region x side x day strip; days not logged stay blank.

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain` (``date``, ``region``, ``side``,
        ``pain_max``; NA = not logged).
    episodes : DataFrame, optional
        Flare-up episodes; onsets are marked with a black triangle.
    last_years : int, optional
        Draw at most this many strips, the diary's last calendar years (the
        report's page holds 3; a ten-year diary's eleven strips were
        unreadable); the title says where the diary began. Default: all.

    Returns
    -------
    Figure
        The days from the diary's first to its last entry; one strip per
        calendar year when that exceeds ~13 months.
    """
    rows = [(r, s) for r in REGIONS for s in SIDES]
    logged = pain_daily.loc[pd.notna(pain_daily["pain_max"]).to_numpy(bool), "date"] if len(pain_daily) else []
    if len(logged):
        # the diary's span, however long the period: a long running history does not stretch the strip
        start = pd.Timestamp(logged.min())  # not min(logged): that makes a Timestamp of every day
        end = pd.Timestamp(logged.max())
        spans = _year_spans(start, end)
    else:
        spans = []
    dropped = max(len(spans) - last_years, 0) if last_years else 0
    spans = spans[dropped:]
    fig = _figure(fig, figsize, (WIDTH_IN, 1.6 + 2.0 * max(len(spans), 1)))
    if not spans:
        ax = fig.subplots()
        _message(ax, "no pain diary")
        ax.set_xlabel("date")
        ax.set_ylabel("region and side")
        return fig
    grid = pain_daily.pivot_table(
        index=["region", "side"],
        columns="date",
        values="pain_max",
        aggfunc="max",
        dropna=False,
        observed=False,
    )
    days = pd.date_range(start, end, freq="D")
    grid = grid.reindex(pd.MultiIndex.from_tuples(rows)).reindex(columns=days)
    values = grid.to_numpy(dtype="float64", na_value=np.nan)
    cmap = ListedColormap(mpl.colormaps["viridis"](np.linspace(0, 1, 11))).with_extremes(bad="white")
    axes = np.atleast_1d(fig.subplots(len(spans), 1, squeeze=False)[:, 0])
    image = None
    for ax, (a, b) in zip(axes, spans, strict=True):
        cols = (days >= a) & (days <= b)
        extent = (mdates.date2num(a), mdates.date2num(b + pd.Timedelta(days=1)), len(rows), 0)
        image = ax.imshow(
            np.ma.masked_invalid(values[:, cols]),
            aspect="auto",
            cmap=cmap,
            vmin=-0.5,
            vmax=10.5,
            interpolation="nearest",
            extent=extent,
        )
        for k in range(2, len(rows), 2):
            ax.axhline(k, color="#333333", linewidth=0.8)  # region separators (white means "not logged")
        for i, (region, side) in enumerate(rows):
            on = _onsets(episodes, region, side)
            on = on[(on >= np.datetime64(a)) & (on <= np.datetime64(b))]
            if len(on):
                ax.plot(
                    mdates.date2num(on) + 0.5,
                    np.full(len(on), i + 0.5),
                    linestyle="none",
                    marker="v",
                    markersize=5,
                    markerfacecolor="black",
                    markeredgecolor="white",
                    markeredgewidth=0.6,
                )
        ax.set_title(f"{a:%d %b %Y} to {b:%d %b %Y}", loc="right", fontsize=7.5, color="#444444")
        ax.set_yticks(np.arange(len(rows)) + 0.5, [f"{r} {s}" for r, s in rows])
        ax.set_ylabel("region, side")
        ax.set_xlim(extent[0], extent[1])
        ax.xaxis_date()
        _date_axis(ax)
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#888888")
    axes[-1].set_xlabel("date (white = not logged in the diary; black triangle = flare-up onset)")
    cbar = fig.colorbar(image, ax=list(axes), shrink=0.9, pad=0.01, ticks=range(0, 11, 2))
    cbar.set_label("daily maximum pain (0-10)")
    title = "Daily pain by region and side"
    if dropped:  # the earlier years' weekly pain is on the first figure page
        title += f", the last {len(spans)} years"
        a, b = spans[0]
        axes[0].set_title(f"{a:%d %b %Y} to {b:%d %b %Y}; diary from {start:%d %b %Y}", loc="right", fontsize=7.5,
                          color="#444444")
    axes[0].set_title(title, loc="left")
    return fig


# ---------------------------------------------------------------------------
# 3. acute and chronic load, single-run spikes
# ---------------------------------------------------------------------------


@_styled
def plot_acute_chronic(
    acute_chronic: pd.DataFrame,
    spikes: pd.DataFrame,
    *,
    units: str = "km",
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Acute (EWMA 7 d) and chronic (EWMA 28 d) load as two lines; every run with its spike bin.

    Parameters
    ----------
    acute_chronic : DataFrame
        :func:`analysis.load.acute_chronic` (``acute_km``, ``chronic_km``; the
        first 42 days are NA while the start value washes out).
    spikes : DataFrame
        :func:`analysis.load.spike_ratio` (``date``, ``distance_km``, ``spike_bin``).
    units : {"km", "mi"}

    Returns
    -------
    Figure
        Two panels. No acute:chronic ratio and no "sweet spot" zones are drawn
        (METHODS.md 2; Impellizzeri 2020).
    """
    per = _per_unit(units)
    fig = _figure(fig, figsize, (WIDTH_IN, 5.6))
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.3, 1]})
    x = _dates(acute_chronic.index)
    acute = _float(acute_chronic.get("acute_km", pd.Series(dtype=float))) * per
    chronic = _float(acute_chronic.get("chronic_km", pd.Series(dtype=float))) * per
    if len(x) and np.isfinite(acute).any():
        ax1.plot(x, acute, color=INK["black"], linewidth=1.1, label="acute load (EWMA, 7 days)")
        ax1.plot(
            x,
            chronic,
            color=INK["mid"],
            linewidth=2.2,
            linestyle="--",
            label="chronic load (EWMA, 28 days)",
        )
        ax1.legend(loc="upper left", frameon=False, ncols=2)
        ax1.set_ylim(0, max(np.nanmax(np.r_[acute, chronic]) * 1.3, 1.0))  # 1 km/day at least: no run, no span
    else:
        _message(ax1, "fewer than 42 days of data: acute and chronic load are hidden while they settle")
        ax1.set_yticks([])
    ax1.set_ylabel(f"daily distance,\nEWMA ({units}/day)")
    ax1.set_title("Acute and chronic load (two lines, no ratio zones)", loc="left")

    km = _float(spikes["distance_km"]) * per if len(spikes) else np.array([])
    dates = _dates(spikes["date"]) if len(spikes) else np.array([], dtype="datetime64[ns]")
    bins = spikes["spike_bin"].astype("string").fillna("none").to_numpy() if len(spikes) else np.array([])
    handles = []
    for name in ("none", "small", "moderate", "large"):
        mask = bins == name
        if not mask.any():
            continue
        ax2.vlines(
            dates[mask], 0, km[mask], color=SPIKE_COLORS[name], linewidth=1.0 if name == "none" else 1.6
        )
        if name != "none":
            ax2.plot(
                dates[mask], km[mask], linestyle="none", marker="o", markersize=5 if name == "large" else 3.5,
                color=SPIKE_COLORS[name]
            )
        handles.append(Line2D([], [], color=SPIKE_COLORS[name], linewidth=2, label=SPIKE_LABELS[name]))
        if name in ("moderate", "large"):
            ax1.vlines(dates[mask], 0, 1, transform=ax1.get_xaxis_transform(), color=SPIKE_COLORS[name],
                       linewidth=0.8, alpha=0.6, linestyle=":")
    if handles:
        ax2.legend(
            handles=handles, loc="upper left", frameon=False, ncols=2, title="each run, by single-run spike"
        )
        ax2.set_ylim(0, np.nanmax(km) * 1.55 if np.isfinite(km).any() else 1)
    else:
        _message(ax2, "no runs")
    ax2.set_ylabel(f"run distance\n({units})")
    ax2.set_xlabel("date (dotted lines above: moderate and large spikes)")
    _date_axis(ax2)
    return fig


# ---------------------------------------------------------------------------
# 4. barefoot-style share and transition guard-rails
# ---------------------------------------------------------------------------

_GUARD_MARKS: tuple[tuple[str, str, str, str], ...] = (
    ("start_breach", "s", INK["black"], "start above 10 % of the week's distance"),
    ("increase_breach", "^", INK["black"], "share up more than 10 points in a week"),
    ("run_breach", "X", INK["black"], "a run > 110 % of the longest barefoot-style run, 30 d"),
    ("increase_despite_pain", "D", INK["black"], "share up after a 24-hour-rule breach"),
)


@_styled
def plot_barefoot_share(
    guardrails: pd.DataFrame,
    *,
    units: str = "km",
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Barefoot-style share of weekly distance, with the transition guard-rails flagged where broken.

    Parameters
    ----------
    guardrails : DataFrame
        :func:`analysis.load.transition_guardrails` (index ``week_start``).
    units : {"km", "mi"}

    Returns
    -------
    Figure
        Top: share (%) per week, the 10 % start line and a marker row per
        broken guard-rail. Bottom: weekly distance, barefoot-style part, and
        the 35 km/week caution line (weeks over it with barefoot-style
        running shaded).
    """
    per = _per_unit(units)
    params = guardrails.attrs.get("params", {})
    fig = _figure(fig, figsize, (WIDTH_IN, 6.0))
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    if len(guardrails) == 0:
        for ax in (ax1, ax2):
            _message(ax, "no runs")
    x = _dates(guardrails.index) + np.timedelta64(84, "h")
    share = _float(guardrails.get("barefoot_style_share_pct", pd.Series(dtype=float)))
    _bars(
        ax1,
        x,
        np.nan_to_num(share),
        facecolor=GROUP_COLORS["barefoot-style"],
        edgecolor="none",
        linewidth=0,
        label="barefoot-style share of the week's distance",
    )
    start_pct = params.get("start_share_pct", 10.0)
    ax1.axhline(start_pct, color="black", linewidth=0.8, linestyle="--")
    ax1.text(
        1.0,
        start_pct,
        f" start <= {start_pct:g} %",
        transform=ax1.get_yaxis_transform(),
        va="center",
        ha="left",
        fontsize=7,
    )
    handles = [
        Patch(color=GROUP_COLORS["barefoot-style"], label="barefoot-style share (barefoot + minimalist)")
    ]
    for k, (col, marker, color, label) in enumerate(_GUARD_MARKS):
        if col not in guardrails:
            continue
        mask = guardrails[col].astype("boolean").fillna(False).to_numpy(bool)
        y = 108 + 7 * k
        if mask.any():
            ax1.plot(
                x[mask], np.full(mask.sum(), y), linestyle="none", marker=marker, color=color, markersize=5
            )
        n = int(mask.sum())
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                color=color,
                label=f"{label} ({n} week{'s' if n != 1 else ''})",
            )
        )
    ax1.set_ylim(0, 108 + 7 * len(_GUARD_MARKS))
    ax1.set_yticks([0, 25, 50, 75, 100])
    ax1.set_ylabel("share of weekly\ndistance (%)")
    fig.suptitle(
        "Move to barefoot-style running against the guard-rails (a synthesis, not a validated schedule)",
        x=0.03,
        ha="left",
        fontsize=10,
    )
    ax1.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False, fontsize=7.5
    )

    km = np.nan_to_num(_float(guardrails.get("km", pd.Series(dtype=float)))) * per
    bs = np.nan_to_num(_float(guardrails.get("km_barefoot_style", pd.Series(dtype=float)))) * per
    _bars(ax2, x, km, facecolor=INK["light"], edgecolor="none", linewidth=0, label="all running")
    _bars(ax2, x, bs, facecolor=GROUP_COLORS["barefoot-style"], edgecolor="none", linewidth=0,
          label="barefoot-style")
    caution = params.get("caution_weekly_km", 35.0) * per
    ax2.axhline(caution, color="black", linewidth=0.8, linestyle=":")
    ax2.text(
        1.0,
        caution,
        f" {caution:.0f} {units}/week",
        transform=ax2.get_yaxis_transform(),
        va="center",
        ha="left",
        fontsize=7,
    )
    if "caution" in guardrails:
        for d in _dates(guardrails.index[guardrails["caution"].astype(bool).to_numpy()]):
            ax2.axvspan(d, d + np.timedelta64(7, "D"), color=OKABE_ITO["yellow"], alpha=0.35, linewidth=0)
    ax2.legend(
        handles=[
            *ax2.get_legend_handles_labels()[0],
            Patch(
                color=OKABE_ITO["yellow"],
                alpha=0.5,
                label=f"> {caution:.0f} {units}/week with barefoot-style running: extra caution",
            ),
        ],
        loc="upper left",
        frameon=False,
        ncols=3,
        fontsize=7.5,
    )
    ax2.set_ylim(0, max(km.max() if len(km) else 0, caution) * 1.35)
    ax2.set_ylabel(f"distance\n({units}/week)")
    ax2.set_xlabel("week (ISO, Monday start)")
    _date_axis(ax2)
    return fig


# ---------------------------------------------------------------------------
# 5. rates, effects (forest) and lag profile, from the findings
# ---------------------------------------------------------------------------


def _interval(ax, y, ci, limits, color, *, linewidth=1.6) -> None:
    """Draw a CI on a horizontal axis, with an arrow where it runs past the limits."""
    if not ci or ci[0] is None or ci[1] is None:
        return
    lo_lim, hi_lim = limits
    lo, hi = max(ci[0], lo_lim), min(ci[1], hi_lim)
    ax.plot([lo, hi], [y, y], color=color, linewidth=linewidth, solid_capstyle="butt")
    if ci[0] < lo_lim:
        ax.plot([lo_lim], [y], marker="<", color=color, markersize=5, clip_on=False)
    if ci[1] > hi_lim:
        ax.plot([hi_lim], [y], marker=">", color=color, markersize=5, clip_on=False)


def _log_ticks(axis, limits: tuple[float, float]) -> None:
    """A log-scaled ratio axis with plain tick labels (0.1, 0.5, 1, 2, 10 rather than 10^-1)."""
    lo, hi = limits
    axis.axes.set_xscale("log") if axis is axis.axes.xaxis else axis.axes.set_yscale("log")
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi]
    axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
    axis.set_minor_locator(mpl.ticker.NullLocator())
    if axis is axis.axes.xaxis:
        axis.axes.set_xlim(lo, hi)
    else:
        axis.axes.set_ylim(lo, hi)


def _right_labels(ax, ticks, labels, fontsize=7.5) -> None:
    """Labels on the right edge of an axes, as tick labels (so the layout makes room for them)."""
    right = ax.secondary_yaxis("right")
    right.set_yticks(list(ticks), list(labels), fontsize=fontsize)
    right.tick_params(length=0, pad=9)
    right.spines["right"].set_visible(False)


@_styled
def plot_flare_rates(
    findings: Mapping,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Flare-up onsets per 1000 km by footwear group and region, with exact 95 % CIs.

    Parameters
    ----------
    findings : dict
        :func:`analysis.findings.findings` (``regions.<r>.rates`` and
        ``rate_ratio``).

    Returns
    -------
    Figure
        One panel per region: a row per footwear group (point = rate, bar =
        CI, arrow = the interval runs on), the onsets and km behind each rate
        on the right, the rate ratio and whether a model was possible above.
    """
    regions = findings.get("regions", {})
    shown = [r for r in REGIONS if regions.get(r, {}).get("rates")]
    n_rows = sum(len(regions[r]["rates"]) for r in shown)
    fig = _figure(fig, figsize, (WIDTH_IN, 1.0 + 0.28 * n_rows + 0.55 * len(shown)))
    if not shown:
        ax = fig.subplots()
        _message(ax, "no flare-up rates: no diary, or no running in the period")
        ax.set_xlabel("flare-up onsets per 1000 km (95 % CI)")
        ax.set_ylabel("footwear")
        return fig
    values = [
        v
        for r in shown
        for x in regions[r]["rates"]
        if x["shoe_class"] != "unknown"
        for v in (x.get("per_1000km"), *(x.get("ci") or [None, None]))
        if v is not None
    ]
    x_max = max(values) * 1.08 if values and max(values) > 0 else 10.0
    axes = np.atleast_1d(
        fig.subplots(
            len(shown),
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw={"height_ratios": [len(regions[r]["rates"]) for r in shown]},
        )[:, 0]
    )
    for ax, region in zip(axes, shown, strict=True):
        reg = regions[region]
        rates = reg["rates"]
        for i, r in enumerate(rates):
            color = GROUP_COLORS.get(r["shoe_class"], OKABE_ITO["grey"])
            _interval(ax, i, r.get("ci"), (0, x_max), color)
            if r.get("per_1000km") is not None:
                ax.plot(min(r["per_1000km"], x_max), i, marker="o", color=color, markersize=6)
        ax.set_yticks(range(len(rates)), [r["shoe_class"] for r in rates])
        ax.set_ylim(len(rates) - 0.5, -0.6)
        _right_labels(
            ax,
            range(len(rates)),
            [
                f"{r['onsets']} onset{'s' if r['onsets'] != 1 else ''} / {r['distance_km']:.0f} km"
                for r in rates
            ],
        )
        rr = reg.get("rate_ratio") or {}
        ratio = (
            f"rate ratio {rr.get('comparison', '')}: {fmt_num(rr.get('estimate'))} ({fmt_ci(rr.get('ci'))})"
            if rr.get("estimate") is not None
            else "rate ratio not estimable"
        )
        model = "" if reg.get("sufficient") else "  -  insufficient data for a model"
        n = reg.get("onsets", 0)
        ax.set_title(
            f"{_region_title(region)}, {n} onset{'' if n == 1 else 's'}{model}\n{ratio}",
            loc="left",
            fontsize=8,
        )
        ax.set_xlim(0, x_max)
        ax.set_ylabel("footwear", fontsize=7.5)
    axes[-1].set_xlabel(
        "flare-up onsets per 1000 km, exact 95 % CI (arrow: the interval runs on)\n"
        "footwear: that of the last run in the 1-3 days before the onset"
    )
    return fig


def _forest_rows(findings: Mapping, region: str) -> list[dict]:
    """The pre-specified estimands first (as rows with ``primary`` true), then the exploratory terms."""
    reg = findings.get("regions", {}).get(region, {})
    primary = [
        {**r, "term": r["estimand"], "primary": True}
        for r in reg.get("primary", [])
        if r.get("status") != "insufficient data"
    ]
    explor = [dict(e, primary=False) for e in (reg.get("exploratory") or {}).get("effects", [])]
    return primary + explor


def _exploratory_effects(findings: Mapping, region: str) -> dict[str, dict]:
    """term -> exploratory effect row of a region."""
    reg = findings.get("regions", {}).get(region, {})
    return {e["term"]: e for e in (reg.get("exploratory") or {}).get("effects", [])}


@_styled
def plot_forest(
    findings: Mapping,
    *,
    regions: tuple[str, ...] | None = None,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
    x_limits: tuple[float, float] = (0.05, 20.0),
) -> Figure | SubFigure:
    """Forest plot per region: the pre-specified estimands, then the exploratory terms with q-values.

    Parameters
    ----------
    findings : dict
        :func:`analysis.findings.findings`; ``primary`` and
        ``exploratory.effects`` of regions with ``sufficient`` true. The
        pre-specified estimands are filled squares in the region's colour
        (right: onsets and the smallest detectable odds ratio; a "too
        imprecise" one shows its interval only); exploratory terms (the older
        lag-band hazard model, case-crossover) are open grey circles below a
        dashed line, with Benjamini-Hochberg q-values.
    regions : tuple of str, optional
        Default: every region with enough data for a model.
    x_limits : (float, float)
        Odds-ratio axis limits (log scale); intervals beyond get an arrow.

    Returns
    -------
    Figure
        One panel per region, estimates with CI and q-value on the right (or
        one panel saying that no region has enough flare-ups for a model).
    """
    all_regions = findings.get("regions", {})
    if regions is None:
        regions = tuple(r for r in REGIONS if all_regions.get(r, {}).get("sufficient"))
    sizes = [max(len(_forest_rows(findings, r)), 1) for r in regions]
    fig = _figure(fig, figsize, (WIDTH_IN, 1.1 + 0.22 * sum(sizes) + 0.5 * len(regions) if regions else 2.4))
    if not regions:
        ax = fig.subplots()
        _log_ticks(ax.xaxis, x_limits)
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_yticks([])
        _message(
            ax,
            "insufficient data in every region for a model:\nfewer than 10 flare-up onsets "
            "(or too few days logged).\nRates and descriptions only.",
        )
        ax.set_xlabel("odds ratio per unit (95 % CI), log scale")
        ax.set_ylabel("model term")
        return fig
    axes = np.atleast_1d(
        fig.subplots(len(regions), 1, sharex=True, gridspec_kw={"height_ratios": sizes}, squeeze=False)[:, 0]
    )
    for ax, region in zip(axes, regions, strict=True):
        rows = _forest_rows(findings, region)
        model = all_regions[region].get("model", {})
        labels, right = [], []
        for i, e in enumerate(rows):
            primary = bool(e.get("primary"))
            labels.append(TERM_LABELS.get(e["term"], e["term"].replace("_", " ")) + f" ({e.get('unit', '')})")
            color = REGION_COLORS.get(region, "black") if primary else OKABE_ITO["grey"]
            est, ci = e.get("estimate"), e.get("ci")
            if est is None or not ci:
                right.append(
                    "not estimable" + (" (separation)" if "separation" in str(e.get("reason")) else "")
                )
                continue
            _interval(ax, i, ci, x_limits, color)
            if primary:
                detect = f", detectable {fmt_num(e.get('min_detectable'))}" if e.get("min_detectable") else ""
                if e.get("status") == "too imprecise":
                    right.append(f"too imprecise: CI {fmt_num(ci[0])} to {fmt_num(ci[1])}")
                    continue
                right.append(
                    f"{fmt_num(est)} ({fmt_num(ci[0])} to {fmt_num(ci[1])})  {e.get('events')} onsets{detect}"
                )
                ax.plot(min(max(est, x_limits[0]), x_limits[1]), i, marker="s", markersize=6, color=color,
                        clip_on=False)
                continue
            separated = re.match(r"quasi-separation: (\d+) onsets on the (\d+) ", str(e.get("note") or ""))
            if separated:
                # the Firth estimate of a bin with no (or only) onsets is an artefact of
                # the penalty; the interval is the answer
                right.append(
                    f"{separated[1]} onsets on {separated[2]} days: CI {fmt_num(ci[0])} to {fmt_num(ci[1])}"
                    f"  q {fmt_num(e.get('q'))}"
                )
                continue
            ax.plot(
                min(max(est, x_limits[0]), x_limits[1]),
                i,
                marker="s" if primary else "o",
                markersize=6,
                color=color,
                markerfacecolor=color if primary else "white",
                clip_on=False,
            )
            right.append(f"{fmt_num(est)} ({fmt_num(ci[0])} to {fmt_num(ci[1])})  q {fmt_num(e.get('q'))}")
        n_primary = sum(bool(e.get("primary")) for e in rows)
        if 0 < n_primary < len(rows):
            ax.axhline(n_primary - 0.5, color="#888888", linewidth=0.6, linestyle="--")
        ax.axvline(1, color="black", linewidth=0.8)
        _log_ticks(ax.xaxis, x_limits)
        ax.set_yticks(range(len(rows)), labels, fontsize=7.5)
        for tick, e in zip(ax.get_yticklabels(), rows, strict=True):
            tick.set_color("black" if e.get("primary") else "#666666")
        ax.set_ylim(len(rows) - 0.5, -0.6)
        ax.set_ylabel("term (unit)", fontsize=7.5)
        _right_labels(ax, range(len(rows)), right, fontsize=7)
        n_ev = model.get("n_events", all_regions[region].get("onsets"))
        ax.set_title(
            f"{_region_title(region)}: {n_ev} onsets, {model.get('n_days', '?')} at-risk days",
            loc="left",
            fontsize=9,
        )
    axes[-1].set_xlabel(
        "odds ratio per unit, 95 % CI (log scale; > 1 = more flare-ups)\nright: OR (CI), then onsets and "
        "smallest detectable OR (pre-specified) or Benjamini-Hochberg q (exploratory)"
    )
    handles = [
        Line2D([], [], marker="s", linestyle="none", color="#444444", label="pre-specified estimand"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=OKABE_ITO["grey"],
            markerfacecolor="white",
            label="exploratory (lag-band hazard, case-crossover)",
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=7.5)
    return fig


@_styled
def plot_lag_profile(
    findings: Mapping,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """The lag profile: odds ratio per +10 km by how long before an onset it was run, and the
    prewhitened cross-correlation of daily km with daily pain.

    Parameters
    ----------
    findings : dict
        :func:`analysis.findings.findings` (``exploratory.effects`` with the
        ``km_lag_*`` terms of sufficient regions; ``exploratory.ccf_km_pain`` per region).

    Returns
    -------
    Figure
        Top: OR (95 % CI) per lag band for each region with a model. Bottom:
        one cross-correlation panel per region, lag k > 0 = load k days
        before pain, with the +-1.96/sqrt(n) band valid after prewhitening.
    """
    regions = findings.get("regions", {})
    fig = _figure(fig, figsize, (WIDTH_IN, 6.4))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1])
    ax = top.subplots()
    modelled = [r for r in REGIONS if regions.get(r, {}).get("sufficient")]
    offsets = np.linspace(-0.15, 0.15, max(len(modelled), 1))
    for off, region in zip(offsets, modelled, strict=False):
        eff = _exploratory_effects(findings, region)
        xs, est, lo, hi = [], [], [], []
        for k, (term, _) in enumerate(KM_LAG_TERMS):
            e = eff.get(term)
            if e and e.get("estimate") is not None and e.get("ci"):
                xs.append(k + off)
                est.append(e["estimate"])
                lo.append(e["ci"][0])
                hi.append(e["ci"][1])
        if xs:
            est_a = np.array(est)
            ax.errorbar(
                xs,
                est_a,
                yerr=[est_a - np.array(lo), np.array(hi) - est_a],
                fmt=f"{REGION_MARKERS[region]}-",
                color=REGION_COLORS[region],
                capsize=3,
                linewidth=1.2,
                markersize=5,
                label=_region_title(region),
            )
    ax.axhline(1, color="black", linewidth=0.8)
    ax.set_yscale("log")
    _log_ticks(ax.yaxis, ax.get_ylim() if modelled else (0.1, 10))
    ax.set_xticks(range(len(KM_LAG_TERMS)), [f"days {b}" for _, b in KM_LAG_TERMS])
    ax.set_xlim(-0.5, len(KM_LAG_TERMS) - 0.5)
    ax.set_xlabel("when the distance was run (days before the onset day)")
    ax.set_ylabel("odds ratio per +10 km\n(95 % CI, log scale)")
    ax.set_title("Lag profile of distance (exploratory lag-band hazard model)", loc="left")
    if modelled:
        ax.legend(frameon=False, loc="upper right")
    else:
        ax.set_ylim(0.1, 10)
        _message(ax, "insufficient data in every region for a model (fewer than 10 onsets)")

    axes = bottom.subplots(1, len(REGIONS), sharey=True)
    for ax, region in zip(axes, REGIONS, strict=True):
        ccf = regions.get(region, {}).get("exploratory", {}).get("ccf_km_pain") or {}
        lags = ccf.get("lags") or []
        ax.set_title(_region_title(region), fontsize=8.5)
        ax.set_xlabel("lag (days; > 0: km before pain)", fontsize=7.5)
        if not lags:
            _message(ax, "too little\ndiary data")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        k = np.array([r["lag_days"] for r in lags], dtype=float)
        c = np.array([np.nan if r["ccf"] is None else r["ccf"] for r in lags], dtype=float)
        band = np.array([np.nan if r["band"] is None else r["band"] for r in lags], dtype=float)
        ax.fill_between(k, -band, band, color="#000000", alpha=0.08, linewidth=0)
        outside = np.array([bool(r["outside"]) for r in lags])
        ax.vlines(k, 0, c, color=REGION_COLORS[region], linewidth=1.4)
        ax.plot(k[outside], c[outside], linestyle="none", marker="o", markersize=4, color="black")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(0, color="#888888", linewidth=0.6, linestyle=":")
    axes[0].set_ylabel("cross-correlation,\nprewhitened (r)")
    bottom.suptitle(
        "Daily km vs daily pain after prewhitening (grey band: +-1.96/sqrt(n); dots: outside)",
        fontsize=9,
        x=0.03,
        ha="left",
    )
    return fig


# ---------------------------------------------------------------------------
# 6. drills adherence against flare onsets
# ---------------------------------------------------------------------------


@_styled
def plot_drills_onsets(
    adherence: pd.DataFrame | None,
    episodes: pd.DataFrame | None,
    *,
    period: tuple | None = None,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Weekly foot-drill adherence above the flare-up onsets of each region.

    Parameters
    ----------
    adherence : DataFrame or None
        :func:`analysis.io.drills.weekly_adherence` (the ``"any"`` rows are drawn).
    episodes : DataFrame or None
        :func:`analysis.flareups.detect_flareups`.
    period : (date, date), optional
        The date range to show (default: the data's own).

    Returns
    -------
    Figure
        Top: share of days with any drill per week (%). Bottom: onsets per
        region (triangle down = left, up = right).
    """
    fig = _figure(fig, figsize, (WIDTH_IN, 4.6))
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    if adherence is not None and len(adherence):
        anyd = adherence[adherence["drill"] == "any"]
        x = _dates(anyd["week_start"]) + np.timedelta64(84, "h")
        _bars(
            ax1,
            x,
            _float(anyd["adherence_pct"]),
            facecolor=INK["mid"],
            edgecolor="none",
            linewidth=0,
            label="days with any drill",
        )
        ax1.set_ylim(0, 105)
    else:
        _message(ax1, "no drills log given")
        ax1.set_yticks([])
    ax1.set_ylabel("days with drills\n(% of the week)")
    ax1.set_title("Foot and hip drills and flare-up onsets", loc="left")
    for i, region in enumerate(REGIONS):
        for side in SIDES:
            on = _onsets(episodes, region, side)
            if len(on):
                style = SIDE_STYLES[side]
                ax2.plot(
                    on,
                    np.full(len(on), i),
                    linestyle="none",
                    marker=style["marker"],
                    color=REGION_COLORS[region],
                    markersize=7,
                )
    ax2.set_yticks(range(len(REGIONS)), [_region_title(r) for r in REGIONS])
    ax2.set_ylim(len(REGIONS) - 0.5, -0.5)
    ax2.set_ylabel("onsets")
    ax2.legend(
        handles=[
            Line2D(
                [],
                [],
                linestyle="none",
                marker=SIDE_STYLES[s]["marker"],
                color="#555555",
                label=f"onset, {SIDE_STYLES[s]['label']} side",
            )
            for s in SIDES
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35),
        ncols=2,
        frameon=False,
    )
    ax2.set_xlabel("week")
    ax2.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    if episodes is None or len(episodes) == 0:
        _message(ax2, "no flare-up onsets")
    if period is not None and period[0] is not None and period[1] is not None:
        ax2.set_xlim(
            np.datetime64(pd.Timestamp(period[0]), "ns") - np.timedelta64(3, "D"),
            np.datetime64(pd.Timestamp(period[1]), "ns") + np.timedelta64(4, "D"),
        )
    _date_axis(ax2)
    return fig


# ---------------------------------------------------------------------------
# 7. running dynamics by shoe class at matched speed
# ---------------------------------------------------------------------------


METRIC_LABELS: dict[str, str] = {
    "cadence_spm": "cadence",
    "stance_time_ms": "ground contact time",
    "vertical_oscillation_mm": "vertical oscillation",
    "step_length_mm": "step length",
}


def _dynamics_rows(dynamics: Mapping | pd.DataFrame | None) -> tuple[list[dict], str, str]:
    """(metric rows, comparison, reason when unavailable) from findings["dynamics"] or the table."""
    comparison = "barefoot-style vs traditional at matched speed"
    reason = "no per-second data (FIT files with cadence or contact time) in the sources"
    if isinstance(dynamics, pd.DataFrame):
        rows = [
            {
                **r,
                "ci": [r.get("ci_low"), r.get("ci_high")],
                "speed_range_mps": [r.get("speed_low_mps"), r.get("speed_high_mps")],
            }
            for r in dynamics.to_dict("records")
        ]
        return rows, dynamics.attrs.get("comparison") or comparison, reason
    if dynamics and dynamics.get("available"):
        return list(dynamics.get("metrics", [])), dynamics.get("comparison") or comparison, reason
    return [], comparison, (dynamics or {}).get("reason") or reason


def _finite(*values) -> bool:
    return all(v is not None and not pd.isna(v) for v in values)


@_styled
def plot_dynamics(
    dynamics: Mapping | pd.DataFrame | None,
    binned: Mapping[str, pd.DataFrame] | None = None,
    runs: pd.DataFrame | None = None,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Running dynamics by shoe class at matched speed.

    Parameters
    ----------
    dynamics : dict, DataFrame or None
        ``findings["dynamics"]`` (``available``, ``comparison``, ``metrics``:
        ``metric``, ``unit``, ``difference``, ``ci``, ``n_runs_a``,
        ``n_runs_b``, ``speed_range_mps``) or the table of
        :func:`analysis.dynamics.dynamics_by_shoe_class`.
    binned : dict of DataFrame, optional
        Metric -> :func:`analysis.dynamics.speed_binned` (per run and speed
        bin: ``activity_id``, ``speed_mps``, ``value``). With ``runs``, adds a
        top row: each run's values against speed, coloured by shoe class, the
        matched speed range shaded.
    runs : DataFrame, optional
        Runs frame (index ``activity_id``, ``shoe_class``).

    Returns
    -------
    Figure
        One column per metric; bottom row: the mean difference (barefoot-style
        minus traditional) at matched speed with its 95 % CI, against 0.
    """
    metrics, comparison, reason = _dynamics_rows(dynamics)
    if not metrics:
        fig = _figure(fig, figsize, (WIDTH_IN, 1.4))
        ax = fig.subplots()
        _message(ax, f"Running dynamics not available: {reason}.")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        return fig
    scatter = binned is not None and runs is not None
    fig = _figure(fig, figsize, (WIDTH_IN, 4.6 if scatter else 2.4))
    axes = fig.subplots(
        2 if scatter else 1,
        len(metrics),
        squeeze=False,
        gridspec_kw={"height_ratios": [2.2, 1]} if scatter else None,
    )
    shoe = runs["shoe_class"].astype("string").fillna("unknown") if scatter else None
    if shoe is not None:
        shoe.index = shoe.index.astype(str)
    for j, m in enumerate(metrics):
        name = METRIC_LABELS.get(str(m.get("metric")), str(m.get("metric", "")).replace("_", " "))
        unit = m.get("unit") or ""
        if scatter:
            ax = axes[0, j]
            b = binned.get(m.get("metric"))
            if b is not None and len(b):
                cls = b["activity_id"].astype(str).map(shoe).fillna("unknown").to_numpy()
                for c in SHOE_CLASSES:
                    mask = cls == c
                    if mask.any():
                        ax.scatter(
                            _float(b["speed_mps"])[mask],
                            _float(b["value"])[mask],
                            s=4,
                            alpha=0.45,
                            color=CLASS_COLORS[c],
                            label=c,
                            linewidths=0,
                            rasterized=True,
                        )
            rng = m.get("speed_range_mps") or [None, None]
            if _finite(*rng):
                ax.axvspan(rng[0], rng[1], color="#000000", alpha=0.07, linewidth=0)
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("speed (m/s)")
            ax.set_ylabel(f"{name} ({unit})", fontsize=8)
        ax = axes[-1, j]
        est, ci = m.get("difference"), m.get("ci") or [None, None]
        ax.axvline(0, color="black", linewidth=0.8)
        if _finite(est):
            if _finite(*ci):
                ax.plot([ci[0], ci[1]], [0, 0], color=INK["mid"], linewidth=3)
            ax.plot([est], [0], marker="s", color=INK["black"], markersize=6)
            lims = [v for v in (est, *ci) if _finite(v)]
            span = max(abs(v) for v in lims) * 1.4 or 1.0
            ax.set_xlim(-span, span)
            ax.set_title(f"{fmt_num(est)} {unit}\n({fmt_ci(ci, '')})", fontsize=7.5)
        else:
            _message(ax, "not estimable")
            ax.set_title(str(m.get("reason") or "")[:40], fontsize=7)
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        ax.set_xlabel(f"difference ({unit})", fontsize=8)
        if not scatter:
            ax.set_ylabel(name, fontsize=8)
    if scatter:
        present = [c for c in SHOE_CLASSES if c in set(shoe.to_numpy())]
        fig.legend(
            handles=[
                Line2D([], [], marker="o", linestyle="none", color=CLASS_COLORS[c], label=c) for c in present
            ]
            + [Patch(color="#000000", alpha=0.12, label="matched speed range")],
            loc="outside lower center",
            ncols=len(present) + 1,
            frameon=False,
            fontsize=7.5,
        )
        axes[-1, 0].set_ylabel("difference", fontsize=8)
    n_a = metrics[0].get("n_runs_a")
    n_b = metrics[0].get("n_runs_b")
    fig.suptitle(
        f"Running dynamics by shoe class\nbelow: {comparison.replace(' at matched speed', '')}, mean "
        f"difference at matched speed, 95 % CI ({n_a} vs {n_b} runs)",
        fontsize=9,
        x=0.03,
        ha="left",
    )
    return fig


# ---------------------------------------------------------------------------
# 8. shoe mileage and retire alerts
# ---------------------------------------------------------------------------


@_styled
def _mi_text(mi, mi_max) -> str:
    """An MI, or a partial MI's range ("76-96"), as :func:`analysis.footwear.format_mi` writes it."""
    from analysis.footwear import format_mi

    return format_mi(mi, mi_max)


def plot_shoes(
    shoes: pd.DataFrame,
    *,
    units: str = "km",
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Mileage per shoe against its retire mileage, and the shoe table.

    Parameters
    ----------
    shoes : DataFrame
        :func:`analysis.footwear.shoe_summary`.
    units : {"km", "mi"}

    Returns
    -------
    Figure
        Top: distance per shoe (bar, by class) with the retire mark; bottom: a
        table (shoe, class, MI, runs, distance, first/last use, alert).
    """
    per = _per_unit(units)
    n = len(shoes)
    fig = _figure(fig, figsize, (WIDTH_IN, 2.2 + 0.42 * max(n, 1) * 2))
    ax, tab = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1.05]})
    if n == 0:
        _message(ax, "no runs")
        ax.set_xlabel(f"distance ({units})")
        ax.set_ylabel("shoe")
        tab.axis("off")
        return fig
    names = shoes["shoe"].astype(str).tolist()
    km = _float(shoes["distance_km"]) * per
    retire = _float(shoes["retire_km"]) * per
    alert = shoes["retire_alert"].astype("boolean").fillna(False).to_numpy(bool)
    y = np.arange(n)
    colors = [CLASS_COLORS.get(str(c), CLASS_COLORS["unknown"]) for c in shoes["shoe_class"].astype(str)]
    ax.barh(y, np.nan_to_num(km), color=colors, height=0.6)
    ok = np.isfinite(retire)
    ax.plot(retire[ok], y[ok], linestyle="none", marker="|", markersize=14, markeredgewidth=2, color="black")
    for i in np.flatnonzero(alert):
        ax.text(
            km[i], y[i], "  retire", va="center", fontsize=8, fontweight="bold", color=INK["black"]
        )
    ax.set_yticks(y, names)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, np.nanmax(np.r_[km, retire[ok], 1]) * 1.2)
    ax.set_xlabel(f"distance run in the shoe ({units}); black bar: retire mileage")
    ax.set_ylabel("shoe")
    ax.legend(
        handles=[
            Patch(color=CLASS_COLORS[c], label=c)
            for c in SHOE_CLASSES
            if c in set(shoes["shoe_class"].astype(str))
        ],
        frameon=False,
        loc="lower right",
        title="class",
    )
    ax.set_title("Shoe mileage and retire alerts", loc="left")

    def day(v):
        return "-" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")

    cells = [
        [
            str(r.shoe)[:30],
            str(r.shoe_class),
            _mi_text(r.minimalist_index, getattr(r, "minimalist_index_max", None)),
            str(r.runs),
            "-" if pd.isna(r.distance_km) else f"{float(r.distance_km) * per:.0f}",
            "-" if pd.isna(r.retire_km) else f"{float(r.retire_km) * per:.0f}",
            day(r.first_date),
            day(r.last_date),
            "RETIRE" if bool(r.retire_alert) else ("retired" if r.retired is True else ""),
        ]
        for r in shoes.itertuples(index=False)
    ]
    tab.axis("off")
    table = tab.table(
        cellText=cells,
        colLabels=[
            "shoe",
            "class",
            "MI %",
            "runs",
            units,
            f"retire at ({units})",
            "first use",
            "last use",
            "alert",
        ],
        loc="upper center",
        cellLoc="left",
        colLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.auto_set_column_width(list(range(9)))
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#CCCCCC")
        if row == 0:
            cell.set_text_props(fontweight="bold")
    return fig


#: colours of the weekly decisions (METHODS.md 9): Okabe-Ito, colour-blind safe
DECISION_COLORS: dict[str, str] = {
    "progress": OKABE_ITO["bluish_green"],
    "hold": OKABE_ITO["orange"],
    "reduce": OKABE_ITO["vermillion"],
    "not enough diary": "#E5E5E5",
}


@_styled
def plot_week_decisions(
    decisions: pd.DataFrame | None,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """A strip per region: the decision of every 7-day block of the diary (METHODS.md 9).

    Parameters
    ----------
    decisions : DataFrame
        :func:`analysis.week.weekly_decisions` (``region``, ``week_start``, ``week_end``, ``decision``,
        ``within_allowance``).

    Returns
    -------
    Figure
        One row per region, one cell per week coloured progress / hold / reduce / not enough diary;
        a dot marks a following week that went over the allowance.
    """
    fig = _figure(fig, figsize, (WIDTH_IN, 2.6))
    ax = fig.subplots()
    if decisions is None or not len(decisions):
        _message(ax, "no pain diary: no weekly decisions")
        ax.set_xlabel("week")
        ax.set_ylabel("region")
        return fig
    regions = [r for r in REGION_LABELS if r in set(decisions["region"])]
    for y, region in enumerate(regions):
        g = decisions[decisions["region"] == region]
        starts = mdates.date2num(pd.to_datetime(g["week_start"]))
        colors = [DECISION_COLORS.get(d, "#E5E5E5") for d in g["decision"]]
        ax.barh(np.full(len(g), y), np.full(len(g), 7.0), left=starts, height=0.7, color=colors,
                edgecolor="white", linewidth=0.3)
        over = g["within_allowance"].astype("boolean").eq(False).fillna(False).to_numpy(bool)
        ax.plot(starts[over] + 3.5, np.full(int(over.sum()), y), linestyle="none", marker=".", color="black",
                markersize=3)
    ax.set_yticks(range(len(regions)), [REGION_LABELS[r] for r in regions])
    ax.set_ylim(len(regions) - 0.5, -0.5)
    ax.xaxis_date()
    ax.set_xlabel("week (7 days counted back from the diary's last day)")
    ax.set_ylabel("region")
    handles = [Patch(color=c, label=k) for k, c in DECISION_COLORS.items()]
    handles.append(Line2D([], [], linestyle="none", marker=".", color="black",
                          label="next week over the allowance"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=5, fontsize=7,
              frameon=False)
    return fig


def _clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters, an ellipsis marking the cut."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


#: rows of :func:`plot_week_table`'s table: inches per row and for the header and the summary chart
WEEK_TABLE_ROW_IN = 0.19
WEEK_TABLE_CHART_IN = 0.75
WEEK_TABLE_REGION_IN = 0.32


def week_table_height(n_regions: int, last_weeks: int) -> float:
    """Inches :func:`plot_week_table` needs for ``n_regions`` regions and ``last_weeks`` weeks of detail."""
    return (WEEK_TABLE_CHART_IN + WEEK_TABLE_REGION_IN * max(n_regions, 1)
            + WEEK_TABLE_ROW_IN * (1 + n_regions * last_weeks) + 0.45)


@_styled
def plot_week_table(
    decisions: pd.DataFrame | None,
    *,
    last_weeks: int = 6,
    units: str = "km",
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """How often each decision came, and the last weeks' decisions with the rule that made each (METHODS.md 9).

    Parameters
    ----------
    decisions : DataFrame
        :func:`analysis.week.weekly_decisions` (``region``, ``week_start``, ``week_end``, ``decision``,
        ``rule``, ``km``, ``barefoot_style_km``, ``next_week_km_max``,
        ``next_week_barefoot_style_km_max``, ``next_km``, ``next_barefoot_style_km``, ``within_allowance``).
    last_weeks : int
        Weeks of the table, counted back from the diary's last week.
    units : {"km", "mi"}
        Distance units of the table.

    Returns
    -------
    Figure
        Top: weeks per decision and region (stacked bars), with how many following weeks stayed within
        the allowance set. Below: one row per region and week of the last ``last_weeks`` weeks: the
        decision, the rule that decided it (value, side and day), the week's distance (barefoot-style),
        the allowance it set and what the next week ran.
    """
    regions = [] if decisions is None or not len(decisions) else [
        r for r in REGION_LABELS if r in set(decisions["region"])]
    last_weeks = max(int(last_weeks), 1)
    fig = _figure(fig, figsize, (WIDTH_IN, week_table_height(len(regions), last_weeks)))
    if not regions:
        ax = fig.subplots()
        _message(ax, "no pain diary: no weekly decisions")
        ax.set_xlabel("weeks")
        ax.set_ylabel("region")
        return fig
    chart_in = WEEK_TABLE_CHART_IN + WEEK_TABLE_REGION_IN * len(regions)
    ax, tab = fig.subplots(2, 1, height_ratios=[chart_in, week_table_height(len(regions), last_weeks) - chart_in])
    per = _per_unit(units)
    for y, region in enumerate(regions):
        g = decisions[decisions["region"] == region]
        left = 0
        for decision, color in DECISION_COLORS.items():
            n = int((g["decision"] == decision).sum())
            if n:
                ax.barh(y, n, left=left, height=0.6, color=color, edgecolor="white", linewidth=0.5)
                if n >= 0.04 * len(g):  # a count in its bar where it fits
                    ax.text(left + n / 2, y, str(n), ha="center", va="center", fontsize=7)
                left += n
        within = g["within_allowance"].astype("boolean")
        # a few points right of the bar (not 3 weeks: off the axes where the diary has under 6 weeks)
        ax.annotate(f"next week within the allowance: {int(within.eq(True).sum())} of {int(within.notna().sum())}",
                    (left, y), xytext=(8, 0), textcoords="offset points", va="center", fontsize=7)
    ax.set_yticks(range(len(regions)), [REGION_LABELS[r] for r in regions])
    ax.set_ylim(len(regions) - 0.5, -0.5)
    ax.set_xlim(0, decisions.groupby("region").size().max() * 1.6)
    ax.set_xlabel("weeks of the diary, by decision (colours as above)")
    ax.set_ylabel("region")

    def km(v) -> str:
        return "-" if pd.isna(v) else f"{float(v) * per:.1f}"

    ends = sorted(pd.to_datetime(decisions["week_end"]).unique())[-last_weeks:]
    rows = decisions[pd.to_datetime(decisions["week_end"]).isin(ends)].copy()
    rows["order"] = rows["region"].map({r: i for i, r in enumerate(regions)})
    for col in ("next_km", "next_barefoot_style_km"):  # absent when no week has a following week in the diary
        if col not in rows:
            rows[col] = np.nan
    rows = rows.sort_values(["week_end", "order"], ascending=[False, True])
    # "not enough diary" is twice as wide as "progress": where such a week is in the table its column takes
    # 0.06 of the axes from the rule's, and the rule is cut to the characters that still fit (50 at 6.5 pt)
    widen = 0.06 if rows["decision"].eq("not enough diary").any() else 0.0
    rule_chars = 50 if widen else 64
    cells = [
        [
            f"to {pd.Timestamp(r.week_end):%d %b %Y}",
            REGION_LABELS[r.region].split()[0],
            str(r.decision),
            _clip(str(r.rule), rule_chars),
            f"{km(r.km)} ({km(r.barefoot_style_km)})",
            f"{km(r.next_week_km_max)} ({km(r.next_week_barefoot_style_km_max)})",
            f"{km(r.next_km)} ({km(r.next_barefoot_style_km)})",
        ]
        for r in rows.itertuples(index=False)
    ]
    # drawn as plain text on a grid, not a matplotlib Table: its cells measure every text again for their
    # layout (0.01 s a row), and the page has up to 26 rows
    tab.axis("off")
    tab.set_title(f"The last {len(ends)} weeks, newest first ({units}; barefoot-style in brackets)", loc="left",
                  fontsize=8)
    header = ["week", "region", "decision", "rule that decided (value, side, day)", f"run ({units})", "allowance",
              "next week"]
    widths = np.array([0.11, 0.07, 0.065 + widen, 0.435 - widen, 0.09, 0.095, 0.085])  # 0.95: a margin at the edge
    edges = 0.025 + np.r_[0.0, np.cumsum(widths)]
    n = len(cells) + 1
    tab.set_xlim(0, 1)
    tab.set_ylim(n, 0)
    for i, row in enumerate([header, *cells]):
        if i and row[2] in ("hold", "reduce"):  # the weeks to look at, tinted in their colour
            tab.axhspan(i, i + 1, xmin=edges[0], xmax=edges[-1], color=DECISION_COLORS[row[2]], alpha=0.2,
                        linewidth=0)
        for x, text in zip(edges[:-1], row, strict=True):
            tab.text(x + 0.004, i + 0.5, text, ha="left", va="center", fontsize=6.5,
                     fontweight="bold" if i == 0 else "normal")
    tab.hlines(np.arange(n + 1), edges[0], edges[-1], color="#CCCCCC", linewidth=0.5)
    tab.vlines(edges, 0, n, color="#CCCCCC", linewidth=0.5)
    return fig


@_styled
def plot_questionnaires(
    scores: pd.DataFrame | None,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Questionnaire scores over time, with each instrument's minimal important change (METHODS.md 10).

    Parameters
    ----------
    scores : DataFrame
        :func:`analysis.questionnaires.score_all` (``date``, ``instrument``, ``region``, ``score``,
        ``min_important_change``, ``mic_source``).

    Returns
    -------
    Figure
        One panel per instrument: score 0-100 (100 = no symptoms) by date, and a band of +- the minimal
        important change around the first score, its value and source in the panel title.
    """
    insts = [] if scores is None or not len(scores) else list(dict.fromkeys(scores["instrument"]))
    fig = _figure(fig, figsize, (WIDTH_IN, 1.2 + 1.6 * max(len(insts), 1)))
    if not insts:
        ax = fig.subplots()
        _message(ax, "no questionnaires given (--questionnaires FILE)")
        ax.set_xlabel("date")
        ax.set_ylabel("score (0-100)")
        return fig
    axes = np.atleast_1d(fig.subplots(len(insts), 1, sharex=True))
    for ax, inst in zip(axes, insts, strict=True):
        g = scores[scores["instrument"] == inst].sort_values("date")
        region = str(g["region"].iloc[0])
        ax.plot(pd.to_datetime(g["date"]), g["score"].astype(float), marker="o",
                color=REGION_COLORS.get(region, INK["dark"]))
        mic = g["min_important_change"].iloc[0]
        title = f"{inst} ({REGION_LABELS.get(region, region)})"
        if pd.notna(mic):
            first = float(g["score"].iloc[0])
            ax.axhspan(first - mic, first + mic, color=INK["light"], alpha=0.35, linewidth=0)
            title += f": grey band = first score +- minimal important change {mic:g} ({g['mic_source'].iloc[0]})"
        else:
            title += ": no minimal important change cited, none drawn"
        ax.set_title(title, fontsize=7.5, loc="left")
        ax.set_ylim(0, 100)
        ax.set_ylabel("score")
    axes[-1].set_xlabel("date")
    return fig


@_styled
def plot_loading_tests(
    tests: pd.DataFrame | None,
    *,
    fig: Figure | SubFigure | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure | SubFigure:
    """Loading-test pain (and repetitions) over time, one panel per region and test (METHODS.md 10).

    Parameters
    ----------
    tests : DataFrame
        :func:`analysis.io.pain_diary.loading_tests` (``date``, ``test``, ``region``, ``side``, ``pain``,
        ``reps``).

    Returns
    -------
    Figure
        Pain 0-10 during the test (worse side of the day) as a line in the region's colour; repetitions,
        where logged, as grey crosses on a right-hand axis.
    """
    keys = [] if tests is None or not len(tests) else sorted({(r, t) for r, t in zip(tests["region"], tests["test"],
                                                                                     strict=True)})
    fig = _figure(fig, figsize, (WIDTH_IN, 1.0 + 1.3 * max(len(keys), 1)))
    if not keys:
        ax = fig.subplots()
        _message(ax, "no loading tests in the diary (time_of_day test:<name>)")
        ax.set_xlabel("date")
        ax.set_ylabel("pain (0-10)")
        return fig
    axes = np.atleast_1d(fig.subplots(len(keys), 1, sharex=True))
    for ax, (region, test) in zip(axes, keys, strict=True):
        g = tests[(tests["region"] == region) & (tests["test"] == test)]
        day = g.groupby("date").agg(pain=("pain", "max"), reps=("reps", "max"))
        ax.plot(day.index, day["pain"], marker="o", markersize=3, color=REGION_COLORS.get(region, INK["dark"]))
        ax.set_ylim(0, 10)
        ax.set_ylabel("pain")
        ax.set_title(f"{REGION_LABELS.get(region, region)}: {test.replace('_', ' ')}", fontsize=7.5, loc="left")
        if day["reps"].notna().any():
            twin = ax.twinx()
            twin.plot(day.index, day["reps"], linestyle="none", marker="x", markersize=3, color=INK["mid"])
            twin.set_ylabel("reps")
    axes[-1].set_xlabel("date")
    return fig


#: every figure of the report, in order, with the inputs it needs from
#: :class:`analysis.pipeline.Analysis`
FIGURES: tuple[str, ...] = (
    "plot_weekly_load_pain",
    "plot_pain_strip",
    "plot_acute_chronic",
    "plot_barefoot_share",
    "plot_flare_rates",
    "plot_forest",
    "plot_lag_profile",
    "plot_drills_onsets",
    "plot_dynamics",
    "plot_shoes",
    "plot_week_decisions",
    "plot_week_table",
    "plot_questionnaires",
    "plot_loading_tests",
)

__all__ = [
    "CLASS_COLORS",
    "FIGURES",
    "GROUP_COLORS",
    "OKABE_ITO",
    "REGION_COLORS",
    "plot_acute_chronic",
    "plot_barefoot_share",
    "plot_drills_onsets",
    "plot_dynamics",
    "plot_flare_rates",
    "plot_forest",
    "plot_lag_profile",
    "plot_pain_strip",
    "plot_shoes",
    "plot_week_decisions",
    "plot_questionnaires",
    "plot_loading_tests",
    "plot_weekly_load_pain",
]
