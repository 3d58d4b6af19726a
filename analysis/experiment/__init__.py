"""The randomised footwear self-experiment: plan it, then analyse it (METHODS.md 8).

* :mod:`.plan`: the randomised, pair-counterbalanced block schedule, its CSV
  and its calendar (iCalendar);
* :mod:`.analyse`: adherence, the effect per region (block-level model and
  exact randomisation test), per-protocol and carry-over checks;
* :mod:`.wording`: conclusions, CENT 2015 items, the JSON contract;
* :mod:`.protocol`: the one-page protocol PDF, the figure and the results PDF;
* :mod:`.files`: read the files named on the command line and run the analysis.
"""

from .analyse import ExperimentResult, analyse_experiment, block_adherence, block_effect, morning_days
from .plan import make_plan, plan_blocks, plan_to_csv, plan_to_ics, read_plan, validate_plan

__all__ = [
    "ExperimentResult",
    "analyse_experiment",
    "block_adherence",
    "block_effect",
    "make_plan",
    "morning_days",
    "plan_blocks",
    "plan_to_csv",
    "plan_to_ics",
    "read_plan",
    "validate_plan",
]
