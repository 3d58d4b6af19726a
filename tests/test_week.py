"""The weekly decision and allowance (METHODS.md 9) on small hand-built diaries: every branch and boundary."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import flareups, schema
from analysis import week as wk

END = pd.Timestamp("2026-03-08")  # a week 2026-03-02..2026-03-08; the week before 2026-02-23..2026-03-01


def day(i: int) -> pd.Timestamp:
    """Day i of the diary: day 0 = 2026-02-23 (first day of the week before), day 7 = 2026-03-02."""
    return pd.Timestamp("2026-02-23") + pd.Timedelta(days=i)


def diary(rows, region="achilles", side="R") -> pd.DataFrame:
    """rows: (day index, time_of_day, pain)."""
    frame = pd.DataFrame([{"date": day(i), "time_of_day": t, "region": region, "side": side, "pain": p}
                          for i, t, p in rows])
    return flareups.daily_pain(schema.coerce_pain(frame))


def mornings(values, start=7):
    return [(start + k, "morning", v) for k, v in enumerate(values) if v is not None]


def runs(days_km, shoe_class="traditional"):
    rows = []
    for n, item in enumerate(days_km):
        i, km = item[:2]
        cls = item[2] if len(item) > 2 else shoe_class
        rows.append({"activity_id": f"r{n}", "date": day(i), "distance_m": km * 1000.0, "shoe_class": cls,
                     "start_time": day(i).tz_localize("UTC") + pd.Timedelta(hours=7)})
    return schema.coerce_runs(pd.DataFrame(rows).set_index("activity_id"))


NO_RUNS = schema.empty_runs()


def decide(rows, ran=NO_RUNS, episodes=None, region="achilles"):
    daily = diary(rows, region=region)
    return wk.decide(wk.worse_side(daily, region), wk.run_days(ran), END, region=region, episodes=episodes)


def test_four_mornings_are_enough_three_are_not():
    three = decide(mornings([1, None, 1, None, 1, None, None]))
    assert three["decision"] == "not enough diary" and three["mornings"] == 3
    assert "3 mornings logged 2026-03-02..2026-03-08 (need 4)" in three["rule"]
    four = decide(mornings([1, None, 1, None, 1, None, 1]))
    assert four["decision"] == "progress" and four["mornings"] == 4


def test_during_5_is_acceptable_6_is_not():
    base = mornings([1] * 7)
    five = decide([*base, (10, "during", 5)], runs([(10, 8)]))
    assert five["decision"] == "hold"
    assert five["rule"] == "during-run pain 5/10 (R) on 2026-03-05 (3-5)"
    six = decide([*base, (10, "during", 6)], runs([(10, 8)]))
    assert six["decision"] == "reduce" and six["rule_id"] == "during_high"
    assert six["rule"] == "during-run pain 6/10 (R) on 2026-03-05 (> 5)" and six["side"] == "R"
    after = decide([*base, (9, "after", 7), (11, "during", 7)], runs([(9, 8), (11, 8)]))
    assert after["rule"] == "after-run pain 7/10 (R) on 2026-03-04 (> 5)"  # highest, earliest at ties


def test_during_2_progresses_3_holds():
    base = mornings([1] * 7)
    assert decide([*base, (10, "during", 2)], runs([(10, 8)]))["decision"] == "progress"
    assert decide([*base, (10, "during", 3)], runs([(10, 8)]))["decision"] == "hold"


def test_morning_one_point_up_is_settled_two_is_not():
    ran = runs([(9, 10)])  # a run on 2026-03-04 (day 9); next morning day 10
    settled = decide(mornings([1, 1, 1, 2, 1, 1, 1]) + [(9, "during", 1)], ran)
    assert settled["decision"] == "progress"  # morning of day 10 is 1 above day 9's
    not_settled = decide(mornings([1, 1, 1, 3, 1, 1, 1]) + [(9, "during", 1)], ran)
    assert not_settled["decision"] == "reduce" and not_settled["rule_id"] == "not_settled"
    assert not_settled["rule"] == "morning 3/10 (R) on 2026-03-05 after run, 1/10 on 2026-03-04"
    no_run = decide(mornings([1, 1, 1, 3, 1, 1, 1]))  # the same jump without a run the day before
    assert no_run["decision"] == "progress"


def test_not_settled_compares_with_last_logged_morning_before_the_run():
    # run on day 9, no morning logged on day 9: the reference is day 8's
    ran = runs([(9, 10)])
    out = decide(mornings([1, 0, None, 2, 1, 1, 1]) + [(9, "during", 1)], ran)
    assert out["decision"] == "reduce" and "0/10 on 2026-03-03" in out["rule"]


def test_mean_morning_rising_by_one_point_reduces_below_does_not():
    before = mornings([1, 1, 1, 1, 1, 1, 1], start=0)
    rising = decide(before + mornings([2, 2, 2, 2, 2, 2, 2]))
    assert rising["decision"] == "reduce" and rising["rule_id"] == "rising"
    assert rising["rule"] == "mean morning 2.0 to 2026-03-08 vs 1.0 to 2026-03-01 (+1.0)"
    assert decide(before + mornings([2, 2, 2, 2, 2, 2, 1]))["decision"] == "progress"  # +0.86
    # the week before needs 4 logged mornings
    sparse = mornings([0, None, 0, None, 0, None, None], start=0)
    assert decide(sparse + mornings([2] * 7))["decision"] == "progress"


def test_open_flare_up_episode_reduces_closed_does_not():
    rows = mornings([1] * 7)
    ep = pd.DataFrame({"region": ["achilles"], "side": ["R"], "onset_date": [day(3)], "end_date": [pd.NaT],
                       "onset_level": [4.0]})
    out = decide(rows, episodes=ep)
    assert out["decision"] == "reduce" and out["rule"] == "flare-up episode open since 2026-02-26 (methods 4)"
    closed = ep.assign(end_date=[day(10)])
    assert decide(rows, episodes=closed)["decision"] == "progress"
    other = ep.assign(region=["plantar"])
    assert decide(rows, episodes=other)["decision"] == "progress"


def test_first_rule_in_order_decides():
    ep = pd.DataFrame({"region": ["achilles"], "side": ["R"], "onset_date": [day(3)], "end_date": [pd.NaT]})
    out = decide(mornings([1, 1, 1, 1, 4, 1, 1]) + [(9, "during", 8)], runs([(9, 5)]), episodes=ep)
    assert out["rule_id"] == "during_high"


def test_worse_side_is_used_and_named():
    frame = pd.DataFrame(
        [{"date": day(7 + k), "time_of_day": "morning", "region": "plantar", "side": s, "pain": 1}
         for k in range(7) for s in "LR"]
        + [{"date": day(10), "time_of_day": "during", "region": "plantar", "side": "L", "pain": 6},
           {"date": day(10), "time_of_day": "during", "region": "plantar", "side": "R", "pain": 2}])
    daily = flareups.daily_pain(schema.coerce_pain(frame))
    out = wk.decide(wk.worse_side(daily, "plantar"), wk.run_days(runs([(10, 5)])), END, region="plantar")
    assert out["decision"] == "reduce" and out["side"] == "L" and "6/10 (L) on 2026-03-05" in out["rule"]


def test_week_km_by_class():
    r = runs([(7, 10, "barefoot"), (8, 5, "minimalist"), (9, 25, "traditional"), (1, 99, "barefoot")])
    got = wk.week_km(r, day(7), day(13))
    assert got["km"] == pytest.approx(40.0) and got["barefoot_style_km"] == pytest.approx(15.0)
    assert got["share"] == pytest.approx(15 / 40)


def test_allowance_progress_hold_and_reduce_fallback():
    this = {"km": 40.0, "barefoot_style_km": 10.0, "share": 0.25}
    p = wk.allowance("progress", this, [], (8.0, day(3)))
    assert p["next_week_km_max"] == 44.0  # 1.10 x 40
    assert p["next_week_barefoot_style_share_max"] == pytest.approx(0.35)
    assert p["next_week_barefoot_style_km_max"] == pytest.approx(15.4)  # 0.35 x 44
    assert p["barefoot_style_run_km_max"] == pytest.approx(8.8) and "8.0 km on 2026-02-26" in p["basis"]
    h = wk.allowance("hold", this, [], None)
    assert (h["next_week_km_max"], h["next_week_barefoot_style_km_max"]) == (40.0, 10.0)
    r = wk.allowance("reduce", this, [("reduce", this, day(6)), ("not enough diary", this, day(-1))], None)
    assert (r["next_week_km_max"], r["next_week_barefoot_style_km_max"]) == (20.0, 2.5)  # 50 %: 20 km x 12.5 %
    assert wk.allowance("not enough diary", this, [], None)["next_week_km_max"] is None


def test_allowance_after_a_pain_free_week_without_runs_resumes_at_the_last_week_with_runs():
    # a rested, pain-free week is "progress", but 1.10 x 0 km would allow nothing: the allowance is the last
    # progress or hold week with runs (4 weeks back at most), without the +10 %; none there: no km allowance
    rest = {"km": 0.0, "barefoot_style_km": 0.0, "share": 0.0}
    ran = {"km": 30.0, "barefoot_style_km": 6.0, "share": 0.2}
    earlier = [("progress", rest, day(-1)), ("reduce", ran, day(-8)), ("hold", ran, day(-15))]
    p = wk.allowance("progress", rest, earlier, (8.0, day(-20)))
    assert (p["next_week_km_max"], p["next_week_barefoot_style_km_max"]) == (30.0, 6.0)
    assert p["basis"].startswith("no run this week: resume at the km and share of the week to 2026-02-08 (hold)")
    assert p["barefoot_style_run_km_max"] == pytest.approx(8.8)  # the longest-run guard still holds
    none = wk.allowance("progress", rest, [("reduce", ran, day(-1))] + [("progress", rest, day(-8))] * 3, None)
    assert none["next_week_km_max"] is None and "no km allowance" in none["basis"]


def test_allowance_after_a_week_of_runs_without_distance_does_not_say_no_run():
    # two runs logged without a distance (a treadmill without a foot pod): 0 km, but not a rest week
    blind = {"km": 0.0, "barefoot_style_km": 0.0, "share": 0.0, "runs": 2}
    ran = {"km": 30.0, "barefoot_style_km": 6.0, "share": 0.2, "runs": 4}
    p = wk.allowance("progress", blind, [("hold", ran, day(-1))], None)
    assert (p["next_week_km_max"], p["next_week_barefoot_style_km_max"]) == (30.0, 6.0)
    assert p["basis"].startswith("no distance recorded for this week's 2 runs: resume at the km and share of the "
                                 "week to 2026-02-22 (hold)")
    none = wk.allowance("progress", {**blind, "runs": 1}, [], None)
    assert none["basis"].startswith("no distance recorded for this week's 1 run, and no progress or hold week")


def test_week_km_counts_runs_without_a_distance():
    runs = pd.DataFrame({"date": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-12"]),
                         "distance_m": pd.array([5000.0, None, 3000.0, 8000.0], dtype="Float64"),
                         "shoe_class": ["barefoot", "traditional", "traditional", "barefoot"]})
    k = wk.week_km(runs, "2026-03-02", "2026-03-08")
    assert k == {"km": 8.0, "barefoot_style_km": 5.0, "share": 5.0 / 8.0, "runs": 3}


def test_allowance_reduce_after_a_rest_week_goes_back_to_the_last_week_with_runs():
    # run, rest (pain-free: progress, 0 km), then a reduce week: back to the week with runs, not to 0 km
    rest = {"km": 0.0, "barefoot_style_km": 0.0, "share": 0.0}
    ran = {"km": 30.0, "barefoot_style_km": 6.0, "share": 0.2}
    this = {"km": 12.0, "barefoot_style_km": 3.0, "share": 0.25}
    r = wk.allowance("reduce", this, [("progress", rest, day(-1)), ("progress", ran, day(-8))], None)
    assert (r["next_week_km_max"], r["next_week_barefoot_style_km_max"]) == (30.0, 6.0)
    assert "2026-02-15 (progress)" in r["basis"]


def test_allowance_reduce_takes_last_progress_or_hold_week_within_four():
    this = {"km": 40.0, "barefoot_style_km": 10.0, "share": 0.25}
    good = {"km": 30.0, "barefoot_style_km": 3.0, "share": 0.1}
    earlier = [("reduce", this, day(-1)), ("hold", good, day(-8)), ("progress", this, day(-15))]
    r = wk.allowance("reduce", this, earlier, None)
    assert (r["next_week_km_max"], r["next_week_barefoot_style_km_max"]) == (30.0, 3.0)
    assert "2026-02-15 (hold)" in r["basis"]
    far = [("reduce", this, day(-1))] * 4 + [("hold", good, day(-29))]
    assert wk.allowance("reduce", this, far, None)["next_week_km_max"] == 20.0  # 5 weeks back: too far


def test_weekly_decisions_every_week_and_adherence():
    rows = mornings([1] * 14, start=0) + [(3, "during", 1), (10, "during", 4)]
    daily = diary(rows)
    r = runs([(3, 20), (10, 22), (12, 30)])
    dec = wk.weekly_decisions(daily, r, None)
    assert list(dec["week_end"]) == [day(6), day(13)]
    assert list(dec["decision"]) == ["progress", "hold"]
    first = dec.iloc[0]
    assert first["next_week_km_max"] == 22.0  # 1.10 x 20
    assert first["next_km"] == 52.0 and first["within_allowance"] is False
    assert pd.isna(dec.iloc[1]["within_allowance"])  # no following week in the diary
    assert wk.adherence(dec)["all"] == {"weeks": 1, "within": 0}
    this = wk.this_week(dec)
    text = wk.lines(this)
    assert text[0].startswith("week 2026-03-02..2026-03-08: 52.0 km run")
    assert text[3] == "no diary entries at all for: plantar, patellar, glute (no decision)"
    assert text[2] == "achilles hold     <= 52.0 (0.0) km   during-run pain 4/10 (R) on 2026-03-05 (3-5)"
    # in miles (runlog week --units mi, report --units mi): 52 km = 32.3 mi; the JSON stays in km
    miles = wk.lines(this, "mi")
    assert miles[0].startswith("week 2026-03-02..2026-03-08: 32.3 mi run, 0.0 mi barefoot-style")
    assert miles[1].startswith("region   decision next week mi (barefoot-style)")
    assert miles[2] == "achilles hold     <= 32.3 (0.0) mi   during-run pain 4/10 (R) on 2026-03-05 (3-5)"
    assert wk.in_units("no barefoot-style run above 110 % of 8.8 km on 2026-02-26", "mi") == (
        "no barefoot-style run above 110 % of 5.5 mi on 2026-02-26")  # 8.8 / 1.609344 = 5.47
    this_json, weekly = wk.to_json(this, dec)
    assert this_json["as_of"] == "2026-03-08"
    assert this_json["regions"]["achilles"]["next_week_km_max"] == 52.0
    assert weekly[0] == {"week_end": "2026-03-01", "region": "achilles", "decision": "progress",
                         "within_allowance": False}


def test_as_of_counts_weeks_back_from_it():
    daily = diary(mornings([1] * 14, start=0))
    dec = wk.weekly_decisions(daily, NO_RUNS, None, as_of=day(10))
    assert list(dec["week_end"]) == [day(10)]  # day(3) would start before the diary


def test_lines_fit_100_columns_in_the_worst_case():
    row = {"region": "achilles", "decision": "progress", "next_week_km_max": 999.9,
           "next_week_barefoot_style_km_max": 999.9,
           "rule": "morning 10/10 (B) on 2026-03-05 after run, 8/10 on 2026-03-04"}
    assert len(wk.line(row)) <= 100
    row["rule"] = "mean morning 10.0 to 2026-03-08 vs 9.0 to 2026-03-01 (+1.0)"
    assert len(wk.line(row)) <= 100
    nd = {"region": "patellar", "decision": "not enough diary",
          "rule": "3 mornings logged 2026-03-02..2026-03-08 (need 4)"}
    assert len(wk.line(nd)) <= 100


# --- the command ---------------------------------------------------------------------------------------


def _cli(argv, tmp_path, monkeypatch, capsys):
    from analysis.cli import main

    monkeypatch.setenv("RUNLOG_CACHE_DIR", str(tmp_path / "cache"))
    code = main(["week", *argv, "--tz", "UTC", "--no-progress"])
    return code, capsys.readouterr()


def _files(tmp_path, morning_days):
    runs = tmp_path / "runs.csv"
    runs.write_text("start_time,distance_m,moving_time_s,name,sport\n"
                    "2026-03-04T07:00:00Z,10000,3000,easy,running\n")
    pain = tmp_path / "pain.csv"
    rows = [f"{day(i):%Y-%m-%d},morning,achilles,R,1,," for i in morning_days]
    rows.append("2026-03-04,during,achilles,R,4,,")
    pain.write_text("date,time_of_day,region,side,pain,activity_id,notes\n" + "\n".join(rows) + "\n")
    return runs, pain


def test_cli_sample_lines_and_json(tmp_path, monkeypatch, capsys):
    import json

    out_json = tmp_path / "week.json"
    code, out = _cli(["--json", str(out_json)], tmp_path, monkeypatch, capsys)
    assert code == 0
    lines = out.out.splitlines()
    assert all(len(x) <= 100 for x in lines)
    assert lines[0].startswith("week ") and lines[1].startswith("region   decision")
    assert {x.split()[0] for x in lines[2:6]} == {"plantar", "achilles", "patellar", "glute"}
    data = json.loads(out_json.read_text())
    regions = data["this_week"]["regions"]
    assert set(regions) == {"plantar", "achilles", "patellar", "glute"}
    for r in regions.values():
        assert r["decision"] in wk.DECISIONS and r["rule"] in out.out
    assert {w["decision"] for w in data["weekly_decisions"]} <= set(wk.DECISIONS)


def test_cli_three_mornings_not_enough_diary_four_decide(tmp_path, monkeypatch, capsys):
    runs, pain = _files(tmp_path, [7, 9, 11])
    code, out = _cli([str(runs), "--pain", str(pain), "--as-of", "2026-03-08"], tmp_path, monkeypatch, capsys)
    assert code == 0
    assert "achilles not enough diary: 3 mornings logged 2026-03-02..2026-03-08 (need 4)" in out.out
    runs, pain = _files(tmp_path, [7, 9, 11, 13])
    code, out = _cli([str(runs), "--pain", str(pain), "--as-of", "2026-03-08"], tmp_path, monkeypatch, capsys)
    assert "achilles hold     <= 10.0 (0.0) km   during-run pain 4/10 (R) on 2026-03-04 (3-5)" in out.out


def test_cli_bad_questionnaire_one_line_exit_2(tmp_path, monkeypatch, capsys):
    runs, pain = _files(tmp_path, [7, 8, 9, 10])
    q = tmp_path / "q.csv"
    q.write_text("date,instrument,item,answer\n2026-03-02,VISA-A,q1,3\n")
    code, out = _cli([str(runs), "--pain", str(pain), "--questionnaires", str(q)], tmp_path, monkeypatch, capsys)
    assert code == 2
    err = out.err.strip().splitlines()
    assert len(err) == 1 and "q.csv, row 2: VISA-A questionnaire starting here misses item q2" in err[0]


def test_analysis_findings_carry_this_week_and_weekly_decisions(tiny_data):
    f = tiny_data.findings
    assert set(f["this_week"]["regions"]) == set(tiny_data.week_decisions["region"])
    assert len(f["weekly_decisions"]) == len(tiny_data.week_decisions)
    last = f["this_week"]["as_of"]
    assert all(w["week_end"] <= last for w in f["weekly_decisions"])
    assert {r["decision"] for r in f["this_week"]["regions"].values()} <= set(wk.DECISIONS)


def test_worse_side_takes_each_items_higher_side_and_the_days_maximum():
    daily = pd.concat([diary([(7, "morning", 2), (7, "during", 4), (8, "morning", 1)], side="L"),
                       diary([(7, "morning", 3), (8, "morning", 1), (8, "after", 5)], side="R")])
    daily = daily[daily["region"] == "achilles"]
    # a repeated row of a day and side counts by its maximum, NaN (not logged) never wins
    repeat = daily[(daily["date"] == day(8)) & (daily["side"] == "R")].assign(after=pd.NA, morning=0)
    w = wk.worse_side(pd.concat([daily, repeat]), "achilles")
    assert list(w.index) == [day(7), day(8)]
    assert (w.loc[day(7), "morning"], w.loc[day(7), "morning_side"]) == (3.0, "R")
    assert (w.loc[day(7), "during"], w.loc[day(7), "during_side"]) == (4.0, "L")
    assert (w.loc[day(8), "morning"], w.loc[day(8), "morning_side"]) == (1.0, "B")  # both sides 1
    assert (w.loc[day(8), "after"], w.loc[day(8), "after_side"]) == (5.0, "R")
    assert pd.isna(w.loc[day(8), "during"]) and pd.isna(w.loc[day(8), "during_side"])


def test_runlog_week_imports_no_plotting_or_model_library(tmp_path):
    import subprocess
    import sys

    for extra in ([], ["--json", str(tmp_path / "week.json")]):
        code = ("import contextlib, io, sys\n"
                "from analysis.cli import main\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                f"    assert main(['week', '--tz', 'UTC', '--no-progress', '--no-cache', *{extra!r}]) == 0\n"
                "print(' '.join(m for m in ('matplotlib', 'statsmodels', 'scipy') if m in sys.modules))\n")
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        assert out.stdout.strip() == "", extra
    assert (tmp_path / "week.json").read_text().startswith("{")


def test_the_last_weeks_alone_give_this_weeks_row_as_every_week_does():
    import numpy as np

    rng = np.random.default_rng(26)
    n = 16 * 7
    rows = [(i, "morning", int(rng.integers(0, 5))) for i in range(n) if rng.random() < 0.8]
    ran = [i for i in range(n) if rng.random() < 0.5]
    rows += [(i, "during", int(rng.integers(0, 8))) for i in ran]
    daily = pd.concat([diary(rows), diary(mornings([int(v) for v in rng.integers(0, 3, n)], start=0), "plantar")])
    r = runs([(i, float(rng.integers(3, 15)), "minimalist" if i % 3 else "traditional") for i in ran])
    episodes = flareups.detect_flareups(daily)
    decided = set()
    for as_of in (day(n - 1), day(n - 3), day(n - 20)):
        full = wk.this_week(wk.weekly_decisions(daily, r, episodes, as_of=as_of))
        last = wk.this_week(wk.weekly_decisions(daily, r, episodes, as_of=as_of, last_weeks=1))  # 5 at least
        pd.testing.assert_frame_equal(full, last)
        decided |= set(full["decision"])
    every = wk.weekly_decisions(daily, r, episodes)
    assert {"reduce", "hold"} <= set(every["decision"]) and len(every) == 2 * 16  # the rules that look back ran
    assert len(wk.weekly_decisions(daily, r, episodes, last_weeks=1)) == 2 * (wk.REDUCE_LOOKBACK_WEEKS + 1)


def test_lines_of_a_rested_progress_week_without_km_allowance():
    # a pain-free week without runs and no earlier progress or hold week with runs sets no km allowance (None):
    # the week's line says so; it raised TypeError (one such week) or printed "<= nan (nan) km" (an allowance
    # in an earlier week makes the column float)
    alone = wk.weekly_decisions(diary(mornings([0] * 7)), NO_RUNS, None)
    assert list(alone["decision"]) == ["progress"] and alone.iloc[0]["next_week_km_max"] is None
    after_rest = wk.weekly_decisions(diary(mornings([0] * 42, start=0)), runs([(2, 10.0)]), None)
    assert pd.isna(after_rest.iloc[-1]["next_week_km_max"]) and after_rest.iloc[0]["next_week_km_max"] == 11.0
    for dec in (alone, after_rest):
        text = wk.lines(wk.this_week(dec))
        (achilles,) = [x for x in text if x.startswith("achilles")]
        assert "nan" not in achilles and "no km allowance" in achilles and len(achilles) <= 100
