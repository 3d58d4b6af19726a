"""Figures: each returns a Figure with labelled axes, on the sample and on tiny frames.

They draw the library's numbers: bars add up to weekly km, missing pain stays blank, markers match flags.
"""

from __future__ import annotations

import io

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from analysis import plots
from analysis.pipeline import Analysis
from analysis.plots import fmt_num
from analysis.report import figures

DRAWN_BY = {
    "plot_weekly_load_pain": lambda d: plots.plot_weekly_load_pain(d.weekly, d.weekly_pain, d.episodes),
    "plot_pain_strip": lambda d: plots.plot_pain_strip(d.pain_daily, d.episodes),
    "plot_acute_chronic": lambda d: plots.plot_acute_chronic(d.acute_chronic, d.spikes),
    "plot_barefoot_share": lambda d: plots.plot_barefoot_share(d.guardrails),
    "plot_flare_rates": lambda d: plots.plot_flare_rates(d.findings),
    "plot_forest": lambda d: plots.plot_forest(d.findings),
    "plot_lag_profile": lambda d: plots.plot_lag_profile(d.findings),
    "plot_drills_onsets": lambda d: plots.plot_drills_onsets(
        d.adherence, d.episodes, period=(d.start, d.end)
    ),
    "plot_dynamics": lambda d: plots.plot_dynamics(
        d.findings["dynamics"], d.dynamics_binned, d.runs if d.dynamics_binned else None
    ),
    "plot_shoes": lambda d: plots.plot_shoes(d.shoes),
    "plot_week_decisions": lambda d: plots.plot_week_decisions(d.week_decisions),
    "plot_week_table": lambda d: plots.plot_week_table(d.week_decisions),
    "plot_questionnaires": lambda d: plots.plot_questionnaires(d.questionnaires),
    "plot_loading_tests": lambda d: plots.plot_loading_tests(d.loading_tests),
}


def data_axes(fig: Figure) -> list[Axes]:
    """Visible axes that show data (no colorbars, no right-hand label axes, not switched off)."""
    out = []
    for ax in fig.get_axes():
        if (
            not ax.get_visible()
            or not ax.axison
            or hasattr(ax, "_colorbar")
            or type(ax).__name__ == "SecondaryAxis"
        ):
            continue
        if ax.get_label() == "<colorbar>":
            continue
        out.append(ax)
    return out


def assert_labelled(fig) -> None:
    assert isinstance(fig, Figure)
    axes = data_axes(fig)
    assert axes
    for ax in axes:
        assert ax.get_ylabel() or ax.get_xlabel(), ax
    assert any(ax.get_xlabel() for ax in axes)
    fig.savefig(io.BytesIO(), format="png", dpi=20)  # it draws


def test_figure_list_matches_functions():
    assert set(plots.FIGURES) == set(DRAWN_BY)
    assert all(callable(getattr(plots, name)) for name in plots.FIGURES)


@pytest.mark.parametrize("name", sorted(DRAWN_BY))
def test_every_figure_on_the_sample(sample_data: Analysis, name):
    assert_labelled(DRAWN_BY[name](sample_data))


@pytest.mark.parametrize("name", sorted(DRAWN_BY))
def test_every_figure_on_tiny_frames(tiny_data: Analysis, name):
    fig = DRAWN_BY[name](tiny_data)
    if name == "plot_dynamics":  # no per-second data: a plain sentence, no empty axes
        texts = [t.get_text() for ax in fig.get_axes() for t in ax.texts]
        assert any("Running dynamics not available" in t for t in texts)
        assert not any(
            ax.axison and ax.get_xticks().size for ax in fig.get_axes() if ax.spines["left"].get_visible()
        )
        return
    assert_labelled(fig)


def bars(ax: Axes) -> list[tuple[float, float, float]]:
    """(left, width, height) of every bar of an axes: Rectangle patches or PolyCollection rectangles."""
    out = [(p.get_x(), p.get_width(), p.get_height()) for p in ax.patches]
    for coll in ax.collections:
        for path in coll.get_paths():
            xs, ys = path.vertices[:, 0], path.vertices[:, 1]
            out.append((xs.min(), xs.max() - xs.min(), ys.max() - ys.min()))
    return out


def test_headline_bars_add_up_to_weekly_km_and_units(sample_data):
    fig = plots.plot_weekly_load_pain(sample_data.weekly, sample_data.weekly_pain, sample_data.episodes)
    top = fig.get_axes()[0]
    assert "km/week" in top.get_ylabel()
    heights: dict[float, float] = {}
    for left, width, height in bars(top):
        heights[round(left, 3)] = heights.get(round(left, 3), 0.0) + height
        assert width == pytest.approx(6.0)  # days: a week's bar, not a hairline
    weekly = sample_data.weekly["km"].astype(float).fillna(0).to_numpy()
    assert sorted(heights.values()) == pytest.approx(sorted(weekly), abs=1e-6)
    pain_axes = fig.get_axes()[1:5]
    assert all("(0-10)" in ax.get_ylabel() for ax in pain_axes)
    miles = plots.plot_weekly_load_pain(sample_data.weekly, sample_data.weekly_pain, units="mi")
    assert "mi/week" in miles.get_axes()[0].get_ylabel()
    total_mi = sum(height for _, _, height in bars(miles.get_axes()[0]))
    assert total_mi == pytest.approx(weekly.sum() * 1000 / 1609.344, rel=1e-9)


def test_headline_titles_count_onsets_as_the_findings(sample_data):
    fig = plots.plot_weekly_load_pain(sample_data.weekly, sample_data.weekly_pain, sample_data.episodes)
    for ax, region in zip(fig.get_axes()[1:5], ("plantar", "achilles", "patellar", "glute"), strict=True):
        n = sample_data.findings["regions"][region]["onsets"]
        assert ax.get_title(loc="left").startswith(f"{plots.REGION_LABELS[region]}: {n} flare-up onset")


def test_pain_strip_leaves_missing_days_blank(sample_data):
    fig = plots.plot_pain_strip(sample_data.pain_daily, sample_data.episodes)
    images = [im for ax in fig.get_axes() for im in ax.get_images() if isinstance(im, AxesImage)]
    masked = sum(int(np.ma.getmaskarray(im.get_array()).sum()) for im in images)
    cells = sum(im.get_array().size for im in images)
    not_logged = int((~sample_data.pain_daily["logged"].astype(bool)).sum())
    assert masked == not_logged > 0 and cells == len(sample_data.pain_daily)
    assert mcolors.to_hex(images[0].get_cmap().get_bad()) == "#ffffff"  # white, while 0 pain is dark


def test_acute_chronic_two_lines_and_no_zones(sample_data):
    fig = plots.plot_acute_chronic(sample_data.acute_chronic, sample_data.spikes)
    top, runs_ax = data_axes(fig)
    labels = [line.get_label() for line in top.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["acute load (EWMA, 7 days)", "chronic load (EWMA, 28 days)"]
    assert not top.patches  # no red/green "sweet spot" bands
    large = int(sample_data.spikes["spike_bin"].eq("large").fillna(False).sum())
    big_markers = [ln for ln in runs_ax.get_lines() if ln.get_color() == plots.SPIKE_COLORS["large"]]
    assert (len(big_markers[0].get_xdata()) if big_markers else 0) == large


def test_guardrail_markers_match_the_library(sample_data):
    g = sample_data.guardrails
    fig = plots.plot_barefoot_share(g)
    share_ax = data_axes(fig)[0]
    for column, marker, _, _ in plots._GUARD_MARKS:
        drawn = [ln for ln in share_ax.get_lines() if ln.get_marker() == marker]
        count = len(drawn[0].get_xdata()) if drawn else 0
        assert count == int(g[column].astype("boolean").fillna(False).sum()), column
    assert any("not a validated schedule" in t.get_text() for t in fig.texts)


def test_forest_shows_q_values_and_marks_primary(sample_data):
    findings = sample_data.findings
    fig = plots.plot_forest(findings)
    labels = " ".join(
        t.get_text() for ax in fig.get_axes() for a in (ax, *ax.child_axes) for t in a.get_yticklabels()
    )
    modelled = [r for r, f in findings["regions"].items() if f["sufficient"]]
    assert len(data_axes(fig)) == len(modelled)
    separated = 0
    for region in modelled:
        for e in findings["regions"][region]["primary"]:
            interval = f"{fmt_num(e['ci'][0])} to {fmt_num(e['ci'][1])}"
            if e["status"] == "too imprecise":
                assert f"too imprecise: CI {interval}" in labels
            else:
                assert (
                    f"{fmt_num(e['estimate'])} ({interval})  {e['events']} onsets, "
                    f"detectable {fmt_num(e['min_detectable'])}" in labels
                )
        for e in findings["regions"][region]["exploratory"]["effects"]:
            if e["estimate"] is None:
                continue
            interval = f"{fmt_num(e['ci'][0])} to {fmt_num(e['ci'][1])}"
            if (e.get("note") or "").startswith("quasi-separation"):
                # a spike bin without onsets: counts and CI, no point estimate
                separated += 1
                days = e["note"].split(" at-risk days")[0].split("on the ")[1]
                assert f"0 onsets on {days} days: CI {interval}  q {fmt_num(e['q'])}" in labels
            else:
                assert f"{fmt_num(e['estimate'])} ({interval})  q {fmt_num(e['q'])}" in labels
    assert separated >= 1  # the sample has spike bins without onsets
    squares = [ln for ax in data_axes(fig) for ln in ax.get_lines() if ln.get_marker() == "s"]
    primary = sum(e["status"] == "estimated" for r in modelled for e in findings["regions"][r]["primary"])
    assert len(squares) == primary  # squares = headlined pre-specified estimands; exploratory are circles


def test_rates_draw_the_json_intervals():
    findings = {
        "regions": {
            "achilles": {
                "onsets": 4,
                "sufficient": False,
                "rates": [
                    {
                        "shoe_class": "barefoot-style",
                        "onsets": 3,
                        "distance_km": 300.0,
                        "per_1000km": 10.0,
                        "ci": [2.06, 29.2],
                    },
                    {
                        "shoe_class": "traditional",
                        "onsets": 1,
                        "distance_km": 1000.0,
                        "per_1000km": 1.0,
                        "ci": [0.0253, 5.57],
                    },
                ],
                "rate_ratio": {
                    "comparison": "barefoot-style vs traditional",
                    "estimate": 10.0,
                    "ci": [0.79, 524.0],
                },
            }
        }
    }
    fig = plots.plot_flare_rates(findings)
    ax = data_axes(fig)[0]
    segments = [tuple(ln.get_xdata()) for ln in ax.get_lines() if len(ln.get_xdata()) == 2]
    assert segments[0] == pytest.approx((2.06, 29.2)) and segments[1] == pytest.approx((0.0253, 5.57))
    assert "insufficient data for a model" in ax.get_title(loc="left")
    assert "rate ratio barefoot-style vs traditional: 10 (95 % CI 0.79 to 524)" in ax.get_title(loc="left")


def test_forest_with_no_modelled_region_says_so():
    fig = plots.plot_forest({"regions": {"plantar": {"sufficient": False}}})
    assert any("insufficient data in every region" in t.get_text() for ax in fig.get_axes() for t in ax.texts)
    assert_labelled(fig)


def test_shoes_retire_alerts(sample_data):
    fig = plots.plot_shoes(sample_data.shoes)
    bars_ax = data_axes(fig)[0]
    alerts = int(sample_data.shoes["retire_alert"].astype(bool).sum())
    assert sum("retire" in t.get_text() for t in bars_ax.texts) == alerts > 0
    assert "km" in bars_ax.get_xlabel()


def test_dynamics_by_class(sample_data):
    fig = plots.plot_dynamics(sample_data.findings["dynamics"], sample_data.dynamics_binned, sample_data.runs)
    axes = data_axes(fig)
    n = len(sample_data.findings["dynamics"]["metrics"])
    assert len(axes) == 2 * n
    assert any("steps/min" in ax.get_ylabel() for ax in axes[:n])


def test_palette_is_colour_blind_safe():
    allowed = {c.lower() for c in (*plots.OKABE_ITO.values(), *plots.TOL_MUTED.values())}
    for mapping in (plots.CLASS_COLORS, plots.GROUP_COLORS, plots.REGION_COLORS, plots.SPIKE_COLORS):
        for color in mapping.values():
            r, g, b = mcolors.to_rgb(color)
            assert color.lower() in allowed or (r == g == b), color  # Okabe-Ito, Tol's muted or a grey


def _hues(colors) -> set[str]:
    """The non-grey colours among ``colors``, as hex."""
    out = set()
    for c in colors:
        r, g, b = mcolors.to_rgb(c)
        if not r == g == b:
            out.add(mcolors.to_hex(c))
    return out


def test_a_colour_means_one_thing():
    classes = _hues([*plots.CLASS_COLORS.values(), *plots.GROUP_COLORS.values()])
    regions = _hues(plots.REGION_COLORS.values())
    assert len(regions) == 4  # four regions, four colours
    assert not classes & regions
    # sides are a line style and a marker, never a colour; load, spikes and marks are greys
    assert not _hues(s["color"] for s in plots.SIDE_STYLES.values())
    assert {s["linestyle"] for s in plots.SIDE_STYLES.values()} == {"-", "--"}
    assert not _hues([*plots.SPIKE_COLORS.values(), *plots.INK.values()])
    assert not _hues(color for _, _, color, _ in plots._GUARD_MARKS)


def test_figures_use_region_colours_only_for_regions(sample_data):
    """Every coloured line of the headline's region panels is that region's colour."""
    fig = plots.plot_weekly_load_pain(sample_data.weekly, sample_data.weekly_pain, sample_data.episodes)
    axes = data_axes(fig)
    for ax, region in zip(axes[1:], plots.REGIONS, strict=True):
        drawn = _hues(line.get_color() for line in ax.get_lines())
        assert drawn == {mcolors.to_hex(plots.REGION_COLORS[region])}, region
    bars = _hues(p.get_facecolor() for p in axes[0].patches)
    assert bars <= _hues(plots.CLASS_COLORS.values())


def test_weeks_without_a_pain_mean_are_hatched_and_say_why():
    weeks = pd.date_range("2026-03-02", periods=4, freq="7D", name="week_start")
    weekly = pd.DataFrame({"km": [10.0, 12.0, 8.0, 11.0], "km_traditional": [10.0, 12.0, 8.0, 11.0]}, index=weeks)
    rows = []
    for k, w in enumerate(weeks):
        for side in ("L", "R"):
            mean = [2.0, None, None, 3.0][k]  # weeks 2 and 3: fewer than 3 diary days
            rows.append({"week_start": w, "region": "plantar", "side": side, "days_logged": 5 if mean else 1,
                         "pain_mean": mean, "pain_max": mean})
    weekly_pain = pd.DataFrame(rows).astype({"pain_mean": "Float64", "pain_max": "Float64"})
    fig = plots.plot_weekly_load_pain(weekly, weekly_pain)
    plantar = data_axes(fig)[1]
    hatched = [p for p in plantar.patches if p.get_hatch()]
    assert len(hatched) == 1  # the two weeks are one block
    x0, x1 = hatched[0].get_x(), hatched[0].get_x() + hatched[0].get_width()
    assert (x1 - x0) == pytest.approx(14.0)  # two weeks, in days
    legend = fig.get_axes()[-1].get_legend()
    assert "week with < 3 diary days: no mean" in [t.get_text() for t in legend.get_texts()]


def test_pain_strip_shows_the_diary_span_not_the_whole_history():
    from analysis import flareups
    from analysis.schema import coerce_pain

    days = pd.date_range("2025-10-01", "2025-12-31")
    pain = coerce_pain(
        pd.DataFrame({"date": days, "time_of_day": "morning", "region": "achilles", "side": "R", "pain": 2})
    )
    # a grid over 13 years of running history, logged only in its last 3 months
    grid = flareups.daily_pain(pain, start="2013-01-01", end="2025-12-31")
    fig = plots.plot_pain_strip(grid)
    strips = [ax for ax in data_axes(fig) if ax.get_images()]
    assert len(strips) == 1  # one strip, not 13 yearly ones
    lo, hi = strips[0].get_xlim()
    import matplotlib.dates as mdates

    assert mdates.num2date(lo).date().isoformat() == "2025-10-01"
    assert mdates.num2date(hi).date().isoformat() == "2026-01-01"  # the end of the last day


def test_draws_into_a_given_subfigure(tiny_data):
    page = Figure(figsize=plots.A4_PORTRAIT, layout="constrained")
    top, bottom = page.subfigures(2, 1)
    assert plots.plot_acute_chronic(tiny_data.acute_chronic, tiny_data.spikes, fig=top) is top
    assert plots.plot_shoes(tiny_data.shoes, fig=bottom) is bottom
    page.savefig(io.BytesIO(), format="png", dpi=20)
    with pytest.raises(ValueError):
        plots.plot_shoes(tiny_data.shoes, units="furlongs")


def test_no_pyplot_state_left_behind(tiny_data):
    import sys

    DRAWN_BY["plot_weekly_load_pain"](tiny_data)
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
    assert pd.api.types.is_float_dtype(tiny_data.weekly["km"])


def test_report_data_gives_every_figure(tiny_data):
    drawn = figures(tiny_data, units="mi")
    assert list(drawn) == list(plots.FIGURES)
    assert all(isinstance(f, Figure) for f in drawn.values())
    assert "mi/week" in drawn["plot_weekly_load_pain"].get_axes()[0].get_ylabel()


def test_week_table_shows_the_last_weeks_decisions_and_counts(sample_data: Analysis):
    decisions = sample_data.week_decisions
    fig = plots.plot_week_table(decisions, last_weeks=3, units="mi")
    chart, tab = fig.get_axes()
    texts = [t.get_text() for t in tab.texts]
    rows = [texts[i:i + 7] for i in range(0, len(texts), 7)]
    n_regions = decisions["region"].nunique()
    assert len(rows) == 1 + 3 * n_regions  # header + 3 weeks x regions
    assert rows[0][4] == "run (mi)"
    # newest week first, regions in the figures' order; its rule and distance in miles as the frame has them
    last_end = pd.to_datetime(decisions["week_end"]).max()
    first_region = next(r for r in plots.REGION_LABELS if r in set(decisions["region"]))
    row = decisions[(pd.to_datetime(decisions["week_end"]) == last_end) & (decisions["region"] == first_region)].iloc[0]
    assert rows[1][0] == f"to {last_end:%d %b %Y}" and rows[1][2] == row["decision"]
    assert rows[1][3][:40] == str(row["rule"])[:40]
    assert rows[1][4].startswith(f"{row['km'] / 1.609344:.1f} (")
    # hold and reduce rows are tinted, one band each
    assert len(tab.patches) == sum(r[2] in ("hold", "reduce") for r in rows[1:])
    # the bars count every week of each region once
    counts = [int(t.get_text()) for t in chart.texts if t.get_text().isdigit()]
    assert sum(counts) <= len(decisions) and max(counts) == decisions.groupby("region")["decision"].value_counts().max()
    within = decisions.loc[decisions["region"] == first_region, "within_allowance"].astype("boolean")
    assert any(t.get_text() == f"next week within the allowance: {int(within.eq(True).sum())} of "
               f"{int(within.notna().sum())}" for t in chart.texts)


def test_pain_strip_of_a_ten_year_diary_draws_the_last_years_the_report_asks_for():
    from analysis import flareups
    from analysis.schema import coerce_pain

    days = pd.date_range("2015-03-01", "2024-06-30", freq="3D")
    pain = coerce_pain(
        pd.DataFrame({"date": days, "time_of_day": "morning", "region": "plantar", "side": "L", "pain": 1})
    )
    grid = flareups.daily_pain(pain)
    every = [ax for ax in data_axes(plots.plot_pain_strip(grid)) if ax.get_images()]
    assert len(every) == 10  # one strip per calendar year, 2015-2024
    fig = plots.plot_pain_strip(grid, last_years=3)
    strips = [ax for ax in data_axes(fig) if ax.get_images()]
    assert len(strips) == 3  # 2022, 2023, 2024: a report page holds three
    assert strips[0].get_title("right") == "01 Jan 2022 to 31 Dec 2022; diary from 01 Mar 2015"
    assert strips[0].get_title("left") == "Daily pain by region and side, the last 3 years"
    # the days drawn are the last three years' days, every one of them
    cells = sum(im.get_array().shape[1] for ax in strips for im in ax.get_images())
    assert cells == (days[-1] - pd.Timestamp("2022-01-01")).days + 1  # to the last logged day


def _one_region_decisions(n_days: int, run_days: tuple[int, ...] = (1,)) -> pd.DataFrame:
    from analysis import flareups, schema
    from analysis import week as wk

    first = pd.Timestamp("2026-03-02")
    diary = pd.DataFrame([{"date": first + pd.Timedelta(days=i), "time_of_day": "morning", "region": "achilles",
                           "side": "R", "pain": 0} for i in range(n_days)])
    runs = schema.coerce_runs(pd.DataFrame([
        {"activity_id": f"r{i}", "date": first + pd.Timedelta(days=i), "distance_m": 8000.0,
         "shoe_class": "traditional", "start_time": (first + pd.Timedelta(days=i, hours=7)).tz_localize("UTC")}
        for i in run_days]).set_index("activity_id"))
    return wk.weekly_decisions(flareups.daily_pain(schema.coerce_pain(diary)), runs, None)


def test_week_table_of_a_diary_of_one_week_draws():
    # one week: no following week in the diary, so the frame has no next_km columns (AttributeError)
    decisions = _one_region_decisions(7)
    assert len(decisions) == 1 and "next_km" not in decisions
    fig = plots.plot_week_table(decisions, last_weeks=12)
    texts = [t.get_text() for t in fig.get_axes()[1].texts]
    assert texts[7:10] == ["to 08 Mar 2026", "Achilles", "progress"] and texts[-1] == "- (-)"


@pytest.mark.parametrize("n_weeks", [1, 3, 6])
def test_week_table_counts_stay_inside_their_axes_for_a_short_diary(n_weeks):
    # "next week within the allowance" was placed 3 weeks right of the bar on an axis 1.6 x the longest bar:
    # with under 6 weeks it fell outside the axes, and constrained layout squeezed the table's columns together
    fig = plots.plot_week_table(_one_region_decisions(7 * n_weeks), last_weeks=6)
    fig.canvas.draw()
    chart = fig.get_axes()[0]
    box = chart.get_window_extent()
    (note,) = [t for t in chart.texts if t.get_text().startswith("next week within")]
    ext = note.get_window_extent()
    assert box.x0 <= ext.x0 and ext.x1 <= box.x1 + 1


def test_week_table_cells_stay_in_their_columns_with_a_not_enough_diary_week():
    # a week with under 4 logged mornings reads "not enough diary": it ran over the narrow decision column into the
    # rule beside it; that column widens when such a week is in the table (the rule is then cut shorter)
    decisions = _one_region_decisions(7 * 4, run_days=(1, 8, 15))
    decisions.loc[decisions.index[-1], ["decision", "rule"]] = [
        "not enough diary", "3 mornings logged 2026-03-23..2026-03-29 (need 4)"]
    decisions.loc[decisions.index[-2], "rule"] = "morning 10/10 (B) on 2026-03-20 after run, 8/10 on 2026-03-19"
    fig = plots.plot_week_table(decisions, last_weeks=4)
    fig.canvas.draw()
    texts = fig.get_axes()[1].texts
    rows = [texts[i:i + 7] for i in range(0, len(texts), 7)]
    assert rows[1][2].get_text() == "not enough diary"
    for row in rows:
        for cell, right in zip(row[:-1], row[1:], strict=True):
            assert cell.get_window_extent().x1 < right.get_window_extent().x0, (cell.get_text(), right.get_text())
