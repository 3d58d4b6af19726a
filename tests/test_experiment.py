"""The footwear self-experiment: plan, calendar, analysis, JSON, PDFs and the command (issue [K])."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import RunlogError
from analysis.experiment import (
    analyse_experiment,
    block_adherence,
    block_effect,
    make_plan,
    morning_days,
    plan_to_csv,
    plan_to_ics,
    read_plan,
    validate_plan,
)
from analysis.experiment.analyse import block_outcomes, carry_over, randomisation_p, weekly_blocks
from analysis.experiment.plan import smallest_p

A, B = "barefoot-style", "traditional"


# ---------------------------------------------------------------- helpers


def small_plan(order: str = "ABBA", days: int = 5, washout: int = 1, start: str = "2026-03-02") -> pd.DataFrame:
    """A plan with the given block order (letters), ``days`` per block."""
    conds = [A if c == "A" else B for c in order]
    rows = []
    for i, c in enumerate(conds):
        for d in range(days):
            rows.append({"date": pd.Timestamp(start) + pd.Timedelta(days=i * days + d), "block": i + 1,
                         "pair": i // 2 + 1, "condition": c, "arm": "A" if c == A else "B",
                         "washout": d < washout, "weekly_km": np.nan})
    return validate_plan(pd.DataFrame(rows))


def diary_from(plan: pd.DataFrame, values, region: str = "achilles", side: str = "R") -> pd.DataFrame:
    """Morning entries: one value per plan day (None = not logged)."""
    rows = [{"date": d, "time_of_day": "morning", "region": region, "side": side, "pain": int(v)}
            for d, v in zip(plan["date"], values, strict=True) if v is not None]
    return pd.DataFrame(rows)


def runs_from(plan: pd.DataFrame, per_day: dict | None = None) -> pd.DataFrame:
    """One 5-km run per day in the planned footwear, unless ``per_day`` says otherwise."""
    cls = {A: "minimalist", B: "traditional"}
    rows = [{"date": d, "distance_m": 5000.0, "shoe_class": cls[c]} for d, c in zip(plan["date"], plan["condition"],
                                                                                   strict=True)]
    runs = pd.DataFrame(rows)
    for day, (km, shoe) in (per_day or {}).items():
        runs = pd.concat([runs, pd.DataFrame([{"date": pd.Timestamp(day), "distance_m": km * 1000,
                                               "shoe_class": shoe}])], ignore_index=True)
    return runs


# ---------------------------------------------------------------- plan


def test_make_plan_is_pair_counterbalanced_with_washout_and_reproducible():
    plan = make_plan("2026-03-02", blocks=6, block_days=14, washout_days=3, weekly_km=30, seed=11)
    assert len(plan) == 84 and plan["date"].is_monotonic_increasing and plan["date"].diff().dropna().dt.days.eq(1).all()
    for _, pair in plan.groupby("pair"):
        assert sorted(pair.groupby("block")["condition"].first()) == sorted([A, B])
    washout = plan.groupby("block")["washout"].sum()
    assert (washout == 3).all()
    assert plan.groupby("block").head(3)["washout"].all()  # the wash-out is the first days
    assert (plan["weekly_km"] == 30).all()
    again = make_plan("2026-03-02", blocks=6, block_days=14, washout_days=3, weekly_km=30, seed=11)
    pd.testing.assert_frame_equal(plan, again)
    assert plan.attrs == {"seed": 11, "conditions": (A, B)}
    assert set(plan.loc[plan["condition"] == A, "arm"]) == {"A"}


def test_pair_orders_are_fair_coins():
    first = [make_plan("2026-01-05", blocks=4, seed=s).iloc[0]["condition"] for s in range(400)]
    share = np.mean([c == A for c in first])
    assert 0.42 < share < 0.58  # 400 fair coins: SD 0.025
    orders = {"".join(make_plan("2026-01-05", blocks=4, seed=s).groupby("block")["arm"].first()) for s in range(60)}
    assert orders == {"ABAB", "ABBA", "BAAB", "BABA"}


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"blocks": 5}, "even"),
        ({"blocks": 2}, "at least 4"),
        ({"block_days": 4, "washout_days": 3}, "fewer than 2 analysed days"),
        ({"compare": ("barefoot-style", "barefoot-style")}, "two different"),
        ({"compare": ("barefoot-style", "sandals")}, "unknown condition 'sandals'"),
        ({"weekly_km": -3}, "positive"),
    ],
)
def test_make_plan_refuses_designs_it_cannot_analyse(kwargs, words):
    with pytest.raises(RunlogError, match=words):
        make_plan("2026-03-02", **kwargs)


def test_plan_csv_round_trip(tmp_path):
    plan = make_plan("2026-03-02", blocks=4, block_days=7, washout_days=2, weekly_km=25.5, seed=3)
    path = tmp_path / "plan.csv"
    path.write_text(plan_to_csv(plan))
    text = path.read_text().splitlines()
    assert text[0] == "date,block,pair,condition,arm,washout,weekly_km"
    assert text[1].startswith("2026-03-02,1,1,") and text[1].endswith(",true,25.5")
    back = read_plan(path)
    pd.testing.assert_frame_equal(back, plan[back.columns.tolist()], check_dtype=False)
    assert back.attrs["conditions"] == (A, B)


def test_plan_without_arm_or_pair_columns_still_reads(tmp_path):
    path = tmp_path / "plan.csv"
    lines = ["date,block,condition,washout"]
    for i, c in enumerate(["traditional", "barefoot-style", "barefoot-style", "traditional"]):
        for d in range(3):
            lines.append(f"{pd.Timestamp('2026-03-02') + pd.Timedelta(days=3 * i + d):%Y-%m-%d},{i + 1},{c},"
                         f"{'yes' if d == 0 else 'no'}")
    path.write_text("\n".join(lines) + "\n")
    plan = read_plan(path)
    assert plan["pair"].tolist() == [1] * 6 + [2] * 6
    assert plan.attrs["conditions"] == ("traditional", "barefoot-style")  # A = the first day's condition
    assert plan["washout"].sum() == 4


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda f: f.assign(condition="traditional", arm="A"), "one condition only"),
        (lambda f: f.drop(columns="washout"), "no column washout"),
        (lambda f: f.assign(date=f["date"].where(f.index != 4, "03/07/2026")), r"row 6: date is not a date"),
        (lambda f: f.assign(condition=np.where(f["block"].astype(int) <= 2, "traditional", f["condition"]),
                            arm=np.where(f["block"].astype(int) <= 2, "B", f["arm"])), "pair 1"),
        (lambda f: f.iloc[:-7], "even number"),
    ],
)
def test_bad_plans_name_file_and_row(tmp_path, edit, words):
    plan = make_plan("2026-03-02", blocks=4, block_days=7, washout_days=2, seed=1)
    frame = pd.read_csv(pd.io.common.StringIO(plan_to_csv(plan)), dtype=str, keep_default_na=False)
    path = tmp_path / "plan.csv"
    edit(frame).to_csv(path, index=False)
    with pytest.raises(RunlogError, match=words) as err:
        read_plan(path)
    assert "plan.csv" in str(err.value) and "\n" not in str(err.value)


def test_ics_is_rfc5545_all_day_events():
    plan = make_plan("2026-03-02", blocks=4, block_days=14, washout_days=3, weekly_km=30, seed=2)
    import datetime as dt

    text = plan_to_ics(plan, stamp=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC))
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\n" not in text.replace("\r\n", "")
    assert text.count("BEGIN:VEVENT") == 4 and text.count("END:VEVENT") == 4
    assert "DTSTART;VALUE=DATE:20260302\r\n" in text
    assert "DTEND;VALUE=DATE:20260316\r\n" in text  # exclusive: the day after the block's 14th day
    assert "DTEND;VALUE=DATE:20260427\r\n" in text  # last block ends 2026-04-26
    assert "DTSTAMP:20260101T120000Z" in text
    unfolded = text.replace("\r\n ", "")
    desc = next(line for line in unfolded.split("\r\n") if line.startswith("DESCRIPTION:"))
    assert "5/10\\, follow the 24-hour rule" in desc  # comma escaped
    assert "about 30 km" in desc and "wash-out" in desc
    uids = [line for line in unfolded.split("\r\n") if line.startswith("UID:")]
    assert len(set(uids)) == 4


# ---------------------------------------------------------------- analysis, by hand


def test_effect_by_hand_abba():
    """ABBA with full logging: the condition is orthogonal to the trend, so the estimate is mean(B) - mean(A)."""
    plan = small_plan("ABBA", days=5, washout=1)
    # analysed days 2-5 of each block; block means A 1.0 and 1.5, B 3.0 and 3.5
    per_block = {1: [9, 1, 1, 1, 1], 2: [0, 3, 3, 3, 3], 3: [9, 3, 4, 3, 4], 4: [0, 1, 2, 1, 2]}
    values = [v for b in (1, 2, 3, 4) for v in per_block[b]]
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values), flareups=False)
    ach = res.regions["achilles"]
    assert ach["status"] == "estimated" and ach["n_days"] == 16 and ach["df"] == 1
    assert ach["estimate"] == pytest.approx(2.0)  # (3.0 + 3.5) / 2 - (1.0 + 1.5) / 2
    assert ach["mean_a"] == pytest.approx(1.25) and ach["mean_b"] == pytest.approx(3.25)
    assert ach["ci"][0] < 2.0 < ach["ci"][1]
    # 4 orders; the observed one and its mirror image (BAAB, -2.0) are the most extreme: p = 2/4
    assert ach["p_randomisation"] == pytest.approx(0.5) == smallest_p(2)
    assert ach["unadjusted"]["estimate"] == pytest.approx(2.0) and ach["unadjusted"]["pairs"] == 2
    for region in ("plantar", "patellar", "glute"):
        assert res.regions[region]["status"] == "insufficient data"


def test_block_effect_ci_matches_statsmodels_by_hand():
    blocks = pd.DataFrame({"pair": [1, 1, 2, 2, 3, 3], "condition": [A, B, B, A, A, B],
                           "mean": [1.0, 2.6, 3.1, 1.2, 0.8, 2.2], "time_weeks": [1, 3, 5, 7, 9, 11]})
    fit = block_effect(blocks, B)
    x = np.column_stack([np.ones(6), [0, 1, 1, 0, 0, 1], np.array([1, 3, 5, 7, 9, 11]) - 6.0])
    beta, res, *_ = np.linalg.lstsq(x, blocks["mean"].to_numpy(), rcond=None)
    sigma2 = res[0] / 3
    se = np.sqrt(sigma2 * np.linalg.inv(x.T @ x)[1, 1])
    from scipy import stats

    q = stats.t.ppf(0.975, 3)
    assert fit["estimate"] == pytest.approx(beta[1])
    assert fit["ci"] == pytest.approx([beta[1] - q * se, beta[1] + q * se])
    assert fit["df"] == 3
    assert fit["p_randomisation"] in {k / 8 for k in range(1, 9)}


def test_randomisation_p_counts_orders():
    # 3 pairs, a large consistent effect: only the observed order and its mirror are as extreme
    y = np.array([0.0, 2.0, 2.1, 0.1, 0.2, 2.2])
    is_b = np.array([False, True, True, False, False, True])
    p = randomisation_p(y, is_b, np.arange(6.0), np.array([1, 1, 2, 2, 3, 3]))
    assert p == pytest.approx(2 / 8)
    # no effect at all: every order ties -> p = 1
    assert randomisation_p(np.ones(6), is_b, np.arange(6.0), np.array([1, 1, 2, 2, 3, 3])) == 1.0


def test_block_interval_holds_its_level_under_the_null():
    """Block means with drift and no effect: the 95 % interval excludes 0 about 5 % of the time."""
    rng = np.random.default_rng(2024)
    hits, n = 0, 400
    for _ in range(n):
        order = [c for f in rng.integers(0, 2, 3) for c in ((A, B) if f else (B, A))]
        t = np.arange(6) * 2.0 + 1
        y = 2 + 0.1 * t + rng.normal(0, 0.6, 6)
        fit = block_effect(pd.DataFrame({"pair": [1, 1, 2, 2, 3, 3], "condition": order, "mean": y,
                                         "time_weeks": t}), B, randomisation=False)
        hits += fit["ci"][0] > 0 or fit["ci"][1] < 0
    assert 0.02 <= hits / n <= 0.085


def test_planted_effect_is_found_in_a_simulated_experiment():
    plan = make_plan("2026-03-02", blocks=8, block_days=14, washout_days=3, seed=5)
    rng = np.random.default_rng(7)
    noise = np.zeros(len(plan))
    for t in range(1, len(plan)):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(0, 0.6)
    pain = np.clip(np.round(2 + 2.0 * (plan["condition"] == A).to_numpy() + noise), 0, 10)
    logged = rng.random(len(plan)) > 0.2
    values = [v if k else None for v, k in zip(pain, logged, strict=True)]
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values), flareups=False)
    ach = res.regions["achilles"]
    assert ach["estimate"] < 0  # B (traditional) minus A (barefoot-style): 2 points lower
    assert ach["ci"][0] < -2.0 < ach["ci"][1] and ach["ci"][1] < 0
    assert ach["p_randomisation"] == pytest.approx(smallest_p(4))
    text = res.conclusions["achilles"]
    assert text.startswith("Morning Achilles pain was") and "higher in barefoot-style blocks" in text
    assert "8 of 8 blocks adhered" in text


def test_adherence_counts_km_in_planned_footwear_unknown_against():
    plan = small_plan("ABBA", days=5, washout=1)
    runs = runs_from(plan, {"2026-03-03": (10.0, "traditional"), "2026-03-04": (5.0, "unknown")})
    days = morning_days(plan, diary_from(plan, [1] * 20))
    adh = block_adherence(plan, runs, days)
    first = adh.iloc[0]
    assert first["km"] == pytest.approx(40.0)  # 5 x 5 km planned + 10 + 5
    assert first["km_planned"] == pytest.approx(25.0) and first["km_other"] == pytest.approx(10.0)
    assert first["km_unknown"] == pytest.approx(5.0)
    assert first["adherence"] == pytest.approx(25 / 40) and not first["adhered"]
    assert first["weekly_km"] == pytest.approx(40 / 5 * 7)
    assert adh["adhered"].tolist() == [False, True, True, True]
    assert adh["days_logged"].tolist() == [4, 4, 4, 4] and adh["days_analysed"].tolist() == [4, 4, 4, 4]
    # partial shoes count as traditional (GROUPING)
    runs2 = runs_from(plan).assign(shoe_class=lambda f: f["shoe_class"].replace("traditional", "partial"))
    assert block_adherence(plan, runs2, days)["adhered"].all()


def test_per_protocol_leaves_out_blocks_below_threshold():
    plan = small_plan("ABBAABBA", days=5, washout=1)
    values = [1 if c == A else 3 for c in plan["condition"]]
    values = [v + (i % 2) for i, v in enumerate(values)]
    # block 1 (barefoot-style) run entirely in traditional shoes
    runs = runs_from(plan)
    runs.loc[runs["date"] < "2026-03-07", "shoe_class"] = "traditional"
    res = analyse_experiment(plan, runs, diary_from(plan, values), flareups=False)
    pp = res.regions["achilles"]["per_protocol"]
    assert res.adherence["adhered"].tolist() == [False] + [True] * 7
    assert pp["blocks"] == {"A": 3, "B": 4} and pp["status"] == "estimated"
    assert res.regions["achilles"]["blocks"] == {"A": 4, "B": 4}
    assert "7 of 8 blocks adhered" in res.conclusions["achilles"]


def test_insufficient_data_when_a_condition_has_one_logged_block():
    plan = small_plan("ABBA", days=5, washout=1)
    values = [1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, None, None, None, None, 1, 1, 1, 1, 1]  # block 3: wash-out only
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values), flareups=False)
    ach = res.regions["achilles"]
    assert ach["status"] == "insufficient data" and ach["estimate"] is None
    assert "1 blocks" in ach["reason"] or "+ 1 blocks" in ach["reason"]
    assert "insufficient data" in res.conclusions["achilles"]


def test_carry_over_check_by_block_halves():
    blocks = pd.DataFrame({"block": [1, 2, 3, 4], "condition": [A, B, B, A], "first_half": [2.0, 2.0, 2.0, 2.0],
                           "second_half": [0.0, 4.0, 4.0, 0.0]})
    co = carry_over(blocks, B)
    assert co["first_half"] == pytest.approx(0.0) and co["second_half"] == pytest.approx(4.0)
    assert co["difference"] == pytest.approx(4.0)


def test_block_halves_split_the_analysed_days():
    plan = small_plan("ABBA", days=6, washout=1)  # 5 analysed days: halves are days 1-2 and 4-5
    values = [0, 1, 1, 5, 3, 3] * 4
    out = block_outcomes(morning_days(plan, diary_from(plan, values)), "achilles")
    assert out["first_half"].tolist() == [1.0] * 4 and out["second_half"].tolist() == [3.0] * 4
    assert out["mean"].tolist() == pytest.approx([2.6] * 4)


def test_sides_merge_to_the_worse_one():
    plan = small_plan("ABBA", days=5, washout=1)
    left = diary_from(plan, [1] * 20, side="L")
    right = diary_from(plan, [1 if c == A else 4 for c in plan["condition"]], side="R")
    res = analyse_experiment(plan, runs_from(plan), pd.concat([left, right]), flareups=False)
    assert res.regions["achilles"]["mean_b"] == pytest.approx(4.0)


def test_ostrc_weekly_severity_as_secondary_outcome():
    plan = small_plan("ABBA", days=14, washout=3, start="2026-03-02")  # a Monday: week 2 of each block is analysed
    weeks = pd.date_range("2026-03-02", periods=8, freq="7D")
    sev = [50, 8, 50, 25, 50, 33, 50, 8]  # the analysed weeks: A 8, B 25 and 33, A 8
    ostrc = pd.DataFrame({"week": weeks, "region": "achilles", "severity": sev})
    wb = weekly_blocks(plan, ostrc)
    assert wb["n_weeks"].tolist() == [1, 1, 1, 1] and wb["mean"].tolist() == [8, 25, 33, 8]
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, [1] * len(plan)), ostrc=ostrc, flareups=False)
    assert res.regions["achilles"]["ostrc"]["estimate"] == pytest.approx(21.0)  # 29 - 8
    assert res.regions["achilles"]["ostrc"]["n_weeks"] == 4


def test_flareups_during_the_experiment_are_listed_by_block():
    plan = small_plan("ABBA", days=10, washout=2)
    values = [0] * 40
    values[24:29] = [6, 6, 5, 4, 3]  # block 3 from its 5th day
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values))
    onsets = res.flareups
    assert len(onsets) == 1 and onsets.iloc[0]["block"] == 3 and onsets.iloc[0]["condition"] == B
    assert onsets.iloc[0]["onset_date"] == pd.Timestamp("2026-03-26")
    assert "1 in traditional blocks" in dict(res.cent_items())["harms"]


# ---------------------------------------------------------------- bad diaries


def test_diary_outside_the_plan_is_refused():
    plan = small_plan("ABBA")
    pain = diary_from(plan, [1] * 20).assign(date=lambda f: f["date"] + pd.Timedelta(days=365))
    with pytest.raises(RunlogError, match="does not cover the diary") as err:
        analyse_experiment(plan, runs_from(plan), pain, diary="pain.csv")
    assert str(err.value).startswith("pain.csv: ")


def test_block_without_morning_entries_is_refused_but_unreached_blocks_are_not():
    plan = small_plan("ABBA")
    values = [1] * 5 + [None] * 5 + [2] * 10
    with pytest.raises(RunlogError, match="no morning pain entries in block 2"):
        analyse_experiment(plan, runs_from(plan), diary_from(plan, values))
    # an experiment under way: blocks after the diary's last morning are "not reached"
    values = [1] * 10 + [None] * 10
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values), flareups=False)
    assert res.adherence["reached"].tolist() == [True, True, False, False]
    assert res.design["blocks_reached"] == 2 and res.regions["achilles"]["status"] == "insufficient data"


def test_only_during_entries_do_not_count_as_mornings():
    plan = small_plan("ABBA")
    pain = diary_from(plan, [2] * 20).assign(time_of_day="during")
    with pytest.raises(RunlogError, match="morning"):
        analyse_experiment(plan, runs_from(plan), pain)


# ---------------------------------------------------------------- JSON and paper


def test_json_contract_and_cent_items():
    plan = small_plan("ABBAABBA", days=7, washout=2)
    rng = np.random.default_rng(3)
    values = list(rng.integers(0, 4, len(plan)))
    res = analyse_experiment(plan, runs_from(plan), diary_from(plan, values))
    out = json.loads(json.dumps(res.to_json(), allow_nan=False))
    assert {"design", "adherence", "regions"} <= set(out)
    assert out["design"]["conditions"] == {"A": A, "B": B} and out["design"]["allowed_orders"] == 16
    assert out["design"]["smallest_p"] == 0.125 and out["design"]["order"] == "ABBAABBA"
    assert len(out["adherence"]) == 8 and {"block", "adherence", "adhered", "weekly_km", "days_logged"} <= set(
        out["adherence"][0])
    for region, entry in out["regions"].items():
        assert {"estimate", "ci", "p_randomisation", "n_days", "status"} <= set(entry), region
        assert entry["status"] in ("estimated", "insufficient data")
    assert out["regions"]["achilles"]["status"] == "estimated"
    items = dict((c["item"], c["text"]) for c in out["cent"])
    assert {"3a trial design", "8-10 randomisation", "11a blinding", "adherence", "missing data"} <= set(items)
    assert "Not possible" in items["11a blinding"]


def test_pdfs_protocol_one_page_and_results(tmp_path):
    from pypdf import PdfReader

    from analysis.experiment.protocol import plot_experiment, write_experiment_pdf, write_protocol_pdf

    plan = make_plan("2026-03-02", blocks=8, block_days=14, washout_days=3, weekly_km=30, seed=9)
    path = write_protocol_pdf(plan, tmp_path / "protocol.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for words in ("24-hour rule", "5/10", "first steps", "30 km", "block"):
        assert words in text
    values = [1 + (c == A) for c in plan["condition"]]
    pain = pd.concat([diary_from(plan, values), diary_from(plan, values, region="plantar")])
    res = analyse_experiment(plan, runs_from(plan), pain)
    fig = plot_experiment(res)
    assert len(fig.axes) == 2  # the two regions with entries
    out = write_experiment_pdf(res, tmp_path / "experiment.pdf")
    pages = PdfReader(out).pages
    assert len(pages) >= 2
    assert "CENT" in "".join(p.extract_text() for p in pages)


# ---------------------------------------------------------------- the command


def _write_inputs(tmp: Path, order_seed: int = 4) -> dict[str, Path]:
    """A plan, a generic runs CSV with named shoes, a shoes catalog and a diary (A pain 1, B pain 3)."""
    plan = make_plan("2026-03-02", blocks=4, block_days=7, washout_days=2, seed=order_seed)
    (tmp / "plan.csv").write_text(plan_to_csv(plan))
    shoe = {A: "Primus", B: "Kayano"}
    lines = ["start_time,distance_m,moving_time_s,gear_name,name,sport"]
    for d, c in zip(plan["date"], plan["condition"], strict=True):
        lines.append(f"{d:%Y-%m-%d}T07:00:00Z,6000,1800,{shoe[c]},Morning run,running")
    (tmp / "runs.csv").write_text("\n".join(lines) + "\n")
    (tmp / "shoes.csv").write_text("name,shoe_class\nPrimus,minimalist\nKayano,traditional\n")
    rows = ["date,time_of_day,region,side,pain,activity_id,notes"]
    for i, (d, c) in enumerate(zip(plan["date"], plan["condition"], strict=True)):
        rows.append(f"{d:%Y-%m-%d},morning,achilles,R,{(1 if c == A else 3) + i % 2},,")
    (tmp / "pain.csv").write_text("\n".join(rows) + "\n")
    return {k: tmp / f"{k}.csv" for k in ("plan", "runs", "shoes", "pain")}


def test_cli_plan_writes_csv_ics_pdf_and_is_reproducible(tmp_path, capsys):
    args = ["experiment", "plan", "--start", "2026-03-02", "--seed", "42", "--weekly-km", "30"]
    assert main([*args, "-o", str(tmp_path / "a.csv"), "--ics", str(tmp_path / "a.ics"),
                 "--pdf", str(tmp_path / "a.pdf")]) == 0
    out = capsys.readouterr().out
    assert "seed 42" in out and "block 6" in out and "0.25" in out
    assert main([*args, "-o", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert len(read_plan(tmp_path / "a.csv")) == 84
    assert (tmp_path / "a.ics").read_bytes().count(b"BEGIN:VEVENT") == 6
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")


def test_cli_analyse_on_hand_built_files(tmp_path, capsys):
    f = _write_inputs(tmp_path)
    code = main(["experiment", "analyse", str(f["runs"]), "--shoes", str(f["shoes"]), "--plan", str(f["plan"]),
                 "--pain", str(f["pain"]), "--tz", "UTC", "--no-progress", "--json", str(tmp_path / "out.json"),
                 "-o", str(tmp_path / "experiment.pdf")])
    assert code == 0
    out = capsys.readouterr().out
    assert "4 of 4 blocks adhered" in out and "100 %" in out
    data = json.loads((tmp_path / "out.json").read_text())
    ach = data["regions"]["achilles"]
    assert ach["status"] == "estimated" and ach["n_days"] == 20
    assert ach["estimate"] == pytest.approx(2.0, abs=0.25)  # B (3-4) minus A (1-2), alternating by day
    assert all(b["adherence"] == 1.0 for b in data["adherence"])
    assert (tmp_path / "experiment.pdf").stat().st_size > 1000


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    repo = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=180,
                          cwd=cwd, env={**__import__("os").environ, "PYTHONPATH": str(repo)})


@pytest.mark.parametrize("case", ["one_condition", "plan_outside_diary", "block_without_mornings"])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, case, capsys):
    f = _write_inputs(tmp_path)
    if case == "one_condition":
        text = f["plan"].read_text().replace(A, B).replace(",A,", ",B,")
        f["plan"].write_text(text)
        words = "one condition only"
    elif case == "plan_outside_diary":
        plan = make_plan("2027-03-01", blocks=4, block_days=7, washout_days=2, seed=1)
        f["plan"].write_text(plan_to_csv(plan))
        words = "does not cover the diary"
    else:
        lines = f["pain"].read_text().splitlines()
        keep = [ln for ln in lines if not ("2026-03-09" <= ln[:10] <= "2026-03-15")]  # block 2
        f["pain"].write_text("\n".join(keep) + "\n")
        words = "no morning pain entries in block 2"
    args = ["experiment", "analyse", str(f["runs"]), "--shoes", str(f["shoes"]), "--plan", str(f["plan"]),
            "--pain", str(f["pain"]), "--tz", "UTC", "--no-progress", "--no-cache"]
    if case == "one_condition":  # once through a real process: exit status and stderr as a shell sees them
        proc = _run(args, tmp_path)
        code, err = proc.returncode, proc.stderr
    else:
        code = main(args)
        err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and words in err
    assert ("plan.csv" if case == "one_condition" else "pain.csv") in err


def test_cli_analyse_on_the_embedded_sample(tmp_path, tmp_path_factory, capsys, sample_dir, request, monkeypatch):
    """The sample runner did no experiment: a plan over its spring 2024 still analyses, with poor adherence."""
    from tests.conftest import sample_cache_dir

    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(sample_cache_dir(request.config, tmp_path_factory)))
    assert main(["experiment", "plan", "--start", "2024-03-04", "--seed", "3", "-o", str(tmp_path / "plan.csv")]) == 0
    code = main(["experiment", "analyse", "--plan", str(tmp_path / "plan.csv"), "--pain",
                 str(sample_dir / "pain.csv"), "--tz", "Europe/Copenhagen", "--no-progress",
                 "--json", str(tmp_path / "out.json")])
    assert code == 0
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["design"]["blocks_reached"] == 6
    km = sum(b["km"] for b in data["adherence"])
    assert 100 < km < 600  # about 3.5 km/day in the sample
    assert any(not b["adhered"] for b in data["adherence"])  # nobody kept a plan they never had
    assert all(data["regions"][r]["status"] in ("estimated", "insufficient data") for r in data["regions"])


def test_plan_with_a_condition_runlog_cannot_check_is_refused(tmp_path):
    plan = make_plan("2026-03-02", blocks=4, block_days=7, washout_days=2, seed=1)
    path = tmp_path / "plan.csv"
    path.write_text(plan_to_csv(plan).replace("barefoot-style", "sandals"))
    with pytest.raises(RunlogError, match="'sandals' is not a footwear group or class"):
        read_plan(path)


def test_cli_plan_ics_and_pdf_are_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    """[V]: with SOURCE_DATE_EPOCH set, the protocol PDF and the ICS carry no wall-clock time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    args = ["experiment", "plan", "--start", "2026-03-02", "--seed", "42", "--weekly-km", "30"]
    for name in ("a", "b"):
        assert main([*args, "-o", str(tmp_path / f"{name}.csv"), "--ics", str(tmp_path / f"{name}.ics"),
                     "--pdf", str(tmp_path / f"{name}.pdf")]) == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.ics").read_bytes() == (tmp_path / "b.ics").read_bytes()
    assert b"DTSTAMP:20260101T000000Z" in (tmp_path / "a.ics").read_bytes()
    assert b"D:20260101000000" in (tmp_path / "a.pdf").read_bytes()
