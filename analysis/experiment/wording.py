"""What the experiment's numbers say, in words: conclusions, CENT 2015 items, JSON and the printed summary.

Every number comes from :mod:`analysis.experiment.analyse`; this module only
formats them.

References
----------
Vohra S, Shamseer L, Sampson M, et al. CONSORT extension for reporting N-of-1
trials (CENT) 2015. BMJ 2015;350:h1738.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from analysis.schema import REGIONS

REGION_NAMES: dict[str, str] = {
    "plantar": "plantar fascia (heel)",
    "achilles": "Achilles",
    "patellar": "patellar tendon (knee)",
    "glute": "gluteal (hip)",
}


def _num(v, nd: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    text = f"{v:.{nd}f}"
    return "0.0" if text in ("-0.0", "-0") else text


def _p(p) -> str:
    if p is None:
        return "-"
    return f"{p:.3f}".rstrip("0").rstrip(".") if p < 0.1 else f"{p:.2f}"


def adherence_text(adherence: pd.DataFrame) -> str:
    """``5 of 6 blocks adhered`` (reached blocks only)."""
    reached = adherence[adherence["reached"]]
    return f"{int(reached['adhered'].sum())} of {len(reached)} blocks adhered"


def conclusion(region: str, entry: dict, design: dict, adherence: pd.DataFrame) -> str:
    """One plain-language sentence about one region (the direction stated as positive)."""
    name = REGION_NAMES.get(region, region)
    a, b = design["conditions"]["A"], design["conditions"]["B"]
    if entry["status"] != "estimated":
        return f"Morning {name} pain: insufficient data ({entry['reason']})."
    est, (low, high) = entry["estimate"], entry["ci"]
    higher, lower = (b, a) if est >= 0 else (a, b)
    if est < 0:
        est, low, high = -est, -high, -low
    floor = design["smallest_p"]
    p = entry["p_randomisation"]
    p_text = f"randomisation p = {_p(p)}"
    if p is not None and abs(p - floor) < 1e-9 and floor > 0.05:
        p_text += f", the smallest {design['blocks']} blocks allow"
    ci_text = f"95 % CI {_num(low)} to {_num(high)}"
    clear = low is not None and math.isfinite(low) and low > 0
    if round(est, 1) == 0:
        lead = f"Morning {name} pain did not differ between {b} and {a} blocks (difference 0.0 points"
        return f"{lead}; {ci_text}; {p_text}); {adherence_text(adherence)}."
    else:
        lead = f"Morning {name} pain was {_num(est)} points higher in {higher} blocks than in {lower} blocks"
    tail = "" if clear else ", an interval that includes no difference"
    return f"{lead} ({ci_text}{tail}; {p_text}); {adherence_text(adherence)}."


def cent_items(result) -> list[tuple[str, str]]:
    """The CENT 2015 checklist items this analysis can fill in, as (item, text)."""
    d, adh = result.design, result.adherence
    a, b = d["conditions"]["A"], d["conditions"]["B"]
    reached = adh[adh["reached"]]
    analysed = int(reached["days_analysed"].sum())
    logged = int(reached["days_logged"].sum())
    missing_pct = 100 * (1 - logged / analysed) if analysed else 100.0
    onsets = result.flareups
    by_cond = onsets.groupby("condition").size().to_dict() if len(onsets) else {}
    seed = f" from seed {d['seed']}" if d.get("seed") is not None else ""
    return [
        ("3a trial design", f"Single-person (n-of-1) randomised trial: {d['blocks']} blocks of "
         f"{d['block_days']} days, {a} (A) vs {b} (B), in {d['pairs']} pairs each ordered AB or BA at random "
         f"(counterbalanced); the first {d['washout_days']} days of each block are a wash-out, lived but not "
         f"analysed. Order: {d['order']}."),
        ("6a outcomes", "Pre-specified: morning (first-steps) pain 0-10 per region, worse side, on analysed days; "
         "flare-up onsets reported, not modelled."),
        ("8-10 randomisation", f"The order of each pair was drawn by computer (runlog experiment plan{seed}). "
         "The runner knew the schedule in advance (no allocation concealment)."),
        ("11a blinding", "Not possible: the runner sees and feels the footwear, and pain is self-reported, so "
         "expectations may colour it."),
        ("12a statistical methods", f"Block means of logged analysed mornings regressed on condition and a linear "
         f"time trend (the block is the unit: days within a block are autocorrelated); t interval on blocks - 3 "
         f"df; exact randomisation test over the {d['allowed_orders']} orders the design allowed (smallest "
         f"possible p {_p(d['smallest_p'])}); carry-over checked by comparing block halves; per-protocol "
         f"analysis without blocks below {d['adherence_threshold']:.0%} adherence."),
        ("adherence", f"{adherence_text(adh)} (at least {d['adherence_threshold']:.0%} of a block's km in the "
         f"planned footwear); per block in the adherence table."),
        ("missing data", f"{logged} of {analysed} analysed days had a morning entry ({missing_pct:.0f} % missing); "
         f"missing days are left out, not imputed; a block needs {d['min_days_per_block']} logged mornings to enter "
         "a region's analysis."),
        ("harms", f"Flare-up onsets during the experiment: {len(onsets)}"
         + (" (" + ", ".join(f"{n} in {c} blocks" for c, n in sorted(by_cond.items())) + ")" if by_cond else "")
         + "."),
        ("blocks completed", f"{d['blocks_reached']} of {d['blocks']} blocks reached by the diary."),
    ]


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if isinstance(v, pd.Timestamp):
                v = f"{v:%Y-%m-%d}"
            elif v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float):
                v = round(v, 3)
            row[k] = v
        out.append(row)
    return out


def to_json(result) -> dict:
    """The JSON contract of DESIGN.md: design, adherence, regions (+ conclusions, CENT items, flare-ups)."""
    conclusions = result.conclusions
    regions = {r: {**v, "conclusion": conclusions[r]} for r, v in result.regions.items()}
    onsets = result.flareups.copy()
    return {
        "design": dict(result.design),
        "adherence": _records(result.adherence),
        "regions": regions,
        "flareups": _records(onsets),
        "cent": [{"item": k, "text": t} for k, t in result.cent_items()],
    }


def summary(result) -> str:
    """The text ``runlog experiment analyse`` prints: design, adherence table, one conclusion per region."""
    d = result.design
    a, b = d["conditions"]["A"], d["conditions"]["B"]
    lines = [f"Footwear self-experiment {d['start']} to {d['end']}: A = {a}, B = {b}, order {d['order']} "
             f"({d['blocks_reached']} of {d['blocks']} blocks reached)", ""]
    adh = result.adherence
    table = pd.DataFrame({
        "block": adh["block"], "condition": adh["condition"],
        "dates": [f"{s:%Y-%m-%d}..{e:%m-%d}" for s, e in zip(adh["start"], adh["end"], strict=True)],
        "km": adh["km"].map(lambda v: f"{v:.1f}"), "km/week": adh["weekly_km"].map(lambda v: f"{v:.1f}"),
        "in planned shoes": adh["adherence"].map(lambda v: "-" if pd.isna(v) else f"{100 * v:.0f} %"),
        "mornings logged": [f"{x}/{y}" for x, y in zip(adh["days_logged"], adh["days_analysed"], strict=True)],
        "flag": [("" if ok else "below threshold") if r else "not reached"
                 for ok, r in zip(adh["adhered"], adh["reached"], strict=True)],
    })
    lines += [table.to_string(index=False), ""]
    for region in REGIONS:
        lines.append(result.conclusions[region])
        entry = result.regions[region]
        pp = entry["per_protocol"]
        if entry["status"] == "estimated":
            pp_text = (f"{_num(pp['estimate'])} (95 % CI {_num(pp['ci'][0])} to {_num(pp['ci'][1])})"
                       if pp["status"] == "estimated" and pp["ci"] else pp["status"])
            co = entry["carry_over"]
            co_text = (f"first halves {_num(co['first_half'])}, second halves {_num(co['second_half'])}"
                       if co.get("status") == "estimated" else "not assessable")
            lines.append(f"    B - A per protocol: {pp_text}; carry-over check, B - A in {co_text}")
    if d["smallest_p"] > 0.05:
        lines += ["", f"Note: with {d['blocks']} blocks the randomisation test has {d['allowed_orders']} orders, "
                  f"so no p below {_p(d['smallest_p'])} is possible; the 95 % interval carries the inference."]
    if len(result.flareups):
        lines += ["", "Flare-up onsets during the experiment (reported, not modelled): "
                  + "; ".join(f"{r.region} {r.side} {r.onset_date:%Y-%m-%d} (block {r.block}, {r.condition})"
                              for r in result.flareups.itertuples())]
    return "\n".join(lines)


def plan_summary(plan: pd.DataFrame) -> str:
    """What ``runlog experiment plan`` prints: one line per block and what the design can show."""
    from .plan import order_text, plan_blocks, smallest_p

    blocks = plan_blocks(plan)
    a, b = plan.attrs.get("conditions") or tuple(dict.fromkeys(blocks["condition"]))
    lines = [f"{len(blocks)} blocks, A = {a}, B = {b}, order {order_text(plan)}:"]
    for r in blocks.itertuples(index=False):
        wash = f", wash-out to {r.analysed_from - pd.Timedelta(days=1):%Y-%m-%d}" if r.washout_days else ""
        lines.append(f"  block {r.block}  {r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}  {r.condition}{wash}")
    km = plan["weekly_km"].dropna()
    lines.append(f"Hold weekly distance at {float(km.iloc[0]):g} km in every block." if len(km) else
                 "Hold weekly distance the same in every block (--weekly-km sets a number).")
    if len(blocks) == 4:
        lines.append("With 4 blocks one degree of freedom is left for the interval: expect it to be very wide; "
                     "6 or 8 blocks are better.")
    p = smallest_p(len(blocks) // 2)
    if p > 0.05:
        lines.append(f"With {len(blocks)} blocks the randomisation test cannot give p below {p:.3g}; the 95 % "
                     "interval carries the result (12 blocks would allow p = 0.031).")
    lines.append("Log first-steps (morning) pain every day; the 24-hour rule is on the protocol (--pdf).")
    return "\n".join(lines)


def write_json(result, path) -> Path:
    """Write :meth:`ExperimentResult.to_json` to ``path`` (via a temporary file renamed into place)."""
    from .plan import write_text

    return write_text(json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n", path)
