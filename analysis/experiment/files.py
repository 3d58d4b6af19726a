"""Read what ``runlog experiment analyse`` is given and run the analysis (the file edge of the experiment).

The analysis itself (:func:`analysis.experiment.analyse.analyse_experiment`)
takes frames; this module turns paths into frames: the plan, the runs with
their footwear (:func:`analysis.pipeline.load_runs`), the pain diary and an
optional OSTRC-O2 file.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.errors import RunlogError
from analysis.pipeline import Inputs, load_runs

from .analyse import DEFAULT_ADHERENCE, ExperimentResult, analyse_experiment
from .plan import read_plan


def analyse_files(
    inputs: Inputs,
    plan: str | os.PathLike,
    *,
    tz=None,
    cache=None,
    progress: bool | None = False,
    ostrc: str | os.PathLike | None = None,
    adherence_threshold: float = DEFAULT_ADHERENCE,
) -> ExperimentResult:
    """Read the plan, the exports, the diary (and OSTRC answers) and analyse the experiment.

    Parameters
    ----------
    inputs : Inputs
        From :func:`analysis.pipeline.resolve_inputs`; ``inputs.pain`` is required.
    plan : path
        The plan CSV (``runlog experiment plan -o plan.csv``).
    tz, cache, progress
        As for :func:`analysis.pipeline.load_runs`.
    ostrc : path, optional
        Weekly OSTRC-O2 answers (a secondary outcome).
    adherence_threshold : float
        Share of km in the planned footwear for a block to count as adhered.

    Raises
    ------
    RunlogError
        No diary, an unreadable file, nothing read from the exports, or a
        plan/diary the analysis refuses (one line naming the file).
    """
    from analysis.io.ostrc import read_ostrc
    from analysis.io.pain_diary import read_pain_diary

    if inputs.pain is None:
        raise RunlogError("--pain FILE is needed: the experiment's outcome is the diary's morning pain")
    plan_frame = read_plan(plan)
    pain = read_pain_diary(inputs.pain)
    result, _ = load_runs(inputs, tz=tz, progress=progress, cache=cache, samples=False)
    log = result.log
    if result.runs.empty and (log["status"] == "failed").any():
        first = log[log["status"] == "failed"].iloc[0]
        raise RunlogError(f"no runs could be read: {first['reason']}", path=first["source_file"])
    weekly = read_ostrc(ostrc) if ostrc else None
    return analyse_experiment(plan_frame, result.runs, pain, ostrc=weekly, diary=Path(inputs.pain),
                              adherence_threshold=adherence_threshold)
