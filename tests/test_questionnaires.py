"""VISA-A/P/G and FAAM scoring (METHODS.md 10): extremes, hand-computed examples per question-8 branch."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.questionnaires import latest_by_region, score_all, score_faam, score_visa, to_json


def visa(q1_6, q7, branch, band):
    items = {f"q{i}": (str(v), i + 1) for i, v in enumerate(q1_6, start=1)}
    items["q7"] = (str(q7), 8)
    items[f"q8{branch}"] = (band, 9)
    return items


@pytest.mark.parametrize("inst,longest", [("VISA-A", ">30"), ("VISA-P", ">15")])
def test_visa_all_best_100_all_worst_0(inst, longest):
    assert score_visa(inst, visa([10] * 6, 10, "a", longest)) == (100.0, "a")
    for branch in "abc":
        assert score_visa(inst, visa([0] * 6, 0, branch, "0"))[0] == 0.0


# (instrument, q1-q6, q7, branch, band, hand-computed score)
EXAMPLES = [
    ("VISA-A", [6, 5, 7, 8, 4, 3], 4, "a", "11-20", 33 + 4 + 14),
    ("VISA-A", [6, 5, 7, 8, 4, 3], 4, "b", ">30", 33 + 4 + 20),
    ("VISA-A", [6, 5, 7, 8, 4, 3], 4, "c", "1-10", 33 + 4 + 2),
    ("VISA-P", [10, 9, 8, 7, 6, 5], 7, "a", "6-10", 45 + 7 + 14),
    ("VISA-P", [10, 9, 8, 7, 6, 5], 7, "b", "1-5", 45 + 7 + 4),
    ("VISA-P", [10, 9, 8, 7, 6, 5], 7, "c", ">15", 45 + 7 + 10),
    # VISA-G: q1 0-10, q2-q6 the points ticked (0/2/5/7/10), q8 the points ticked: a = pain stops the
    # activity (0/2/5/7/10), b = pain (0/5/10/15/20), c = no pain (6/12/18/24/30) (module note)
    ("VISA-G", [3, 2, 5, 7, 10, 0], 4, "a", "5", 27 + 4 + 5),
    ("VISA-G", [3, 2, 5, 7, 10, 0], 4, "b", "15", 27 + 4 + 15),
    ("VISA-G", [3, 2, 5, 7, 10, 0], 4, "c", "6", 27 + 4 + 6),
]


def test_visa_g_all_best_100_all_worst_0():
    assert score_visa("VISA-G", visa([10] * 6, 10, "c", "30")) == (100.0, "c")
    assert score_visa("VISA-G", visa([0] * 6, 0, "a", "0")) == (0.0, "a")
    # the least a person without pain (branch c) can score is 6, with pain that does not stop them 0
    assert score_visa("VISA-G", visa([0] * 6, 0, "c", "6"))[0] == 6.0
    assert score_visa("VISA-G", visa([0] * 6, 0, "b", "0"))[0] == 0.0


def test_visa_g_off_scale_answers_name_the_row():
    with pytest.raises(RunlogError, match=r"row 3: VISA-G q2 answer '3' is off the scale: write 0, 2, 5, 7 or 10"):
        score_visa("VISA-G", visa([5, 3, 5, 5, 5, 5], 4, "a", "0"), path="f.csv")
    with pytest.raises(RunlogError, match=r"row 9: VISA-G q8c \(no pain\) answer '0' is off the scale"):
        score_visa("VISA-G", visa([5] * 6, 4, "c", "0"), path="f.csv")
    with pytest.raises(RunlogError, match=r"row 9: VISA-G q8a .* answer '1-5'"):  # a band: not verified for VISA-G
        score_visa("VISA-G", visa([5] * 6, 4, "a", "1-5"), path="f.csv")


@pytest.mark.parametrize("inst,q,q7,branch,band,expected", EXAMPLES)
def test_visa_hand_computed_each_question_8_branch(inst, q, q7, branch, band, expected):
    assert score_visa(inst, visa(q, q7, branch, band)) == (float(expected), branch)


def test_visa_band_spellings():
    assert score_visa("VISA-A", visa([0] * 6, 0, "a", "nil"))[0] == 0.0
    assert score_visa("VISA-A", visa([0] * 6, 0, "a", "11 - 20 min"))[0] == 14.0


def test_visa_errors_name_the_row():
    bad = visa([5] * 6, 4, "a", "0")
    bad["q8b"] = ("1-10", 10)
    with pytest.raises(RunlogError, match=r"f.csv, row 10: VISA-A has two question-8 branches"):
        score_visa("VISA-A", bad, path="f.csv")
    missing = visa([5] * 6, 4, "a", "0")
    del missing["q3"]
    with pytest.raises(RunlogError, match="misses item q3"):
        score_visa("VISA-A", missing, path="f.csv")
    with pytest.raises(RunlogError, match=r"row 8: VISA-P q7 answer '5' is off the scale"):
        score_visa("VISA-P", visa([5] * 6, 5, "a", "0"), path="f.csv")
    with pytest.raises(RunlogError, match=r"row 2: VISA-A q1 answer '11' is off the scale"):
        score_visa("VISA-A", visa([11, 5, 5, 5, 5, 5], 4, "a", "0"), path="f.csv")
    with pytest.raises(RunlogError, match=r"row 9: VISA-P q8a answer '11-20'"):  # a VISA-A band on VISA-P
        score_visa("VISA-P", visa([5] * 6, 4, "a", "11-20"), path="f.csv")
    with pytest.raises(RunlogError, match="misses question 8"):
        score_visa("VISA-A", {k: v for k, v in visa([5] * 6, 4, "a", "0").items() if k != "q8a"})


def faam(values):
    return {f"q{i}": (str(v), i + 1) for i, v in enumerate(values, start=1)}


def test_faam_best_worst_and_na():
    assert score_faam("FAAM-ADL", faam([4] * 21)) == (100.0, 21)
    assert score_faam("FAAM-ADL", faam([0] * 21)) == (0.0, 21)
    assert score_faam("FAAM-ADL", faam([3] * 19 + ["n/a", "n/a"])) == (75.0, 19)
    score, n = score_faam("FAAM-Sport", faam([4, 3, 2, 1, 0, "n/a", "n/a", 4]))
    assert n == 6 and score == pytest.approx(100 * 14 / 24)
    with pytest.raises(RunlogError, match="misses item q8"):
        score_faam("FAAM-Sport", faam([4] * 7))
    with pytest.raises(RunlogError, match="row 3: FAAM-Sport q2 answer '5' is off the scale"):
        score_faam("FAAM-Sport", faam([4, 5, 4, 4, 4, 4, 4, 4]), path="f.csv")


def long_frame(rows):
    frame = pd.DataFrame([{"date": pd.Timestamp(d), "instrument": i, "item": it, "answer": a, "row": n}
                          for n, (d, i, it, a) in enumerate(rows, start=2)])
    frame.attrs["path"] = "q.csv"
    return frame


def test_score_all_change_json_and_latest():
    rows = []
    for date, q1 in (("2026-02-01", 2), ("2026-03-01", 8)):
        for item, ans in visa([q1, 5, 5, 5, 5, 5], 4, "b", "1-5").items():
            rows.append((date, "VISA-P", item, ans[0]))
    scores = score_all(long_frame(rows))
    assert list(scores["score"]) == [2 + 25 + 4 + 4, 8 + 25 + 4 + 4]
    assert list(scores["region"]) == ["patellar", "patellar"]
    js = to_json(scores)
    assert js[1]["change"] == 6.0 and js[1]["min_important_change"] == 13.0 and js[1]["max"] == 100
    assert latest_by_region(scores) == {"patellar": "VISA-P 41/100 on 2026-03-01 (+6 since 2026-02-01; MIC 13)"}
    assert latest_by_region(scores, as_of="2026-02-15") == {"patellar": "VISA-P 35/100 on 2026-02-01"}
