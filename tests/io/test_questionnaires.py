"""The questionnaires reader (FORMATS.md): the template reads; bad layout is one line naming file and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import RunlogError
from analysis.io.questionnaires import read_questionnaires
from analysis.questionnaires import score_all

TEMPLATE = Path(__file__).resolve().parents[2] / "data" / "templates" / "questionnaires.csv"


def test_template_reads_and_scores():
    frame = read_questionnaires(TEMPLATE)
    assert len(frame) == 16 and frame.attrs["path"] == str(TEMPLATE)
    assert frame.loc[frame["item"] == "q8b", "row"].item() == 9
    scores = score_all(frame).set_index("instrument")["score"]
    assert scores["VISA-A"] == 6 + 5 + 7 + 8 + 4 + 3 + 4 + 10  # q8b 11-20 = 10 points
    assert scores["FAAM-Sport"] == pytest.approx(round(100 * 18 / 28, 1))  # 7 answered, q6 n/a


def test_missing_item_names_file_and_row():
    text = TEMPLATE.read_text().replace("2026-03-02,VISA-A,q3,7\n", "")
    with pytest.raises(RunlogError, match=r"q.csv, row 2: VISA-A questionnaire starting here misses item q3"):
        score_all(read_questionnaires(text.encode(), name="q.csv"))


def test_two_branches_and_off_scale_name_the_row():
    two = TEMPLATE.read_text().replace("2026-03-02,VISA-A,q8b,11-20\n",
                                       "2026-03-02,VISA-A,q8b,11-20\n2026-03-02,VISA-A,q8c,0\n")
    with pytest.raises(RunlogError, match=r"q.csv, row 10: VISA-A has two question-8 branches"):
        score_all(read_questionnaires(two.encode(), name="q.csv"))
    off = TEMPLATE.read_text().replace("VISA-A,q2,5", "VISA-A,q2,12")
    with pytest.raises(RunlogError, match=r"q.csv, row 3: VISA-A q2 answer '12' is off the scale"):
        score_all(read_questionnaires(off.encode(), name="q.csv"))


@pytest.mark.parametrize("text,match", [
    ("date,item,answer\n", "row 1: column"),
    ("date,instrument,item,answer\n2026-13-01,VISA-A,q1,3\n", "row 2: date '2026-13-01'"),
    ("date,instrument,item,answer\n2026-03-01,KOOS,q1,3\n", "row 2: instrument 'KOOS'"),
    ("date,instrument,item,answer\n2026-03-01,VISA-A,q1,\n", "row 2: VISA-A q1 has no answer"),
    ("date,instrument,item,answer\n2026-03-01,VISA-A,q1,3\n2026-03-01,visa a,q1,4\n", "row 3: .*given twice"),
])
def test_layout_errors(text, match):
    with pytest.raises(RunlogError, match=match):
        read_questionnaires(text.encode(), name="q.csv")
