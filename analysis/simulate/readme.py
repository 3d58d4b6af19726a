"""The README.md written beside a simulated runner: what it is and what is planted."""

from __future__ import annotations

import math

from analysis.schema import REGIONS
from analysis.simulate.params import TERM_UNIT, TERMS

_UNIT_WORDS = {10.0: "+10", 1.0: "+1"}


def readme_text(runner, command: str) -> str:
    """Markdown describing a simulated runner's folder (synthetic, command, planted effects)."""
    truth = runner.truth
    p = runner.params
    runs = runner.runs
    counts = truth["onset_counts"]
    lines = [
        "# Sample data: a synthetic runner",
        "",
        "**Everything in this folder is simulated.** No real person's runs, pain or drills are in it.",
        "It is what `runlog report` shows when given no files, and a test bench whose truth is known",
        "(`truth.json`). Made by:",
        "",
        "```",
        command,
        "```",
        "",
        f"(runlog's `analysis.simulate`, seed {runner.seed}, {truth['days']} days from {truth['start']} to "
        f"{truth['end']}, home time zone {p.tz}). The model is documented in the docstrings of",
        "`analysis/simulate/`.",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `export.zip` | a Strava bulk export: `activities.csv` (94 columns), `shoes.csv`, `activities/` with "
        "one `.fit.gz` per watch run and a few `.gpx` (phone app) |",
        "| `shoes.csv` | the shoes catalog (runlog's format: specs, Minimalist Index, class) |",
        "| `pain.csv` | the pain diary (long: date, time_of_day, region, side, pain 0-10, activity_id, notes) |",
        "| `drills.csv` | the foot-drills log (date, drill, sets, reps, minutes, notes) |",
        "| `truth.json` | what was planted: hazard coefficients, true onsets and episodes, the true shoe "
        "of every run, all parameters |",
        "",
        "## The runner",
        "",
        f"* {len(runs)} runs, {runs['distance_m'].sum() / 1000:.0f} km, plus {len(runner.others)} walks and "
        "rides (not runs).",
        "* Shoe classes (runs): " + ", ".join(f"{k} {v}" for k, v in runs["shoe_class"].value_counts().items())
        + ". Barefoot runs have no gear and a barefoot word in the title; "
        f"{int((~runs['gear_recorded']).sum())} shod runs have no gear recorded (runlog sees them as unknown).",
        f"* Runs with a FIT file {int((runs['file_kind'] == 'fit').sum())}, with GPX "
        f"{int((runs['file_kind'] == 'gpx').sum())}, manual entries {int((runs['file_kind'] == '').sum())}; "
        f"runs abroad ({p.travel_tz}) {int(runs['abroad'].sum())}.",
        f"* Drill days {truth['drill_days']}; diary kept on {truth['diary']['days_logged']} of "
        f"{truth['diary']['days']} days.",
        "* Story: early flare-ups, then drills and a gradual move of easy runs to barefoot-style footwear.",
        "",
        "## Flare-up onsets (true)",
        "",
        "| region | onsets |",
        "|---|---|",
        *[f"| {r} | {counts[r]} |" for r in REGIONS],
        "",
        "A region with fewer than 10 onsets is too few for a model (METHODS.md 5): the report must say",
        "\"insufficient data\" there.",
        "",
        "## Planted hazard (odds ratio per unit; 1 = no effect)",
        "",
        "Discrete-time daily hazard of a flare onset on at-risk days; features from days before the day.",
        "",
        "| term | unit | " + " | ".join(REGIONS) + " |",
        "|---|---|" + "---|" * len(REGIONS),
    ]
    for term in TERMS:
        unit = TERM_UNIT[term]
        what = "km" if term.startswith("km") else "points" if "share" in term else (
            "day" if "drill" in term else "present")
        label = f"{_UNIT_WORDS[unit]} {what}" if what != "present" else "present"
        ors = " | ".join(f"{math.exp(p.coefficients[r][term]):.2f}" for r in REGIONS)
        lines.append(f"| `{term}` | {label} | {ors} |")
    lines += [
        "",
        "Running dynamics (METHODS.md 6), relative to traditional shoes at the same speed: cadence "
        + ", ".join(f"{k} x{v}" for k, v in p.cadence_factor.items() if k != "traditional")
        + "; ground contact " + ", ".join(f"{k} x{v}" for k, v in p.stance_factor.items() if k != "traditional")
        + ".",
        "",
        "Diary: background pain stays at a resting level of 0-1 (never meeting the onset rule of METHODS.md 4);",
        "a flare rises to 4-7 for 5-20 days and settles. The day before, of and after each onset and the 3",
        "settling days are always logged, so every planted onset can be found on its day; other days are",
        "missed in short spells (about 6 %).",
        "",
        "Shoe specs in `shoes.csv` are typical published figures, rounded: illustrative only.",
        "FIT files keep a record every 1-5 s (a watch's smart recording) and carry no positions; GPX",
        "tracks circle a made-up point in the open North Sea.",
        "",
        "To regenerate after a change to the simulator, run the command above from the repository root.",
        "",
    ]
    if runner.null:
        lines.insert(4, "**Null runner: no effect planted** (all coefficients 0, flat hazard).\n")
    return "\n".join(lines)
