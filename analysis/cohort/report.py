"""The cohort PDF (METHODS.md 7, "Page 1 of the cohort report"): layout only, from the cohort JSON.

Page 1: runners, runners with events, onsets and person-years at risk per region; the
pooled within-runner estimands with 95 % intervals and prediction intervals; the
unstratified model beside (labelled confounded); excluded runners with the reason.
Then one forest plot per region of the per-runner estimates. The text pages are
:mod:`analysis.textpdf`'s, drawn here by matplotlib with the forest plots.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from analysis import __version__
from analysis.outputs import atomic_write
from analysis.plots import fmt_ci, fmt_num
from analysis.report import _figure_page  # noqa: PLC2701 - shared page helper
from analysis.schema import REGIONS
from analysis.textpdf import TextFlow

_WORDS = {
    "barefoot_share_7d": ("Barefoot-style share of the last 7 days' km, per +10 points above the runner's usual "
                          "share at that time"),
    "km_7d": "Distance, per +10 km in the last 7 days",
}


def _estimand_line(row: Mapping) -> str:
    what = _WORDS.get(row["estimand"], row["estimand"])
    if row.get("status") == "insufficient data" or row.get("estimate") is None:
        return f"{what}: not estimable ({row.get('events', 0)} onsets)."
    pi = row.get("prediction_interval")
    pi_text = f"; 95 % prediction interval for a runner {fmt_ci(pi)}" if pi else ""
    imprecise = " (too imprecise to estimate)" if row.get("status") == "too imprecise" else ""
    return (f"{what}: rate ratio {fmt_num(row['estimate'])} ({fmt_ci(row['ci'])}){imprecise}, "
            f"{row['events']} onsets{pi_text}.")


def summary_pages(result: Mapping) -> list:
    """Page 1 (and overflow): counts per region, pooled estimands, contrast, excluded runners."""
    tp = TextFlow()
    tp.heading(f"runlog cohort report: {result['included']} of {result['runners']} runners", size=14)
    tp.para("Within-runner answer: each runner is compared only with themself (conditional Poisson "
            "model stratified by runner, on at-risk logged days; METHODS.md 7). Everything constant "
            "within a runner cancels. Associations, not causes.", size=9)
    if result.get("footwear_contrast"):
        tp.para("Footwear estimand: rate ratio per +10 points of barefoot-style share of the last 7 days' km, "
                f"where the share is {result['footwear_contrast']}. The same column as each runner's own "
                "report (METHODS.md 5), also in the per-runner estimates below.", size=9)
    header = ["region", "runners", "with onsets", "onsets", "person-years"]
    rows = [[r, v["runners"], v["runners_with_onsets"], v["onsets"], f"{v['person_years']:.1f}"]
            for r, v in result["regions"].items()]
    tp.table(header, rows)
    if result["excluded"]:
        tp.para(f"Excluded runners ({len(result['excluded'])}):", size=9, weight="bold")
        for ex in result["excluded"]:
            tp.bullet(f"{ex['runner_id']}: {ex['reason']}", size=8.5)
    else:
        tp.para("Excluded runners: none.", size=9)
    for region, v in result["regions"].items():
        tp.heading(region.capitalize(), size=11)
        if v.get("message"):
            tp.para(v["message"], size=9)
        for row in v["primary"]:
            tp.bullet(_estimand_line(row), size=9)
        for row in v["primary"]:
            e, h = row["estimand"], row.get("heterogeneity") or {}
            if h.get("runners", 0) >= 2 and h.get("same_direction_share") is not None:
                tp.para(f"{_WORDS[e].split(',')[0]}: {h['runners']} runners with their own estimate, "
                        f"{100 * h['same_direction_share']:.0f} % point the same way as the pooled one; "
                        f"tau {fmt_num(h['tau'])}, I2 {100 * h['i2']:.0f} %.", size=8.5, indent_in=0.2)
        for u in v.get("unstratified", []):
            tp.para(f"Not primary, for contrast: comparing runners with each other (no strata) gives "
                    f"{fmt_num(u['estimate'])} ({fmt_ci(u['ci'])}) for {u['estimand']}: confounded by who "
                    "chooses what.", size=8, indent_in=0.2, color="#555555")
    return tp.pages


def _forest(fig, region: str, data: Mapping) -> None:
    axes = fig.subplots(1, 2, sharey=True)
    rows = data["per_runner"]
    ids = sorted({r["runner_id"] for r in rows if r["estimate"] is not None})
    for ax, e in zip(axes, _WORDS, strict=True):
        est = {r["runner_id"]: r for r in rows if r["estimand"] == e and r["estimate"] is not None}
        y = np.arange(len(ids))[::-1] + 2
        for yi, rid in zip(y, ids, strict=True):
            r = est.get(rid)
            if r is None:
                continue
            ax.plot(r["ci"], [yi, yi], color="#444444", lw=1)
            ax.plot(r["estimate"], yi, "s", color="#444444", ms=4)
        pooled = next(p for p in data["primary"] if p["estimand"] == e)
        if pooled["estimate"] is not None:
            ax.plot(pooled["ci"], [0.5, 0.5], color="#1f4e79", lw=2.5)
            ax.plot(pooled["estimate"], 0.5, "D", color="#1f4e79", ms=6)
            if pooled.get("prediction_interval"):
                ax.plot(pooled["prediction_interval"], [0, 0], color="#1f4e79", lw=1, ls=":")
        ax.axvline(1.0, color="#999999", lw=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(_WORDS[e].split(",")[0] + " (" + _WORDS[e].split(", ")[1] + ")", fontsize=8)
        ax.set_xlabel("rate ratio (log scale)", fontsize=8)
    axes[0].set_yticks([*list(np.arange(len(ids))[::-1] + 2), 0.5, 0], [*ids, "pooled", "prediction"],
                       fontsize=7)
    fig.suptitle(f"{region.capitalize()}: runners with enough onsets for their own estimate", fontsize=9)


def build_cohort_report(result: Mapping, path: str | os.PathLike) -> Path:
    """Write the cohort PDF atomically; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pages = [page.to_figure() for page in summary_pages(result)]
    for region in REGIONS:
        data = result["regions"].get(region)
        if not data or not any(r["estimate"] is not None for r in data["per_runner"]):
            continue
        caption = ("Each line is one runner's own rate ratio with its 95 % interval (runners with enough "
                   "onsets only); the thick line is the pooled within-runner estimate, the dotted line the "
                   "95 % prediction interval for a new runner (REML, Hartung-Knapp).")
        pages.append(_figure_page(f"Forest plot: {region}", caption,
                                  [(lambda f, r=region, d=data: _forest(f, r, d), 6.0)]))
    def write_pdf(tmp: Path) -> None:
        with PdfPages(tmp, metadata={"Title": "runlog cohort report", "Creator": f"runlog {__version__}"}) as pdf:
            for page in pages:
                pdf.savefig(page)

    return atomic_write(out, write_pdf)
