"""This week's answer per region: progress, hold or reduce, and next week's allowance (METHODS.md 9).

The pain-monitoring model (Silbernagel et al. 2007, AJSM 35:897) applied to the 7
days ending at the as-of date, per region on the worse side of each day, exactly as
METHODS.md 9 words it:

- ``not enough diary``: fewer than 4 logged mornings in the 7 days (the count is given);
- ``reduce`` if any of, in this order (the first that fires is the reason printed):
  a ``during`` or ``after`` value > 5; a morning after a run at least 2 points above
  the last logged morning before that run (did not settle overnight); the 7 days'
  mean morning pain at least 1.0 point above the 7 days before (>= 4 logged mornings
  in each); an open flare-up episode (METHODS.md 4, :func:`analysis.flareups.detect_flareups`);
- ``hold`` otherwise if any ``during``/``after`` value is 3-5;
- ``progress`` otherwise.

Next week's allowance (km by shoe class, METHODS.md 3, groups of
:data:`analysis.schema.GROUPING`): progress = total <= 1.10 x this week's km,
barefoot-style share <= this week's share + 10 points, no single barefoot-style run
above 110 % of the longest of the last 30 days; hold = this week's km and share;
reduce = the km and share of the most recent earlier week (at most 4 back) decided
progress or hold, else 50 % of this week's km and share. The barefoot-style km cap
is the share cap times the total cap.

"Open" flare-up: an episode with onset on or before the week's last day and no end
before or on it. The episodes come from the whole diary, so an onset confirmed by
mornings after the week's end is dated inside it (the rule of METHODS.md 4 dates an
onset to the first of its 2-of-3 days); the week's own line uses the diary to its
last day only.

Pure functions over the daily pain grid (:func:`analysis.flareups.daily_pain`), the
runs frame with ``shoe_class`` and the episodes frame; the loops are over weeks and
regions (a few hundred at most), so plain Python is clearer than vectorising.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.schema import BAREFOOT_STYLE, GROUPING, REGIONS

#: METHODS.md 9 thresholds (pain-monitoring model, Silbernagel 2007)
MIN_MORNINGS = 4
HIGH_PAIN = 5  # during/after above this -> reduce
ACCEPTABLE_LOW = 3  # during/after 3-5 -> hold
NOT_SETTLED_POINTS = 2  # morning after a run this much above the last morning before it
RISING_MEAN_POINTS = 1.0  # week's mean morning this much above the week before
PROGRESS_KM_FACTOR = 1.10
PROGRESS_SHARE_POINTS = 0.10
LONGEST_RUN_FACTOR = 1.10
LONGEST_RUN_DAYS = 30
REDUCE_LOOKBACK_WEEKS = 4
REDUCE_FALLBACK = 0.5
DECISIONS = ("progress", "hold", "reduce", "not enough diary")
_EPS_KM = 1e-6

_ITEM_LABEL = {"during": "during-run pain", "after": "after-run pain"}


def _fmt_day(day) -> str:
    return pd.Timestamp(day).strftime("%Y-%m-%d")


def _fmt_pain(value: float) -> str:
    return f"{value:g}"


def worse_side(pain_daily: pd.DataFrame, region: str) -> pd.DataFrame:
    """One row per date for ``region``: each item the worse (higher) side of the day.

    Returns
    -------
    DataFrame
        Index ``date``; columns ``morning``, ``during``, ``after`` (float 0-10, NaN
        = not logged) and ``<item>_side`` (L, R, or B when both sides are equal).
    """
    p = pain_daily[pain_daily["region"] == region]
    out = pd.DataFrame(index=pd.DatetimeIndex(sorted(p["date"].unique()), name="date"))
    for item in ("morning", "during", "after"):
        wide = p.pivot_table(index="date", columns="side", values=item, aggfunc="max", dropna=False)
        wide = wide.reindex(index=out.index, columns=["L", "R"]).astype(float)
        out[item] = wide.max(axis=1, skipna=True)
        side = np.where(wide["L"].fillna(-1) > wide["R"].fillna(-1), "L",
                        np.where(wide["R"].fillna(-1) > wide["L"].fillna(-1), "R", "B"))
        out[f"{item}_side"] = np.where(out[item].notna(), side, None)
    return out


def run_days(runs: pd.DataFrame) -> pd.DatetimeIndex:
    """Local dates with at least one run."""
    if runs is None or not len(runs):
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(pd.to_datetime(runs["date"]).dt.normalize().dropna().unique()).sort_values()


def week_km(runs: pd.DataFrame, start, end, grouping: Mapping[str, str] | None = None) -> dict:
    """Total and barefoot-style km of the runs dated ``start``..``end`` (inclusive), and the share.

    Returns
    -------
    dict
        ``km``, ``barefoot_style_km`` and ``share`` (barefoot-style / total, 0-1; 0 without runs).
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    if runs is None or not len(runs):
        return {"km": 0.0, "barefoot_style_km": 0.0, "share": 0.0}
    dates = pd.to_datetime(runs["date"]).dt.normalize()
    sel = runs[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    km = float(sel["distance_m"].astype(float).fillna(0).sum()) / 1000.0
    bf = _barefoot(sel, grouping)
    bf_km = float(sel.loc[bf, "distance_m"].astype(float).fillna(0).sum()) / 1000.0
    return {"km": km, "barefoot_style_km": bf_km, "share": bf_km / km if km > 0 else 0.0}


def _barefoot(runs: pd.DataFrame, grouping: Mapping[str, str]) -> pd.Series:
    if "shoe_class" not in runs:
        return pd.Series(False, index=runs.index)
    return runs["shoe_class"].astype("string").map(lambda c: grouping.get(c) == BAREFOOT_STYLE).fillna(False)


def longest_barefoot_run(runs: pd.DataFrame, end, grouping: Mapping[str, str] | None = None,
                         days: int = LONGEST_RUN_DAYS) -> tuple[float, pd.Timestamp] | None:
    """The longest barefoot-style run (km, date) of the ``days`` days ending at ``end``; None if none."""
    grouping = dict(GROUPING if grouping is None else grouping)
    if runs is None or not len(runs):
        return None
    dates = pd.to_datetime(runs["date"]).dt.normalize()
    end = pd.Timestamp(end)
    sel = runs[(dates > end - pd.Timedelta(days=days)) & (dates <= end)]
    sel = sel[_barefoot(sel, grouping).to_numpy(dtype=bool)]
    dist = sel["distance_m"].astype(float)
    if not len(sel) or dist.isna().all():
        return None
    i = dist.idxmax()
    return float(dist.loc[i]) / 1000.0, pd.Timestamp(pd.to_datetime(sel.loc[i, "date"])).normalize()


def _open_episode(episodes: pd.DataFrame | None, region: str, end: pd.Timestamp):
    if episodes is None or not len(episodes):
        return None
    e = episodes[(episodes["region"] == region) & (pd.to_datetime(episodes["onset_date"]) <= end)]
    ends = pd.to_datetime(e["end_date"])
    e = e[ends.isna() | (ends > end)]
    return None if not len(e) else e.sort_values("onset_date").iloc[-1]


def decide(days: pd.DataFrame, ran: pd.DatetimeIndex, end, *, region: str = "",
           episodes: pd.DataFrame | None = None) -> dict:
    """The decision of METHODS.md 9 for the 7 days ending at ``end`` (one region).

    Parameters
    ----------
    days : DataFrame
        :func:`worse_side` of the region (index date).
    ran : DatetimeIndex
        Dates with at least one run (:func:`run_days`).
    end : date-like
        The week's last day (the as-of date).
    region : str
        Region name (to find its flare-up episodes).
    episodes : DataFrame, optional
        :func:`analysis.flareups.detect_flareups` output.

    Returns
    -------
    dict
        ``decision`` (one of :data:`DECISIONS`), ``rule`` (the first rule that
        decided, with its date and value), ``rule_id``, ``date`` (of that value, or
        None), ``value``, ``side`` (the worse side the value came from: L, R or B),
        ``mornings`` (logged mornings in the 7 days), ``week_start``, ``week_end``.
    """
    end = pd.Timestamp(end).normalize()
    start = end - pd.Timedelta(days=6)
    week = days.loc[(days.index >= start) & (days.index <= end)]
    mornings = week["morning"].dropna()
    out = {"week_start": start, "week_end": end, "mornings": int(len(mornings)), "region": region}

    def result(decision, rule, rule_id, date=None, value=None, side=None):
        return {**out, "decision": decision, "rule": rule, "rule_id": rule_id, "date": date,
                "value": value, "side": side}

    if len(mornings) < MIN_MORNINGS:
        return result("not enough diary",
                      f"{len(mornings)} mornings logged {_fmt_day(start)}..{_fmt_day(end)} "
                      f"(need {MIN_MORNINGS})",
                      "mornings")
    run_pain = week[["during", "after"]].stack().dropna() if len(week) else pd.Series(dtype=float)
    # 1. during/after > 5: the highest, earliest at ties
    high = run_pain[run_pain > HIGH_PAIN]
    if len(high):
        (day, item), value = _highest(high)
        return result("reduce", f"{_ITEM_LABEL[item]} {_fmt_pain(value)}/10 on {_fmt_day(day)} (> {HIGH_PAIN})",
                      f"{item}_high", day, value, week.loc[day, f"{item}_side"])
    # 2. morning after a run not settled
    logged = days["morning"].dropna()
    for day, value in mornings.items():
        run_day = day - pd.Timedelta(days=1)
        if run_day not in ran:
            continue
        before = logged[logged.index <= run_day]
        if not len(before):
            continue
        ref_day, ref = before.index[-1], float(before.iloc[-1])
        if value - ref >= NOT_SETTLED_POINTS:
            return result("reduce", f"morning {_fmt_pain(value)}/10 on {_fmt_day(day)} after run, "
                          f"{_fmt_pain(ref)}/10 on {_fmt_day(ref_day)}",
                          "not_settled", day, float(value), week.loc[day, "morning_side"])
    # 3. mean morning rising week to week
    prev_end = start - pd.Timedelta(days=1)
    prev = days.loc[(days.index >= prev_end - pd.Timedelta(days=6)) & (days.index <= prev_end), "morning"].dropna()
    if len(prev) >= MIN_MORNINGS:
        now_mean, prev_mean = float(mornings.mean()), float(prev.mean())
        if now_mean - prev_mean >= RISING_MEAN_POINTS - 1e-9:
            return result("reduce", f"mean morning {now_mean:.1f} to {_fmt_day(end)} vs {prev_mean:.1f} "
                          f"to {_fmt_day(prev_end)} (+{now_mean - prev_mean:.1f})",
                          "rising", end, round(now_mean - prev_mean, 2), None)
    # 4. an open flare-up episode
    ep = _open_episode(episodes, region, end)
    if ep is not None:
        onset = pd.Timestamp(ep["onset_date"])
        return result("reduce", f"flare-up episode open since {_fmt_day(onset)} (METHODS.md 4)",
                      "flare_open", onset, None, str(ep["side"]))
    acceptable = run_pain[(run_pain >= ACCEPTABLE_LOW) & (run_pain <= HIGH_PAIN)]
    if len(acceptable):
        (day, item), value = _highest(acceptable)
        return result("hold", f"{_ITEM_LABEL[item]} {_fmt_pain(value)}/10 on {_fmt_day(day)} (3-5)",
                      f"{item}_acceptable", day, value, week.loc[day, f"{item}_side"])
    if len(run_pain):
        (day, item), value = _highest(run_pain)
        return result("progress", f"{_ITEM_LABEL[item]} max {_fmt_pain(value)}/10 on {_fmt_day(day)} (<= 2)",
                      "all_low", day, value, week.loc[day, f"{item}_side"])
    day = mornings.idxmax()
    return result("progress", f"no run pain logged; morning max {_fmt_pain(mornings.max())}/10 on "
                  f"{_fmt_day(day)}", "all_low", day, float(mornings.max()), week.loc[day, "morning_side"])


def _highest(values: pd.Series):
    """(key, value) of the highest value, earliest date at ties (``values`` indexed by (date, item))."""
    top = values.max()
    key = sorted(k for k, v in values.items() if v == top)[0]
    return key, float(top)


def allowance(decision: str, this_week: dict, earlier: list[tuple[str, dict, pd.Timestamp]],
              longest: tuple[float, pd.Timestamp] | None) -> dict:
    """Next week's allowance (METHODS.md 9).

    Parameters
    ----------
    decision : str
        This week's decision.
    this_week : dict
        :func:`week_km` of the 7 days.
    earlier : list of (decision, week_km dict, week_end)
        The earlier weeks, most recent first (at most 4 are looked at).
    longest : (km, date) or None
        :func:`longest_barefoot_run` of the last 30 days.

    Returns
    -------
    dict
        ``next_week_km_max``, ``next_week_barefoot_style_km_max``,
        ``next_week_barefoot_style_share_max`` (0-1), ``barefoot_style_run_km_max``
        (progress only, else None), ``basis`` (words, with the day of each number).
        All None for ``not enough diary``.
    """
    none = {"next_week_km_max": None, "next_week_barefoot_style_km_max": None,
            "next_week_barefoot_style_share_max": None, "barefoot_style_run_km_max": None, "basis": None}
    km, share = this_week["km"], this_week["share"]
    run_max = None
    if decision == "progress":
        km_max, share_max = PROGRESS_KM_FACTOR * km, min(1.0, share + PROGRESS_SHARE_POINTS)
        basis = "this week +10 %, barefoot-style share +10 points"
        if longest is not None:
            run_max = LONGEST_RUN_FACTOR * longest[0]
            basis += f"; no barefoot-style run above 110 % of {longest[0]:.1f} km on {_fmt_day(longest[1])}"
    elif decision == "hold":
        km_max, share_max, basis = km, share, "this week's km and share"
    elif decision == "reduce":
        for dec, wk, wk_end in earlier[:REDUCE_LOOKBACK_WEEKS]:
            if dec in ("progress", "hold"):
                km_max, share_max = wk["km"], wk["share"]
                basis = f"km and share of the week to {_fmt_day(wk_end)} ({dec})"
                break
        else:
            km_max, share_max = REDUCE_FALLBACK * km, REDUCE_FALLBACK * share
            basis = "50 % of this week's km and share (no progress/hold week in the 4 before)"
    else:
        return none
    return {"next_week_km_max": round(km_max, 1),
            "next_week_barefoot_style_km_max": round(km_max * share_max, 1),
            "next_week_barefoot_style_share_max": round(share_max, 3),
            "barefoot_style_run_km_max": None if run_max is None else round(run_max, 1),
            "basis": basis}


def week_ends(pain_daily: pd.DataFrame, as_of=None) -> list[pd.Timestamp]:
    """The 7-day blocks' last days counted back from ``as_of`` (default the diary's last day), oldest first.

    Only blocks whose first day is on or after the diary's first day are kept.
    """
    if pain_daily is None or not len(pain_daily):
        return []
    dates = pd.to_datetime(pain_daily["date"])
    first = dates.min().normalize()
    end = pd.Timestamp(as_of).normalize() if as_of is not None else dates.max().normalize()
    out = []
    while end - pd.Timedelta(days=6) >= first:
        out.append(end)
        end -= pd.Timedelta(days=7)
    return out[::-1]


def weekly_decisions(pain_daily: pd.DataFrame, runs: pd.DataFrame, episodes: pd.DataFrame | None = None, *,
                     as_of=None, grouping: Mapping[str, str] | None = None,
                     regions=REGIONS) -> pd.DataFrame:
    """The decision and allowance of every week of the diary, per region (METHODS.md 9).

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    runs : DataFrame
        Canonical runs with ``shoe_class`` (``date``, ``distance_m``).
    episodes : DataFrame, optional
        :func:`analysis.flareups.detect_flareups` on the same grid.
    as_of : date-like, optional
        The last week's last day (default the diary's last day).
    grouping : mapping, optional
        Shoe class -> group (:data:`analysis.schema.GROUPING`).
    regions : sequence of str
        Regions to decide; a region with no diary row at all is left out.

    Returns
    -------
    DataFrame
        One row per region x week: the keys of :func:`decide` and :func:`allowance`,
        ``km`` and ``barefoot_style_km`` of the week, and ``next_km``,
        ``next_barefoot_style_km``, ``within_allowance`` (the following week's runs
        against this week's allowance; NA where the following week is not in the
        diary or there is no allowance).
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    ends = week_ends(pain_daily, as_of)
    if as_of is not None:
        pain_daily = pain_daily[pd.to_datetime(pain_daily["date"]) <= pd.Timestamp(as_of)]
    ran = run_days(runs)
    kms = {e: week_km(runs, e - pd.Timedelta(days=6), e, grouping) for e in ends}
    last_day = pd.to_datetime(pain_daily["date"]).max() if len(pain_daily) else None
    rows = []
    for region in regions:
        sub = pain_daily[pain_daily["region"] == region]
        if not len(sub) or not sub[["morning", "during", "after"]].notna().any().any():
            continue
        days = worse_side(pain_daily, region)
        history: list[tuple[str, dict, pd.Timestamp]] = []
        for end in ends:
            d = decide(days, ran, end, region=region, episodes=episodes)
            a = allowance(d["decision"], kms[end], history[::-1],
                          longest_barefoot_run(runs, end, grouping) if d["decision"] == "progress" else None)
            history.append((d["decision"], kms[end], end))
            row = {**d, **a, "km": round(kms[end]["km"], 1),
                   "barefoot_style_km": round(kms[end]["barefoot_style_km"], 1)}
            nxt_end = end + pd.Timedelta(days=7)
            within = pd.NA
            if a["next_week_km_max"] is not None and last_day is not None and nxt_end <= last_day:
                nxt = week_km(runs, end + pd.Timedelta(days=1), nxt_end, grouping)
                row["next_km"], row["next_barefoot_style_km"] = round(nxt["km"], 1), round(nxt["barefoot_style_km"], 1)
                within = bool(nxt["km"] <= a["next_week_km_max"] + 0.05 + _EPS_KM
                              and nxt["barefoot_style_km"] <= a["next_week_barefoot_style_km_max"] + 0.05 + _EPS_KM)
            row["within_allowance"] = within
            rows.append(row)
    return pd.DataFrame(rows)


def this_week(decisions: pd.DataFrame) -> pd.DataFrame:
    """The last week's row per region of :func:`weekly_decisions`."""
    if decisions is None or not len(decisions):
        return pd.DataFrame()
    last = decisions["week_end"].max()
    return decisions[decisions["week_end"] == last].reset_index(drop=True)


def adherence(decisions: pd.DataFrame) -> dict:
    """How often the following week stayed within the allowance (descriptive, METHODS.md 9).

    Returns
    -------
    dict
        ``weeks`` (weeks with an allowance and a following week in the diary) and
        ``within`` (of them, the following week within both km caps), per region and ``all``.
    """
    out = {}
    if decisions is None or not len(decisions):
        return {"all": {"weeks": 0, "within": 0}}
    known = decisions[decisions["within_allowance"].notna()]
    for region, g in known.groupby("region"):
        out[str(region)] = {"weeks": int(len(g)), "within": int(g["within_allowance"].astype(bool).sum())}
    out["all"] = {"weeks": int(len(known)), "within": int(known["within_allowance"].astype(bool).sum())}
    return out


#: columns of the week's lines: region, decision, next week's allowance, then the rule
_ALLOWANCE_WIDTH = 37


def line(row: Mapping) -> str:
    """One line (<= 100 columns) per region: decision, next week's allowance, the rule with its day and value.

    The allowance reads ``<= total km (barefoot-style km) km``; :func:`lines` prints the header naming it.
    """
    if row["decision"] == "not enough diary":
        return f"{row['region']:<9}not enough diary: {row['rule']}"
    head = (f"{row['region']:<9}{row['decision']:<9}<= {row['next_week_km_max']:.1f} "
            f"({row['next_week_barefoot_style_km_max']:.1f}) km")
    return head.ljust(max(_ALLOWANCE_WIDTH, len(head) + 1)) + row["rule"]


def lines(this: pd.DataFrame) -> list[str]:
    """The week's lines: the 7 days, a header, one line per region, then the shared guard-rail."""
    if this is None or not len(this):
        return ["this week: no pain diary entries, so no decision (give --pain)"]
    first = this.iloc[0]
    out = [f"week {_fmt_day(first['week_start'])}..{_fmt_day(first['week_end'])}: {first['km']:.1f} km run, "
           f"{first['barefoot_style_km']:.1f} km barefoot-style (METHODS.md 9)",
           "region   decision next week km (barefoot-style) rule that decided: its day and value"]
    out += [line(r) for _, r in this.iterrows()]
    guards = {r["basis"].split("; ", 1)[1] for _, r in this.iterrows()
              if r["decision"] == "progress" and isinstance(r.get("basis"), str) and "; " in r["basis"]}
    out += [f"progress also: {g}" for g in sorted(guards)]
    return out


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def to_json(this: pd.DataFrame, decisions: pd.DataFrame, as_of=None) -> tuple[dict, list[dict]]:
    """``this_week`` and ``weekly_decisions`` of the findings JSON (DESIGN.md)."""
    regions = {}
    for _, r in (this if this is not None else pd.DataFrame()).iterrows():
        regions[str(r["region"])] = {
            "decision": r["decision"], "rule": r["rule"], "rule_id": r["rule_id"],
            "date": None if r["date"] is None or pd.isna(r["date"]) else _fmt_day(r["date"]),
            "value": None if r["value"] is None or pd.isna(r["value"]) else float(r["value"]),
            "side": None if r["side"] is None or pd.isna(r["side"]) else str(r["side"]),
            "mornings": int(r["mornings"]), "km": float(r["km"]),
            "barefoot_style_km": float(r["barefoot_style_km"]),
            "next_week_km_max": _num(r["next_week_km_max"]),
            "next_week_barefoot_style_km_max": _num(r["next_week_barefoot_style_km_max"]),
            "next_week_barefoot_style_share_max": _num(r["next_week_barefoot_style_share_max"]),
            "barefoot_style_run_km_max": _num(r["barefoot_style_run_km_max"]),
            "basis": None if r["basis"] is None or pd.isna(r["basis"]) else str(r["basis"]),
        }
    end = this["week_end"].iloc[0] if this is not None and len(this) else as_of
    this_json = {"as_of": None if end is None else _fmt_day(end), "regions": regions,
                 "adherence": adherence(decisions)}
    weekly = [] if decisions is None or not len(decisions) else [
        {"week_end": _fmt_day(r["week_end"]), "region": str(r["region"]), "decision": r["decision"],
         "within_allowance": None if pd.isna(r["within_allowance"]) else bool(r["within_allowance"])}
        for _, r in decisions.iterrows()]
    return this_json, weekly


def with_questionnaires(week_lines: list[str], this: pd.DataFrame, latest: Mapping[str, str]) -> list[str]:
    """The week's lines with each region's latest questionnaire score (and change) on the line below it."""
    if not latest:
        return week_lines
    out = []
    for text in week_lines:
        out.append(text)
        region = text.split(" ", 1)[0]
        if region in latest:
            out.append(f"  {latest[region]}")
    shown = set(this["region"]) if this is not None and len(this) else set()
    out += [f"{region:<9}{latest[region]}" for region in latest if region not in shown]
    return out
