"""THE sequence every command and notebook shares: inputs -> frames -> :class:`Analysis`.

:func:`resolve_inputs` names what to read (the user's files or the embedded sample),
:func:`load_runs` reads every source and tags each run's footwear, :func:`read_side_files`
reads the diary and drills log, and :func:`analyse` computes every frame and finding of
the report once. :func:`run` does all of it for an :class:`Inputs`. The CLI
(``runlog report``), :mod:`analysis.report` and the notebook call these and compute
nothing themselves; nothing here prints.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import footwear
from analysis.collector import gc_paused  # noqa: F401 - re-exported (report, cli)
from analysis.errors import RunlogError
from analysis.footwear import assign_footwear
from analysis.ingest.loader import read_sources
from analysis.io.base import ReadResult
from analysis.schema import id_suffixes

if TYPE_CHECKING:
    from analysis.findings import ModelFrames

REPO_ROOT = Path(__file__).resolve().parents[1]


def _sample_dir() -> Path:
    """The embedded sample: inside the installed package (any non-editable install, see setup.py),
    else ``data/sample`` of the checkout the package runs from (an editable install, PYTHONPATH)."""
    from importlib import resources

    packaged = resources.files("analysis").joinpath("data").joinpath("sample")
    if packaged.is_dir():
        return Path(str(packaged))
    return REPO_ROOT / "data" / "sample"


SAMPLE_DIR = _sample_dir()
SAMPLE_SIDE_FILES = {"pain": "pain.csv", "shoes": "shoes.csv", "drills": "drills.csv"}


@dataclass
class Inputs:
    """What the user gave (or the embedded sample).

    ``gear_log`` (date ranges -> shoe), ``overrides`` (activity id or date ->
    shoe) and ``default_shoe`` (a shoe name or class) say which shoe a run used
    where the exports do not (:func:`analysis.footwear.assign_footwear`).
    """

    sources: list[Path]
    pain: Path | None = None
    shoes: Path | None = None
    drills: Path | None = None
    extra: dict = field(default_factory=dict)
    sample: bool = False  # no sources named: the embedded sample is read
    gear_log: Path | None = None
    overrides: Path | None = None
    default_shoe: str | None = None
    questionnaires: Path | None = None  # questionnaires.csv (FORMATS.md), METHODS.md 10


def sample_inputs(sample_dir: Path = SAMPLE_DIR) -> Inputs:
    """The embedded sample: its export plus its diary, shoes catalog and drills log."""
    if not sample_dir.is_dir():
        raise RunlogError(
            "no sources given and the embedded sample is missing (reinstall runlog, e.g. 'pip install .' "
            "in a checkout, or name your export files)",
            path=sample_dir,
        )
    side = {k: sample_dir / v for k, v in SAMPLE_SIDE_FILES.items() if (sample_dir / v).is_file()}
    if (sample_dir / "export.zip").is_file():
        sources = [sample_dir / "export.zip"]
    elif (sample_dir / "export").is_dir():
        sources = [sample_dir / "export"]
    else:
        skip = {"README.md", "truth.json", *SAMPLE_SIDE_FILES.values()}
        sources = sorted(p for p in sample_dir.iterdir() if p.name not in skip and not p.name.startswith("."))
    return Inputs(sources=sources, **side)


def resolve_inputs(sources, pain=None, shoes=None, drills=None, *, gear_log=None, overrides=None,
                   default_shoe=None, questionnaires=None) -> Inputs:
    """The user's inputs, or the sample's where no source is named."""
    footwear_files = {
        "questionnaires": Path(questionnaires) if questionnaires else None,
        "gear_log": Path(gear_log) if gear_log else None,
        "overrides": Path(overrides) if overrides else None,
        "default_shoe": str(default_shoe).strip() or None if default_shoe is not None else None,
    }
    if not sources:
        base = sample_inputs()
        return Inputs(
            sources=base.sources,
            pain=Path(pain) if pain else base.pain,
            shoes=Path(shoes) if shoes else base.shoes,
            drills=Path(drills) if drills else base.drills,
            sample=True,
            **footwear_files,
        )
    return Inputs(
        sources=[Path(s) for s in sources],
        pain=Path(pain) if pain else None,
        shoes=Path(shoes) if shoes else None,
        drills=Path(drills) if drills else None,
        **footwear_files,
    )


def read_shoes_catalog(path: Path | None, sources: Sequence[str | os.PathLike] = ()) -> pd.DataFrame | None:
    """The shoes catalog: the user's file, then the ``shoes.csv`` of each Strava export given, completed.

    Reads with :func:`analysis.io.shoes.read_shoes` (the rows as written) and
    derives MI and class with :func:`analysis.footwear.complete_catalog`. A
    Strava export's own ``shoes.csv`` (found by
    :func:`analysis.ingest.strava_export.export_shoes_csv`) gives brand and model of every
    gear name the export uses; its rows come after the user's and are left out
    where the user's catalog already names the shoe. Column ``origin`` says
    which: ``--shoes`` or ``export``.

    Returns
    -------
    DataFrame or None
        None when there is no catalog at all.
    """
    from analysis.ingest.strava_export import export_shoes_csv
    from analysis.io.shoes import read_shoes
    from analysis.schema import normalize_name

    parts = []
    known: set[str] = set()
    if path is not None:
        mine = read_shoes(path).assign(origin="--shoes")
        parts.append(mine)
        for name, aliases in zip(mine["name"], mine["aliases"], strict=True):
            known.add(normalize_name(name))
            known.update(normalize_name(a) for a in str(aliases).split("|") if pd.notna(aliases))
    for src in sources:
        data, label = export_shoes_csv(src)
        if data is None:
            continue
        theirs = read_shoes(data, name=label)
        theirs = theirs[~theirs["name"].map(normalize_name).isin(known)]
        known.update(theirs["name"].map(normalize_name))
        parts.append(theirs.assign(origin="export"))
    if not parts:
        return None
    combined = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    try:
        return footwear.complete_catalog(combined)
    except ValueError as exc:  # the reader's checks should have caught it; still one clear line
        raise RunlogError(str(exc), path=path) from exc


def read_footwear_options(inputs: Inputs) -> dict:
    """The gear log, overrides and default shoe of ``inputs`` as :func:`~analysis.footwear.assign_footwear` keywords."""
    from analysis.ingest.loader import legacy_csv_ids
    from analysis.io.shoes import read_gear_log, read_overrides

    return {
        "gear_log": read_gear_log(inputs.gear_log) if inputs.gear_log is not None else None,
        "overrides": read_overrides(inputs.overrides) if inputs.overrides is not None else None,
        "default_shoe": inputs.default_shoe,
        "legacy_ids": legacy_csv_ids,  # overrides naming generic-CSV runs by their ids of earlier versions
    }


def load_runs(
    inputs: Inputs,
    *,
    tz=None,
    positions: bool = False,
    progress: bool | None = None,
    footwear_options: dict | None = None,
    cache=None,
    samples: bool = True,
) -> tuple[ReadResult, pd.DataFrame | None]:
    """Read every source and tag each run's footwear.

    The shoes catalog (:func:`read_shoes_catalog`: the user's and the exports' own
    shoes.csv) and the gear log and overrides (:func:`read_footwear_options`) are read
    first: a bad one is refused before any activity file is read (an import can take
    minutes). ``footwear_options`` (keywords of :func:`analysis.footwear.assign_footwear`)
    override them.

    Returns
    -------
    (ReadResult, DataFrame or None)
        The frames (runs carry ``gear_name``, ``shoe_class``,
        ``minimalist_index``, ``shoe_specs``, ``shoe_rule``) and the shoes
        catalog used.
    """
    catalog = read_shoes_catalog(inputs.shoes, inputs.sources)
    options = {**read_footwear_options(inputs), **(footwear_options or {})}
    result = read_sources(inputs.sources, tz=tz, positions=positions, progress=progress, cache=cache,
                          samples=samples)
    runs = assign_footwear(result.runs, catalog, **options)
    return ReadResult(runs, result.samples, result.log), catalog


def fail_if_nothing(result: ReadResult) -> None:
    """Refuse (exit 2) when nothing at all could be read and something failed: name the first failure."""
    log = result.log
    if result.runs.empty and (log["status"] == "failed").any() and not (log["status"] == "not_a_run").any():
        failed = log[log["status"] == "failed"]
        first = failed.iloc[0]
        where = first["source_file"] + (f", row {first['row']}" if pd.notna(first["row"]) else "")
        others = failed["source_file"].nunique() - 1
        more = f" (and {others} other file(s) failed too: none could be read)" if others > 0 else ""
        raise RunlogError(f"{first['reason']}{more}", path=where)


def read_side_files(inputs: Inputs) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The pain diary and drills log named by ``inputs`` (None where not given)."""
    from analysis.io.drills import read_drills
    from analysis.io.pain_diary import read_pain_diary

    pain = read_pain_diary(inputs.pain) if inputs.pain else None
    drills = read_drills(inputs.drills) if inputs.drills else None
    return pain, drills


def pain_with_current_ids(pain: pd.DataFrame | None,
                          runs: pd.DataFrame) -> tuple[pd.DataFrame | None, int, list[str]]:
    """The diary with ``activity_id`` values that name generic-CSV runs by their old ids renamed; how many.

    Until the XXH3 ids (CHANGELOG.md, "Run ids of generic CSV rows"), a generic-CSV row
    without an id was named by a SHA-1 of its fields. A diary written then names the runs
    of its during/after entries by those ids, and an entry naming no run counts for every
    run of its day (METHODS.md 4, 24-hour rule): an old id would quietly spread the entry
    over the day's other runs. Only when an entry's id names no run and has the form of a
    CSV id are the old ids computed (:func:`analysis.ingest.loader.legacy_csv_ids` reads
    the CSV files again).

    Parameters
    ----------
    pain : DataFrame or None
        Canonical pain frame.
    runs : DataFrame
        Canonical runs frame (index ``activity_id``; ``source``, ``source_file``).

    Returns
    -------
    (DataFrame or None, int, list of str)
        The diary (a copy when anything was renamed), the number of entries renamed, and
        the ids of the form of a CSV id that still name no run (for one line to the user).
    """
    if pain is None or not len(pain) or "activity_id" not in pain.columns or pain["activity_id"].isna().all():
        return pain, 0, []
    refs = pain["activity_id"].astype("string").str.strip()
    ids = pd.Index(runs.index.astype(str))
    suffixes = pd.Index(list(id_suffixes(ids)))
    unknown = (refs.notna() & ~refs.isin(ids) & ~refs.isin(suffixes)).fillna(False)
    looks_csv = (unknown & refs.str.fullmatch(r"(?:csv:)?[0-9a-f]{12}")).fillna(False).to_numpy(bool)
    if not looks_csv.any():
        return pain, 0, []
    from analysis.ingest.loader import legacy_csv_ids

    mapping = legacy_csv_ids(runs)
    new = [mapping.get(a) for a in refs[looks_csv]]  # keyed with and without the "csv:" prefix
    found = np.array([n is not None and n in ids for n in new], dtype=bool)
    missing = list(dict.fromkeys(str(a) for a, ok in zip(refs[looks_csv], found, strict=True) if not ok))
    if not found.any():
        return pain, 0, missing
    column = pain["activity_id"].astype("string").to_numpy(dtype=object, na_value=pd.NA)
    column[np.flatnonzero(looks_csv)[found]] = [n for n, ok in zip(new, found, strict=True) if ok]
    out = pain.copy()
    out["activity_id"] = pd.array(column, dtype="string")
    return out, int(found.sum()), missing


@dataclass
class Analysis:
    """Everything the report, the figures, the JSON and the notebook show, computed once.

    Made by :func:`analyse`; each attribute is a library output (see there).
    ``findings`` is the dict of DESIGN.md "Findings JSON"; ``frames`` the daily
    frames the findings rest on (:class:`analysis.findings.ModelFrames`).
    """

    runs: pd.DataFrame
    pain: pd.DataFrame
    findings: dict
    frames: ModelFrames
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    daily: pd.DataFrame
    weekly: pd.DataFrame
    acute_chronic: pd.DataFrame
    spikes: pd.DataFrame
    guardrails: pd.DataFrame
    transition_runs: pd.DataFrame
    pain_daily: pd.DataFrame
    episodes: pd.DataFrame
    weekly_pain: pd.DataFrame
    rule24: pd.DataFrame
    coverage: pd.DataFrame
    shoes: pd.DataFrame
    shoe_rules: pd.Series
    drills: pd.DataFrame | None = None
    adherence: pd.DataFrame | None = None
    log: pd.DataFrame | None = None
    catalog: pd.DataFrame | None = None
    sources: list[str] = field(default_factory=list)
    dynamics_binned: dict[str, pd.DataFrame] | None = None
    week_decisions: pd.DataFrame | None = None  # analysis.week.weekly_decisions (METHODS.md 9)
    questionnaires: pd.DataFrame | None = None  # analysis.questionnaires.score_all (METHODS.md 10)
    loading_tests: pd.DataFrame | None = None  # analysis.io.pain_diary.loading_tests (METHODS.md 10)
    loading_notes: list[str] = field(default_factory=list)  # where a loading test stands in for mornings


def week_step(runs: pd.DataFrame, pain_daily: pd.DataFrame, episodes: pd.DataFrame | None, *, as_of=None,
              grouping: Mapping[str, str] | None = None,
              last_weeks: int | None = None) -> tuple[pd.DataFrame, dict, list[dict]]:
    """This week's decisions (METHODS.md 9): every week's frame, and the JSON ``this_week`` and ``weekly_decisions``.

    ``last_weeks``: decide only the last weeks (:func:`analysis.week.weekly_decisions`); default all.
    """
    from analysis import week as wk

    decisions = wk.weekly_decisions(pain_daily, runs, episodes, as_of=as_of, grouping=grouping,
                                    last_weeks=last_weeks)
    this_json, weekly = wk.to_json(wk.this_week(decisions), decisions, as_of=as_of)
    return decisions, this_json, weekly


def analyse(
    runs: pd.DataFrame,
    pain: pd.DataFrame | None = None,
    drills: pd.DataFrame | None = None,
    *,
    samples: pd.DataFrame | None = None,
    log: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
    grouping: Mapping[str, str] | None = None,
    retire_km: float = footwear.DEFAULT_RETIRE_KM,
    flare_params: Mapping[str, float] | None = None,
    sources: Sequence[str | os.PathLike] = (),
    input_records: Sequence[Mapping] = (),
    tz: str | None = None,
    default_shoe: str | None = None,
    timestamp: str | None = None,
    questionnaires: pd.DataFrame | None = None,
    since=None,
    until=None,
    meanwhile: Callable[[], None] | None = None,
) -> Analysis:
    """Compute every frame and finding of the report from the canonical frames, once.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame after :func:`analysis.footwear.assign_footwear`.
    pain : DataFrame, optional
        Canonical pain frame (:func:`analysis.io.pain_diary.read_pain_diary`);
        without it, flare-ups cannot be analysed and the report says so.
    drills : DataFrame, optional
        :func:`analysis.io.drills.read_drills`.
    samples : DataFrame, optional
        Canonical samples (no positions needed): enables running dynamics.
    log : DataFrame, optional
        Import log, for the data-quality page.
    catalog : DataFrame, optional
        The shoes catalog used (retire mileage per shoe).
    grouping : mapping, optional
        Shoe class -> group; default :data:`analysis.schema.GROUPING`.
    retire_km : float
        Default retire mileage (km) for shoes without one in the catalog.
    flare_params : mapping, optional
        Flare-up rule parameters (:func:`analysis.flareups.detect_flareups`), used by
        the findings and the figures alike.
    sources : sequence of paths
        What was read (file names appear on the data-quality page).
    input_records : sequence of dict, optional
        :func:`analysis.provenance.input_records` of what was read: the JSON's
        ``inputs`` (empty when the frames were not read by :func:`run`).
    tz, default_shoe : str, optional
        The zone and default shoe the runs were read with (the JSON's ``parameters``).
    timestamp : str, optional
        Time of the run for the JSON (``--timestamp``); left out by default so
        that reruns give identical bytes.
    since, until : date-like, optional
        The analysis window (``--since``/``--until``; METHODS.md 5): default the
        diary's span. Runs before it still feed the load history and the lags.
    questionnaires : DataFrame, optional
        Scored questionnaires (:func:`analysis.questionnaires.score_all`).
    meanwhile : callable, optional
        Called once, without arguments, when this process's own share of the work is done and the
        second processes (:func:`analysis.findings.start_findings`) may still be fitting theirs:
        ``runlog report`` loads matplotlib there, on a CPU that would otherwise wait.

    Returns
    -------
    Analysis
        ``daily`` (:func:`~analysis.load.daily_load`), ``weekly``, ``acute_chronic``,
        ``spikes``, ``guardrails``, ``transition_runs`` (:mod:`analysis.load`),
        ``pain_daily``, ``episodes``, ``weekly_pain``, ``rule24``, ``coverage``
        (:mod:`analysis.flareups`), ``adherence`` (:mod:`analysis.drills`),
        ``shoes`` and ``shoe_rules`` (:mod:`analysis.footwear`) and ``findings``
        (:func:`analysis.findings.findings`).
    """
    # scipy.special and scipy.optimize load here (about a quarter of a second; once a process; scipy.stats
    # and statsmodels only where a model needs statsmodels, usually in a second process): no collector
    # passes over them
    with gc_paused(freeze="analysis.findings" not in sys.modules):
        from analysis import flareups
        from analysis.findings import model_frames, start_findings
        from analysis.provenance import parameters, with_provenance
        from analysis.schema import GROUPING, coerce_pain

    pain = coerce_pain(pain) if pain is None else pain
    grouping = dict(GROUPING if grouping is None else grouping)
    dynamics_binned = dynamics_table = None
    if samples is not None and len(samples):
        from analysis import background
        from analysis.dynamics import dynamics_by_shoe_class, speed_binned_all
        from analysis.findings import analysis_period

        dynamics_binned = speed_binned_all(samples)  # binned once: the models and the figure share it
        first, last = analysis_period(runs, pain, start=since, end=until)
    frames = model_frames(runs, pain, drills, grouping=grouping, flare_params=flare_params, start=since,
                          end=until)
    rule24 = flareups.twenty_four_hour_rule(pain, frames.runs_in_period)
    if dynamics_binned is not None:
        # the running dynamics' mixed models, in a child of the warm fork server (statsmodels is imported
        # there already: forked from this process the child imported it again, ~0.4 s of CPU), started
        # with the exploratory models' child; only the binned means travel (every metric is binned, so the
        # samples themselves are not read: an empty frame of their columns stands for them)
        dynamics_table = background.start_warm(dynamics_by_shoe_class, samples.iloc[:0],
                                               _in_period(runs, first, last), grouping=grouping,
                                               binned=dynamics_binned)
    pending = start_findings(runs, pain, drills, samples, grouping=grouping, flare_params=flare_params,
                             start=since, end=until, frames=frames, rule24=rule24, dynamics_binned=dynamics_binned,
                             dynamics_table=dynamics_table)
    try:  # the tables below need no model: made while the second processes finish theirs
        analysis, flag_rows, red_rows, week = _tables(runs, pain, drills, frames, rule24, grouping=grouping,
                                                       log=log, catalog=catalog, retire_km=retire_km,
                                                       sources=sources)
        if meanwhile is not None:
            meanwhile()
    except BaseException:
        pending.cancel()
        raise
    findings = analysis.findings = pending.result()
    if (findings.get("dynamics") or {}).get("available"):
        analysis.dynamics_binned = dynamics_binned
    findings["flags"] = flag_rows
    findings["flags"]["red_flags"] = red_rows
    analysis.week_decisions, findings["this_week"], findings["weekly_decisions"] = week
    if questionnaires is not None:
        from analysis.questionnaires import to_json as questionnaires_json

        analysis.questionnaires = questionnaires
        findings["questionnaires"] = questionnaires_json(questionnaires)
    params = parameters(tz=None if tz is None else str(tz), retire_km=retire_km, default_shoe=default_shoe,
                        grouping=grouping, flare_params=flare_params, since=since, until=until)
    analysis.findings = with_provenance(findings, list(input_records), params, timestamp)
    return analysis


def _tables(runs, pain, drills, frames, rule24, *, grouping, log, catalog, retire_km, sources):
    """:func:`analyse`'s frames that need no model (load, shoes, flags, the week), its findings left empty.

    Returns the :class:`Analysis` (``findings`` and ``dynamics_binned`` still None), the ``flags``
    and ``flags.red_flags`` of the findings JSON, and :func:`week_step`'s three values.
    """
    from analysis import flareups, load
    from analysis.findings import flags as flags_of
    from analysis.findings import red_flag_rows

    start, end = frames.start, frames.end
    in_period = frames.runs_in_period
    daily = frames.daily
    history = frames.history if frames.history is not None else daily
    adherence = None
    if drills is not None and len(drills):
        from analysis.drills import weekly_adherence

        adherence = weekly_adherence(drills, start=start, end=end)
    # each load table once: the guard-rails' weeks are the period's weeks, their run checks the transition runs
    weekly = load.weekly_load(daily) if len(daily) else daily
    checks = load.transition_runs(in_period, grouping=grouping)
    spikes = frames.spikes if frames.spikes is not None else load.spike_ratio(runs)
    analysis = Analysis(
        runs=in_period,
        pain=pain,
        findings=None,
        frames=frames,
        start=start,
        end=end,
        daily=daily,
        weekly=weekly,
        acute_chronic=(
            load.acute_chronic(history).loc[daily.index] if len(daily) else pd.DataFrame(index=daily.index)
        ),
        spikes=_in_period(spikes, start, end),
        guardrails=load.transition_guardrails(
            in_period, start=start, end=end, grouping=grouping, rule_breaches=rule24["breach"],
            weekly=weekly if len(daily) else None, checks=checks,
        )
        if len(in_period)
        else pd.DataFrame(index=pd.DatetimeIndex([], name="week_start")),
        transition_runs=checks,
        pain_daily=frames.pain_daily,
        episodes=frames.episodes,
        weekly_pain=flareups.weekly_pain(frames.pain_daily),
        rule24=rule24,
        coverage=flareups.diary_coverage(pain, start=start, end=end),
        shoes=footwear.shoe_summary(in_period, catalog, retire_km=retire_km),
        shoe_rules=footwear.rule_counts(in_period) if "shoe_rule" in in_period else pd.Series(dtype="int64"),
        drills=drills,
        adherence=adherence,
        log=log,
        catalog=catalog,
        sources=[str(s) for s in sources],
        dynamics_binned=None,
    )
    flag_rows = flags_of(analysis.rule24, analysis.spikes, analysis.guardrails, analysis.shoes)
    red_rows = red_flag_rows(flareups.red_flags(frames.pain_daily, frames.episodes))
    week = week_step(runs, frames.pain_daily, frames.episodes, grouping=grouping)
    return analysis, flag_rows, red_rows, week


def _in_period(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    """Rows whose ``date`` falls in [start, end] (all rows without a period)."""
    if start is None or not len(frame):
        return frame
    dates = pd.to_datetime(frame["date"])
    return frame[(dates >= start) & (dates <= end)]


def run(
    inputs: Inputs,
    *,
    tz=None,
    cache=None,
    progress: bool | None = False,
    retire_km: float = footwear.DEFAULT_RETIRE_KM,
    on_step: Callable[[str], None] | None = None,
    timestamp: bool = False,
    since=None,
    until=None,
    meanwhile: Callable[[], None] | None = None,
) -> Analysis:
    """Read an :class:`Inputs` (sources, diary, drills, shoes) and :func:`analyse` it.

    ``since``/``until``: the analysis window; ``meanwhile``: called while the second processes
    finish (:func:`analyse`).

    ``on_step`` is called with a short message before each step (progress).
    The findings carry the inputs' sizes and SHA-256 (:func:`analysis.provenance.input_records`;
    with a cache, unchanged files are not read again for it) and, with
    ``timestamp``, the time of the run.
    """

    def step(msg: str) -> None:
        if on_step is not None:
            on_step(msg)

    pain, drills = read_side_files(inputs)  # side files first: a bad diary is refused before the import
    pain, tests, test_notes = with_loading_tests(pain)
    questionnaires = read_questionnaires(inputs)
    result, catalog = load_runs(inputs, tz=tz, progress=progress, cache=cache, samples=True)
    fail_if_nothing(result)
    pain, renamed, missing = pain_with_current_ids(pain, result.runs)
    if renamed:
        step(f"{renamed} pain diary entr{'ies name' if renamed > 1 else 'y names'} a CSV run by its id from "
             "before runlog changed how rows without an id are named: matched to the run ('runlog runs -o "
             "runs.csv' lists the ids to write from now on)")
    if missing:
        shown = ", ".join(f"'{a}'" for a in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        step(f"pain diary: activity_id {shown} names no run given: those entries count for every run of their "
             "day (check the ids against 'runlog runs -o runs.csv')")
    from analysis.ingest.importlog import zone_note

    if zone_note(result.log):
        step(zone_note(result.log))
    if pain is None:
        step("no pain diary given (--pain): flare-ups cannot be analysed")
    step(f"{len(result.runs)} runs read; finding flare-ups and associations")
    from analysis.provenance import input_records, now_utc

    records = input_records(inputs, cache_folder=getattr(cache, "base", None), sample_dir=SAMPLE_DIR)
    for note in test_notes:
        step(note)
    from analysis.progress import stage

    with stage("analysing", progress=progress):  # a ticking line on a terminal, nothing when piped
        out = analyse(
            result.runs,
            pain,
            drills,
            samples=result.samples,
            log=result.log,
            catalog=catalog,
            retire_km=retire_km,
            sources=[Path(s).name for s in inputs.sources],
            input_records=records,
            tz=tz,
            default_shoe=inputs.default_shoe,
            timestamp=now_utc() if timestamp else None,
            questionnaires=questionnaires,
            since=since,
            until=until,
            meanwhile=meanwhile,
        )
    if tests is not None and len(tests):
        from analysis.loading_tests import to_json as tests_json

        out.loading_tests, out.loading_notes = tests, test_notes
        out.findings["loading_tests"] = tests_json(tests, test_notes)
    return out


def with_loading_tests(pain: pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[str]]:
    """The diary's loading tests, and the diary with a test standing in for rare mornings (METHODS.md 10)."""
    if pain is None:
        return None, None, []
    from analysis.io.pain_diary import loading_tests
    from analysis.loading_tests import stand_in

    tests = loading_tests(pain)
    if not len(tests):
        return pain, tests, []
    pain, notes = stand_in(pain, tests)
    return pain, tests, notes


def read_questionnaires(inputs: Inputs) -> pd.DataFrame | None:
    """The questionnaires file of ``inputs`` scored (METHODS.md 10), or None where not given."""
    if inputs.questionnaires is None:
        return None
    from analysis.io.questionnaires import read_questionnaires as read
    from analysis.questionnaires import score_all

    return score_all(read(inputs.questionnaires))


@dataclass
class WeekResult:
    """What ``runlog week`` prints and writes (METHODS.md 9): no model is fitted.

    ``decisions`` is :func:`analysis.week.weekly_decisions`, ``this_week`` its last
    week, ``lines`` the printed lines, ``findings`` the JSON keys ``this_week``,
    ``weekly_decisions`` (and ``questionnaires`` when given).
    """

    decisions: pd.DataFrame
    this_week: pd.DataFrame
    lines: list[str]
    findings: dict
    questionnaires: pd.DataFrame | None = None


def week(inputs: Inputs, *, as_of=None, tz=None, cache=None, progress: bool | None = False,
         grouping: Mapping[str, str] | None = None,
         flare_params: Mapping[str, float] | None = None, all_weeks: bool = True,
         units: str = "km") -> WeekResult:
    """This week's decision and next week's allowance per region, without any model fit (METHODS.md 9).

    Reads the diary (required), the questionnaires and the runs (no samples), makes the daily pain grid
    and the flare-up episodes (:func:`analysis.flareups.detect_flareups`) and decides every week. With
    ``all_weeks`` False (``runlog week`` without ``--json``) only the last weeks this week's line needs
    are decided: the lines and ``this_week`` are the same, ``decisions`` and the JSON's
    ``weekly_decisions`` and adherence then cover those weeks only.
    """
    from analysis import flareups
    from analysis import week as wk
    from analysis.io.pain_diary import read_pain_diary

    if inputs.pain is None:
        raise RunlogError("runlog week needs a pain diary: give --pain FILE (template: data/templates/pain_diary.csv)")
    pain, tests, test_notes = with_loading_tests(read_pain_diary(inputs.pain))
    questionnaires = read_questionnaires(inputs)
    result, _ = load_runs(inputs, tz=tz, progress=progress, cache=cache, samples=False)
    fail_if_nothing(result)
    daily = flareups.daily_pain(pain)
    if as_of is not None:
        as_of = pd.Timestamp(as_of).normalize()
        daily = daily[daily["date"] <= as_of]
    episodes = flareups.detect_flareups(daily, **dict(flare_params or {}))
    decisions, this_json, weekly = week_step(result.runs, daily, episodes, as_of=as_of, grouping=grouping,
                                             last_weeks=None if all_weeks else wk.REDUCE_LOOKBACK_WEEKS + 1)
    this = wk.this_week(decisions)
    findings = {"this_week": this_json, "weekly_decisions": weekly}
    import textwrap

    lines = wk.lines(this, units) + [w for n in test_notes for w in textwrap.wrap(f"note: {n}", 100, subsequent_indent="  ")]
    if tests is not None and len(tests):
        from analysis.loading_tests import to_json as tests_json

        findings["loading_tests"] = tests_json(tests, test_notes)
    if questionnaires is not None:
        from analysis.questionnaires import latest_by_region
        from analysis.questionnaires import to_json as questionnaires_json

        findings["questionnaires"] = questionnaires_json(questionnaires)
        lines = wk.with_questionnaires(lines, this, latest_by_region(questionnaires, as_of=as_of))
    return WeekResult(decisions=decisions, this_week=this, lines=lines, findings=findings,
                      questionnaires=questionnaires)


@dataclass
class CheckResult:
    """What ``runlog check`` reports, computed by :func:`check` (the CLI only prints it).

    Attributes
    ----------
    sample : bool
        The embedded sample was read (no sources named).
    sources : list of str
        The sources read.
    log : DataFrame
        The import log.
    counts : dict
        :func:`analysis.ingest.importlog.summarize` of the log.
    attention : DataFrame
        :func:`analysis.ingest.importlog.attention`: the entries to look at.
    runs : int
        Runs imported (all dates).
    start, end : Timestamp or None
        The analysis period (:func:`analysis.findings.analysis_period`), as the
        report and the JSON use it.
    runs_in_period : int
    distance_km : float
        Runs and distance in the period (the JSON's ``data.runs`` and
        ``data.distance_km``).
    pain_days_logged_pct : float or None
        Days of the period with any diary entry (the JSON's
        ``data.pain_days_logged_pct``).
    no_shoe : DataFrame
        :func:`analysis.footwear.runs_without_shoe`, runs of the period.
    diary : dict or None
        :func:`analysis.flareups.diary_summary` (None without a diary).
    shoe_specs : list of str
        :func:`analysis.footwear.specs_provenance`: where each shoe's class and MI came from.
    per_source : DataFrame
        :func:`analysis.ingest.importlog.by_source`: runs each source gave and what became of them.
    drills_days : int or None
        Days in the drills log (None without one).
    warnings : list of str
        One plain line each.
    loading_tests : DataFrame or None
        :func:`analysis.io.pain_diary.loading_tests` of the diary (None without one).
    loading_notes : list of str
        Where a loading test stands in for rare mornings (:func:`analysis.loading_tests.stand_in`).
    """

    sample: bool
    sources: list[str]
    log: pd.DataFrame
    counts: dict
    attention: pd.DataFrame
    runs: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    runs_in_period: int
    distance_km: float
    pain_days_logged_pct: float | None
    no_shoe: pd.DataFrame
    diary: dict | None
    drills_days: int | None
    warnings: list[str]
    shoe_specs: list[str] = field(default_factory=list)
    per_source: pd.DataFrame | None = None
    loading_tests: pd.DataFrame | None = None
    loading_notes: list[str] = field(default_factory=list)


def check(inputs: Inputs, *, tz=None, cache=None, progress: bool | None = False) -> CheckResult:
    """Read everything ``runlog report`` would read and say what was found, before any analysis.

    The side files (diary, drills log, shoes catalog) are read first, so a bad
    one is refused before any activity file is read. Counts and the period are
    those of the report and the JSON (:func:`analysis.findings.analysis_period`).

    Returns
    -------
    CheckResult
    """
    from analysis.findings import analysis_period
    from analysis.flareups import MIN_LOGGED_PCT, diary_summary
    from analysis.footwear import runs_without_shoe, shoe_warnings, specs_provenance
    from analysis.ingest.importlog import attention, by_source, summarize
    from analysis.schema import coerce_pain

    pain, drills = read_side_files(inputs)
    _, tests, test_notes = with_loading_tests(pain)
    result, catalog = load_runs(inputs, tz=tz, progress=progress, cache=cache, samples=False)
    runs = result.runs
    start, end = analysis_period(runs, pain if pain is not None else coerce_pain(None))
    in_period = _in_period(runs, start, end)
    diary = diary_summary(pain, start=start, end=end) if pain is not None else None
    logged_pct = None
    if diary is not None and start is not None:
        cov = diary["coverage"].set_index("region")
        logged_pct = float(cov.loc["any", "pct_logged"])
    no_shoe = runs_without_shoe(in_period)
    warnings = []
    if pain is None:
        warnings.append("no pain diary given (--pain): flare-ups cannot be analysed")
    elif diary is not None:
        for r in diary["coverage"].itertuples(index=False):
            # a region never logged is not a patchy diary (a runner may keep only the Achilles): the details
            # line gives its 0 %
            if r.region != "any" and r.warn and r.days_in_period and r.pct_logged > 0:
                warnings.append(
                    f"diary coverage {r.region}: {r.pct_logged:.0f} % of {r.days_in_period} days logged "
                    f"(below {MIN_LOGGED_PCT:.0f} %: too patchy for flare-up detection and models)"
                )
        for r in diary["coverage"].itertuples(index=False):
            # no region logged at all: not a region the runner does not keep, a diary that cannot be used
            if r.region == "any" and r.days_in_period and not r.pct_logged > 0:
                warnings.append(f"diary: no pain logged on any day of the analysis period ({r.days_in_period} "
                                "days): flare-ups cannot be analysed")
    warnings.extend(shoe_warnings(in_period, catalog, shoes_given=inputs.shoes is not None))
    counts = summarize(result.log)
    if counts["failed"]:
        warnings.append(f"{counts['failed']} import-log entries failed (listed below)")
    return CheckResult(
        sample=inputs.sample,
        sources=[str(s) for s in inputs.sources],
        log=result.log,
        counts=counts,
        attention=attention(result.log),
        runs=len(runs),
        start=start,
        end=end,
        runs_in_period=len(in_period),
        distance_km=float(pd.to_numeric(in_period["distance_m"]).astype(float).sum() / 1000),
        pain_days_logged_pct=logged_pct,
        no_shoe=no_shoe,
        diary=diary,
        drills_days=None if drills is None else int(pd.to_datetime(drills["date"]).dt.normalize().nunique()),
        warnings=warnings,
        shoe_specs=specs_provenance(runs) if len(runs) else [],
        per_source=by_source(result.log),
        loading_tests=tests,
        loading_notes=test_notes,
    )
