"""The ``runlog`` command: a thin shell over the library.

Every number it prints is computed by a library function a user can call from
Python. Bad input gives one line naming the file (and row) on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from analysis import __version__
from analysis.errors import RunlogError

EXIT_BAD_INPUT = 2


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="export files or folders: Strava export (.zip or folder), Garmin CSV/JSON, Apple Health "
        "export.zip, Polar Flow, Fitbit, Runkeeper or Samsung Health export, FIT/TCX/GPX, or a CSV with "
        "canonical columns. "
        "Default: the embedded sample (data/sample).",
    )
    p.add_argument("--shoes", metavar="FILE", help="shoes catalog CSV (runlog format or Strava shoes.csv, any "
                   "language); a Strava export's own shoes.csv is used too")
    p.add_argument("--gear-log", metavar="FILE", help="which shoe you wore when: CSV from,to,shoe[,min_km,max_km,"
                   "sport] (template: data/templates/gear_log.csv)")
    p.add_argument("--overrides", metavar="FILE", help="the shoe of single runs: CSV activity_id (or date),shoe "
                   "(template: data/templates/overrides.csv)")
    p.add_argument("--default-shoe", metavar="NAME", help="the shoe (or class, e.g. minimalist) of every run that "
                   "records none and no other rule places")
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="your time zone (IANA name, e.g. Europe/Berlin) for sources without a UTC offset; "
        "default: this computer's zone",
    )
    p.add_argument("--units", choices=("km", "mi"), default="km", help="distance units shown (default km)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-cache", action="store_true",
                   help="decode every file again instead of re-using the import cache")
    p.add_argument("--verify-cache", action="store_true",
                   help="hash every file's content before re-using the import cache (slower; for when file "
                   "times cannot be trusted)")


def _add_questionnaires(p: argparse.ArgumentParser) -> None:
    p.add_argument("--questionnaires", metavar="FILE", help="VISA-A/P/G and FAAM answers, CSV "
                   "date,instrument,item,answer (template: data/templates/questionnaires.csv)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runlog",
        description="Is it my mileage, or my shoes? Reads your running exports, tags every run by "
        "footwear and relates load to plantar fascia, Achilles, patellar tendon and glute pain. "
        "Works offline; GPS positions never appear in outputs.",
    )
    parser.add_argument("--version", action="version", version=f"runlog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("runs", help="list the runs found in your exports", description="List every run once, "
                       "with date, sport, distance, time, pace and shoe, and how each file was imported.")
    _add_sources(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write the runs frame to FILE (.csv or .parquet)")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("check", help="check your files and diary before an analysis",
                       description="A summary first (runs, period, import log, diary, shoes), then the "
                       "details: diary notes and coverage, runs with no shoe, import-log entries to look at. "
                       "At most a screenful; --all lists every import-log entry.")
    _add_sources(p)
    p.add_argument("--pain", metavar="FILE", help="pain diary (CSV or .xlsx; long or wide layout)")
    p.add_argument("--drills", metavar="FILE", help="foot-drills log CSV")
    p.add_argument("--all", action="store_true",
                   help="list every import-log entry and every run without a shoe")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("shoes", help="mileage and class of every shoe",
                       description="One row per shoe: runs, km, first and last use, Minimalist Index, "
                       "class and a retire alert; runs with no shoe on their own line.")
    _add_sources(p)
    p.add_argument("--retire-km", type=float, default=800.0, help="default retire mileage in km (800)")
    p.set_defaults(func=cmd_shoes)

    p = sub.add_parser("report", help="the PDF report for you or your physiotherapist",
                       description="Relate weekly load and footwear to plantar fascia, Achilles, patellar "
                       "tendon and glute pain and write an A4 PDF: a one-page summary, the figures, methods "
                       "and caveats, and data quality. With no SOURCES it runs on the embedded sample. "
                       "Progress goes to stderr.")
    _add_sources(p)
    p.add_argument("--pain", metavar="FILE", help="pain diary CSV (long or wide layout)")
    p.add_argument("--drills", metavar="FILE", help="foot-drills log CSV")
    p.add_argument("-o", "--output", metavar="FILE", default="report.pdf",
                   help="where to write the PDF (default report.pdf in the current folder)")
    p.add_argument("--json", metavar="FILE",
                   help="also write the findings as JSON (the numbers the report prints)")
    p.add_argument("--no-pdf", action="store_true",
                   help="with --json: compute the findings only, draw nothing")
    p.add_argument("--retire-km", type=float, default=800.0, help="default retire mileage in km (800)")
    p.add_argument("--since", metavar="DATE",
                   help="first day analysed (YYYY-MM-DD; default the diary's first day; runs before it "
                   "still feed the load history)")
    p.add_argument("--until", metavar="DATE", help="last day analysed (YYYY-MM-DD; default the diary's last day)")
    p.add_argument("--tables", metavar="DIR",
                   help="also write analysis-ready tables (Parquet and CSV) and their data dictionary to DIR")
    p.add_argument("--timestamp", action="store_true",
                   help="put the time of the run in the JSON (by default left out: reruns give identical bytes)")
    _add_questionnaires(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("week", help="this week's answer per region: progress, hold or reduce",
                       description="The pain-monitoring model (METHODS.md 9) on the 7 days ending at --as-of: "
                       "one line per region with the decision, the rule that decided (its date and value) and "
                       "next week's allowance of total and barefoot-style km. Fits no model.")
    _add_sources(p)
    p.add_argument("--pain", metavar="FILE", help="pain diary CSV (long or wide layout); required "
                   "(the embedded sample's diary without SOURCES)")
    p.add_argument("--as-of", metavar="DATE", help="the week's last day (YYYY-MM-DD); default the diary's last day")
    p.add_argument("--json", metavar="FILE", help="also write this_week and weekly_decisions as JSON")
    _add_questionnaires(p)
    p.set_defaults(func=cmd_week)

    _add_experiment(sub)
    _add_cohort(sub)

    p = sub.add_parser("cache", help="the import cache (decoded files kept between runs)",
                       description="runlog keeps decoded files in your cache folder so that re-importing "
                       "an archive is quick. 'runlog cache clear' removes it; 'runlog cache where' prints it.")
    p.add_argument("action", choices=("clear", "where"))
    p.set_defaults(func=cmd_cache)
    return parser


def _add_cohort(sub) -> None:
    """``runlog cohort report`` and ``runlog cohort runs`` (METHODS.md 7): see analysis.cohort.cli."""
    from analysis.cohort.cli import add_cohort_parser

    add_cohort_parser(sub)


def _add_experiment(sub) -> None:
    """``runlog experiment plan`` and ``runlog experiment analyse`` (METHODS.md 8)."""
    ex = sub.add_parser("experiment", help="plan and analyse a randomised footwear self-experiment",
                        description="Is it my shoes? Alternate blocks of two footwear conditions in a random, "
                        "counterbalanced order, log morning pain, and get a causal answer in 2-3 months.")
    exsub = ex.add_subparsers(dest="experiment_command", metavar="STEP", required=True)
    p = exsub.add_parser("plan", help="write a randomised block schedule (CSV, calendar, protocol PDF)",
                         description="Pairs of blocks, each pair in random order (AB or BA); the first days of "
                         "each block are a wash-out, lived but not analysed.")
    p.add_argument("--start", required=True, metavar="DATE", help="first day of block 1 (YYYY-MM-DD)")
    p.add_argument("--blocks", type=int, default=6, metavar="N", help="number of blocks, even (default 6)")
    p.add_argument("--block-days", type=int, default=14, metavar="D", help="days per block (default 14)")
    p.add_argument("--compare", default="barefoot-style,traditional", metavar="A,B",
                   help="the two conditions; effects are B minus A (default barefoot-style,traditional)")
    p.add_argument("--washout-days", type=int, default=3, metavar="W",
                   help="days at the start of each block not analysed (default 3)")
    p.add_argument("--weekly-km", type=float, metavar="KM", help="weekly distance to hold in every block")
    p.add_argument("--seed", type=int, metavar="S", help="seed of the random order (default: a new one, printed)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the plan CSV to write")
    p.add_argument("--ics", metavar="FILE", help="also write the blocks as calendar events (.ics)")
    p.add_argument("--pdf", metavar="FILE", help="also write a one-page protocol to pin up (PDF)")
    p.set_defaults(func=cmd_experiment_plan)
    p = exsub.add_parser("analyse", aliases=["analyze"], help="adherence and the effect per region",
                         description="Reads the plan, your exports (for the footwear of each run) and the pain "
                         "diary; prints adherence and one conclusion per region.")
    _add_sources(p)
    p.add_argument("--plan", required=True, metavar="FILE", help="the plan CSV of 'runlog experiment plan'")
    p.add_argument("--pain", required=True, metavar="FILE", help="pain diary CSV (long or wide layout)")
    p.add_argument("--ostrc", metavar="FILE", help="weekly OSTRC-O2 answers (a secondary outcome)")
    p.add_argument("--adherence", type=float, default=0.8, metavar="SHARE",
                   help="share of a block's km in the planned footwear to count as kept (default 0.8)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("-o", "--output", metavar="FILE", help="write the results as a PDF")
    p.set_defaults(func=cmd_experiment_analyse)


def cmd_experiment_plan(args) -> int:
    from analysis.experiment.plan import make_plan, parse_compare, plan_to_csv, plan_to_ics, write_text

    plan = make_plan(args.start, blocks=args.blocks, block_days=args.block_days,
                     compare=parse_compare(args.compare), washout_days=args.washout_days,
                     weekly_km=args.weekly_km, seed=args.seed)
    print(f"wrote {write_text(plan_to_csv(plan), args.output).resolve()} (seed {plan.attrs['seed']})")
    if args.ics:
        print(f"wrote {write_text(plan_to_ics(plan), args.ics).resolve()}")
    if args.pdf:
        from analysis.experiment.protocol import write_protocol_pdf

        print(f"wrote {write_protocol_pdf(plan, args.pdf).resolve()}")
    from analysis.experiment.wording import plan_summary

    print(plan_summary(plan))
    return 0


def cmd_experiment_analyse(args) -> int:
    from analysis.experiment.files import analyse_files

    result = analyse_files(_inputs(args), args.plan, tz=_tz(args), cache=_cache(args),
                           progress=False if args.no_progress else None, ostrc=args.ostrc,
                           adherence_threshold=args.adherence)
    print(result.summary())
    if args.json:
        from analysis.experiment.wording import write_json

        print(f"wrote {write_json(result, args.json).resolve()}")
    if args.output:
        from analysis.experiment.protocol import write_experiment_pdf

        print(f"wrote {write_experiment_pdf(result, args.output).resolve()}")
    return 0


def _inputs(args):
    from analysis.pipeline import resolve_inputs

    return resolve_inputs(args.sources, pain=getattr(args, "pain", None), shoes=args.shoes,
                          drills=getattr(args, "drills", None), gear_log=getattr(args, "gear_log", None),
                          overrides=getattr(args, "overrides", None), default_shoe=getattr(args, "default_shoe", None),
                          questionnaires=getattr(args, "questionnaires", None))


def _tz(args) -> str:
    if args.tz:
        from analysis.units import get_zone

        get_zone(args.tz)
        return args.tz
    try:
        from tzlocal import get_localzone_name

        zone = get_localzone_name() or "UTC"
        how = "this computer's zone"
    except Exception:  # no zone configured on this computer
        zone, how = "UTC", "no zone is configured on this computer"
    _NOTES.append(f"no --tz given: times written without a UTC offset (Garmin CSV, plain CSV) are read as "
                  f"{zone} ({how}); give --tz with the zone the runs were recorded in if that is not it")
    return zone


#: notes printed (stderr) once the inputs were read: a failed read prints its one error line only
_NOTES: list[str] = []


def _flush_notes() -> None:
    while _NOTES:
        print(f"runlog: {_NOTES.pop(0)}", file=sys.stderr, flush=True)


def _cache(args):
    """The import cache the flags ask for: none with --no-cache, every input hashed with --verify-cache."""
    from analysis.ingest.cache import Cache

    return None if args.no_cache else Cache(verify=getattr(args, "verify_cache", False))


def _load(args, samples: bool = False):
    from analysis.pipeline import load_runs

    inputs = _inputs(args)
    cache = _cache(args)
    result, catalog = load_runs(inputs, tz=_tz(args), progress=False if args.no_progress else None,
                                cache=cache, samples=samples)
    from analysis.ingest.importlog import zone_note

    note = zone_note(result.log)
    if note:
        _NOTES.append(note)
    _flush_notes()
    return inputs, result, catalog


def cmd_cache(args) -> int:
    from analysis.ingest.cache import Cache

    cache = Cache()
    if args.action == "clear":
        cache.clear()
        print(f"removed {cache.base}")
    else:
        print(cache.base)
    return 0


def _fail_if_nothing(result) -> None:
    from analysis.pipeline import fail_if_nothing

    fail_if_nothing(result)


def _distance(km: float, units: str) -> float:
    from analysis.units import display_per_km

    return km * display_per_km(units)


def _fmt_duration(seconds) -> str:
    import pandas as pd  # here, not at the top: runlog --help stays light
    if pd.isna(seconds):
        return "-"
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def runs_table(runs: pd.DataFrame, units: str = "km") -> pd.DataFrame:
    """The printed runs table: date, sport, distance, time, pace, shoe."""
    import pandas as pd  # here, not at the top: runlog --help stays light
    km = runs["distance_m"].astype("Float64") / 1000
    dist = km.map(lambda v: _distance(v, units) if pd.notna(v) else pd.NA)
    secs = runs["moving_time_s"].fillna(runs["elapsed_time_s"])
    pace = [
        "-" if pd.isna(t) or pd.isna(d) or d == 0 else f"{int(t / d // 60)}:{int(t / d % 60):02d}"
        for t, d in zip(secs, dist, strict=True)
    ]
    shoe = runs["gear_name"].fillna(runs["shoe_class"]).fillna("-")
    return pd.DataFrame(
        {
            "date": runs["date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "sport": runs["sport"].fillna("-"),
            units: dist.map(lambda v: "-" if pd.isna(v) else f"{v:.2f}"),
            "time": secs.map(_fmt_duration),
            f"pace/{units}": pace,
            "shoe": shoe,
        },
        index=runs.index,
    )


def log_summary(log: pd.DataFrame) -> str:
    """One line: how many files and rows ended as what (see analysis.ingest.importlog)."""
    from analysis.ingest.importlog import summary_line

    return summary_line(log)


def write_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame to CSV or Parquet whole or not at all (:func:`analysis.outputs.atomic_write`)."""
    from analysis.outputs import atomic_write

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise RunlogError("output must end in .csv or .parquet", path=path)
    atomic_write(path, frame.to_csv if suffix == ".csv" else frame.to_parquet)


def cmd_runs(args) -> int:
    import pandas as pd  # here, not at the top: runlog --help stays light
    if args.output:
        from analysis.outputs import check_output_path

        check_output_path(args.output)  # told before the import, not after
    _, result, _ = _load(args)
    _fail_if_nothing(result)
    runs = result.runs
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        if len(runs):
            print(runs_table(runs, args.units).to_string())
        else:
            print("no runs found")
    km = float(runs["distance_m"].sum(skipna=True)) / 1000 if len(runs) else 0.0
    from analysis.units import plural

    print(f"\n{plural(len(runs), 'run')}, {_distance(km, args.units):.1f} {args.units}")
    print(log_summary(result.log))
    if args.output:
        write_atomic(runs, Path(args.output))
        print(f"wrote {args.output}")
    return 0


_WIDTH = 100  # check prints within 100 columns
_SHOWN = 8  # list lines per section by default (a screenful in all)


def _say(text: str, indent: int = 0, hang: int = 2) -> None:
    """Print a paragraph wrapped to 100 columns."""
    import textwrap

    print(textwrap.fill(text, _WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + hang),
                        break_on_hyphens=False))


def _short(label: str, roots: list[str]) -> str:
    """A log label without the folder the user named (``export.zip/activities.csv``)."""
    for root in roots:
        if label.startswith(root + "/") or label.startswith(root + "!"):
            return label[len(root) + 1 :]
    return label


def _more(shown: int, total: int, what: str) -> None:
    if total > shown:
        print(f"    ... and {total - shown} more {what} (--all lists them)")


def _check_header(c, inputs) -> None:
    """The first line of ``runlog check``: what was read."""
    names = [Path(s).name for s in c.sources]
    side = [Path(f).name for f in (inputs.pain, inputs.shoes, inputs.drills) if f]
    if c.sample:
        _say("runlog check: using the embedded sample (data/sample): " + ", ".join(names + side))
    else:
        _say("runlog check: " + ", ".join(names + side))


def _runs_lines(c, units: str) -> None:
    """Summary: the runs in the analysis period, and what the import found."""
    if c.start is not None:
        days = (c.end - c.start).days + 1
        basis = "the diary's span" if c.diary and c.diary["entries"] else "the runs' span"
        _say(f"runs: {c.runs} imported; {c.runs_in_period} in the analysis period {c.start:%Y-%m-%d} to "
             f"{c.end:%Y-%m-%d} ({days} days, {basis}), {_distance(c.distance_km, units):.1f} {units}",
             indent=2)
    else:
        _say(f"runs: {c.runs} imported", indent=2)
    k = c.counts
    missing = f" ({k['file_not_in_export']} without their activity file)" if k["file_not_in_export"] else ""
    from analysis.units import plural

    _say(f"import: {plural(k['files'], 'file')}, {plural(k['entries'], 'entry')}: {plural(k['runs'], 'run')}"
         f"{missing}, {k['merged']} merged "
         f"into a run from another source, {k['repeated']} given twice, {k['not_a_run']} not a run, "
         f"{k['failed']} failed", indent=2)


def _diary_line(c) -> None:
    """Summary: what the pain diary holds."""
    d = c.diary
    if d is None:
        _say("diary: none given (--pain)", indent=2)
        return
    regions = ", ".join(f"{r} {n}" for r, n in d["regions"].items()) or "none"
    pct = f", {c.pain_days_logged_pct:.1f} % of the period" if c.pain_days_logged_pct is not None else ""
    _say(f"diary: {Path(str(d['file'])).name if d['file'] else 'pain'}"
         + (f" ({d['layout']} layout)" if d["layout"] else "")
         + f": {d['rows']} rows, {d['entries']} entries, {d['first_date']} to {d['last_date']} "
         f"({d['span_days']} days), logged on {d['days_logged']} days{pct}; entries by region: {regions}; "
         f"sides {', '.join(d['sides']) or 'none'}; times {', '.join(d['times']) or 'none'}; "
         f"{d['repeats']} entries merged (same date, time, region and side: the higher pain counts), "
         f"{d['not_logged']} rows dropped (empty pain: not logged)", indent=2)


def loading_tests_summary(tests: pd.DataFrame | None) -> str | None:
    """One line on the diary's loading tests (``time_of_day`` ``test:<name>``, METHODS.md 10), or None.

    e.g. ``loading tests: 5 diary rows, 6 entries on 3 days, 2026-03-02 to 2026-03-04; achilles:
    single_leg_heel_raise 3 days (L 2, R 3); patellar: decline_squat 1 day (L 1)``: rows as written,
    entries after side B became L and R, and per region each test's days and entries per side.
    """
    if tests is None or not len(tests):
        return None
    import pandas as pd  # here, not at the top: runlog --help stays light

    dates = pd.to_datetime(tests["date"])
    parts = []
    for region, g in tests.groupby("region", sort=False):
        named = []
        for test, t in g.groupby("test", sort=True):
            days = t["date"].nunique()
            sides = ", ".join(f"{side} {n}" for side, n in t["side"].value_counts().sort_index().items())
            named.append(f"{test} {days} day{'s' if days != 1 else ''} ({sides})")
        parts.append(f"{region}: " + ", ".join(named))
    return (f"loading tests: {tests['row'].nunique()} diary rows, {len(tests)} entries on {dates.nunique()} "
            f"days, {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}; " + "; ".join(parts))


def _side_lines(c) -> None:
    """Summary: loading tests, the sources, drills, shoes."""
    tests = loading_tests_summary(c.loading_tests)
    if tests is not None:
        _say(tests, indent=2)
    elif c.diary is not None:
        _say("loading tests: none in the diary (rows with time_of_day test:<name>)", indent=2)
    if c.per_source is not None and len(c.per_source) > 1:
        _say("sources: " + "; ".join(
            f"{src}: {r.runs} runs, {r.kept} kept, {r.duplicate_of_other_source} the same run as another "
            f"source, {r.duplicate_within_source} repeated, {r.not_a_run} not a run, {r.failed} failed"
            for src, r in c.per_source.iterrows()), indent=2)
    if c.drills_days is not None:
        _say(f"drills: {c.drills_days} days with drills", indent=2)
    _say(f"shoes: {len(c.no_shoe)} of {c.runs_in_period} runs in the period have no shoe", indent=2)


def _diary_details(c) -> None:
    d = c.diary
    if d is None:
        return
    for note in d["notes"]:
        _say(f"- diary: {note}", indent=2)
    for note in c.loading_notes:
        _say(f"- loading tests: {note}", indent=2)
    cov = d["coverage"]
    if len(cov) and cov["days_in_period"].max():
        _say("- diary coverage of the period: " + ", ".join(
            f"{r.region} {r.pct_logged:.0f} %" if r.days_logged else f"{r.region} never logged"
            for r in cov.itertuples(index=False)), indent=2)


def _shoe_details(c, args) -> None:
    import pandas as pd  # here, not at the top: runlog --help stays light

    for line in c.shoe_specs if args.all else c.shoe_specs[:_SHOWN]:
        _say(f"- shoe specs: {line}", indent=2, hang=4)
    if not args.all:
        _more(min(len(c.shoe_specs), _SHOWN), len(c.shoe_specs), "shoes")
    if not len(c.no_shoe):
        return
    print(f"  - runs without a shoe ({len(c.no_shoe)}):")
    shown = c.no_shoe if args.all else c.no_shoe.head(_SHOWN)
    for r in shown.itertuples():
        km = "-" if pd.isna(r.distance_km) else f"{_distance(float(r.distance_km), args.units):.1f}"
        name = "" if pd.isna(r.name) else str(r.name)
        line = f"    {r.date:%Y-%m-%d}  {km:>6} {args.units}  {name[:30]:<30}  {r.Index}"
        print(line[:_WIDTH])
    if not args.all:
        _more(len(shown), len(c.no_shoe), "runs")


def _log_details(c, args) -> None:
    import pandas as pd  # here, not at the top: runlog --help stays light

    roots = sorted({str(Path(s).parent) for s in c.sources}, key=len, reverse=True)
    log = c.log if args.all else c.attention
    title = "every import-log entry" if args.all else "import-log entries to look at"
    print(f"  - {title} ({len(log)} of {len(c.log)}):")
    shown = log if args.all else log.head(_SHOWN)
    for r in shown.itertuples(index=False):
        status = getattr(r, "what", None) or str(r.status).replace("_", " ")
        where = _short(str(r.source_file), roots) + ("" if pd.isna(r.row) else f", row {r.row}")
        _say(f"{status}: {where}" + (f": {r.reason}" if r.reason else ""), indent=4, hang=4)
    if not args.all:
        _more(len(shown), len(log), "entries")


def cmd_check(args) -> int:
    """``runlog check``: what was read, as a Summary (one line per source), Warnings and Details."""
    from analysis.pipeline import check

    inputs = _inputs(args)
    c = check(inputs, tz=_tz(args), cache=_cache(args),
              progress=False if args.no_progress else None)
    _check_header(c, inputs)
    print()
    print("Summary")
    _runs_lines(c, args.units)
    _diary_line(c)
    _side_lines(c)
    if c.warnings:
        print()
        print("Warnings")
        for w in c.warnings:
            _say(f"- {w}", indent=2)
    print()
    print("Details")
    _diary_details(c)
    _shoe_details(c, args)
    _log_details(c, args)
    return 0


def cmd_shoes(args) -> int:
    import pandas as pd  # here, not at the top: runlog --help stays light

    from analysis.footwear import shoe_summary, shoe_warnings

    inputs, result, catalog = _load(args)
    _fail_if_nothing(result)
    table = shoe_summary(result.runs, catalog, retire_km=args.retire_km)
    with pd.option_context("display.max_rows", None, "display.width", 250, "display.max_colwidth", 80):
        print(shoes_table(table, args.units).to_string())
    for line in shoe_warnings(result.runs, catalog, shoes_given=inputs.shoes is not None):
        print(f"warning: {line}")
    return 0


def shoes_table(summary: pd.DataFrame, units: str = "km") -> pd.DataFrame:
    """The printed shoes table: one row per shoe, distance in the chosen units."""
    import pandas as pd  # here, not at the top: runlog --help stays light
    dist = summary["distance_km"].astype("Float64").map(lambda v: _distance(v, units) if pd.notna(v) else pd.NA)
    retire = summary["retire_km"].astype("Float64").map(lambda v: _distance(v, units) if pd.notna(v) else pd.NA)
    from analysis.footwear import format_mi

    mi_max = summary["minimalist_index_max"] if "minimalist_index_max" in summary else summary["minimalist_index"]
    specs = summary["specs_from"] if "specs_from" in summary else pd.Series(pd.NA, index=summary.index)
    return pd.DataFrame(
        {
            "class": summary["shoe_class"].fillna("-"),
            "MI %": [format_mi(a, b) for a, b in zip(summary["minimalist_index"], mi_max, strict=True)],
            "runs": summary["runs"],
            units: dist.map(lambda v: "-" if pd.isna(v) else f"{v:.1f}"),
            "first": pd.to_datetime(summary["first_date"]).dt.strftime("%Y-%m-%d").fillna("-"),
            "last": pd.to_datetime(summary["last_date"]).dt.strftime("%Y-%m-%d").fillna("-"),
            f"retire at ({units})": retire.map(lambda v: "-" if pd.isna(v) else f"{v:.0f}"),
            "alert": summary["retire_alert"].fillna(False).map(lambda a: "RETIRE" if a else ""),
            "specs from": specs.fillna("-"),
        }
    ).set_axis(pd.Index(summary["shoe"], name="shoe"))


def _step(message: str) -> None:
    _flush_notes()
    print(f"runlog: {message}", file=sys.stderr, flush=True)


def _window(args):
    """``--since``/``--until`` as days (None where not given); one line and exit 2 when unusable."""
    import pandas as pd

    days = []
    for flag, value in (("--since", args.since), ("--until", args.until)):
        try:
            day = None if value is None else pd.Timestamp(value)
        except ValueError:
            day = pd.NaT
        if value is not None and (pd.isna(day) or day.tzinfo is not None):
            raise RunlogError(f"{flag} {value!r} is not a date: write YYYY-MM-DD")
        days.append(None if day is None else day.normalize())
    if days[0] is not None and days[1] is not None and days[0] > days[1]:
        raise RunlogError(f"--since {args.since} is after --until {args.until}: the window would be empty")
    return days[0], days[1]


#: what the report's exploratory models import in their second process (analysis.background.warm)
WARM_MODULES = (
    "analysis.findings",
    "statsmodels.tsa.ar_model",
    "statsmodels.discrete.conditional_models",
    "statsmodels.stats.multitest",
)


def cmd_report(args) -> int:
    from analysis import background

    # the exploratory models' libraries (statsmodels) load in a fork server on the idle CPU meanwhile
    with background.warm(WARM_MODULES):
        return _report(args)


def _report(args) -> int:
    import gc

    enabled = gc.isenabled()
    gc.disable()  # pandas loads here: as analysis.pipeline.gc_paused(freeze=True)
    try:
        from analysis.outputs import write_json  # not analysis.report's: --no-pdf never loads matplotlib
        from analysis.pipeline import gc_paused, run
    finally:
        gc.freeze()
        if enabled:
            gc.enable()

    if args.no_pdf and not (args.json or args.tables):
        raise RunlogError("--no-pdf needs --json FILE or --tables DIR: otherwise there is nothing to write")
    draw = not args.no_pdf
    from analysis.outputs import check_output_path

    for out in ([args.output] if draw else []) + ([args.json] if args.json else []):
        check_output_path(out)  # a missing folder is told now, not after the report is drawn
    since, until = _window(args)
    if not args.sources:
        _step("no files given: using the embedded sample (data/sample)")

    def load_drawing() -> None:  # matplotlib and reportlab (~0.45 s) load while the second processes fit their models
        with gc_paused(freeze=True):
            import analysis.report  # noqa: F401
            from analysis.textpdf import fonts

            fonts()  # the text pages' fonts read and registered

    analysis = run(_inputs(args), tz=_tz(args), cache=_cache(args),
                   progress=False if args.no_progress else None, retire_km=args.retire_km, on_step=_step,
                   timestamp=args.timestamp, since=since, until=until, meanwhile=load_drawing if draw else None)
    if args.json:
        path = write_json(analysis.findings, Path(args.json))
        print(f"wrote {path.resolve()}")
    if args.tables:
        from analysis.tables import write_tables

        folder = Path(args.tables)
        write_tables(analysis, folder)
        print(f"wrote {folder.resolve()}")
    if not args.no_pdf:
        with gc_paused(freeze=True):  # matplotlib loads here
            from analysis.report import build_report

        _step("drawing the report")
        # the pages' objects (about a million, in cycles) become garbage once the file is written: frozen,
        # not walked by the collector (~0.2 s on the sample); the process ends right after
        with gc_paused(freeze=True):
            path = build_report(analysis, Path(args.output), units=args.units,
                                progress=False if args.no_progress else None)
        print(f"wrote {path.resolve()}")
    return 0


def cmd_week(args) -> int:
    """``runlog week``: the week's lines (<= 100 columns) and, with --json, this_week and weekly_decisions."""
    import pandas as pd  # here, not at the top: runlog --help stays light

    from analysis.ingest.cache import Cache
    from analysis.pipeline import week

    as_of = None
    if args.as_of:
        as_of = pd.to_datetime(args.as_of, errors="coerce", format="%Y-%m-%d")
        if pd.isna(as_of):
            raise RunlogError(f"--as-of '{args.as_of}' is not a date: write it as YYYY-MM-DD")
    # without --json only this week's line is printed: the weeks before it that its allowance needs suffice
    result = week(_inputs(args), as_of=as_of, tz=_tz(args), cache=None if args.no_cache else Cache(),
                  progress=False if args.no_progress else None, all_weeks=bool(args.json), units=args.units)
    _flush_notes()
    for text in result.lines:
        print(text)
    if args.json:
        from analysis.outputs import write_json  # not analysis.report's: that module loads matplotlib

        path = write_json(result.findings, Path(args.json))
        print(f"wrote {path.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``runlog`` console script."""
    # one BLAS thread unless the user set it: runlog's matrices are a few columns wide, too small for
    # OpenBLAS's threads to gain, and their waiting cost a ten-year report ~20 % of its CPU on a busy
    # machine (benchmarks/README.md, report_speed); set before numpy loads (no command has loaded it yet), and
    # taken back when main returns: a caller's (a test's, a script's) later processes keep their own default
    ours = "OPENBLAS_NUM_THREADS" not in os.environ
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        return _main(argv)
    finally:
        if ours:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _NOTES.clear()
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except RunlogError as exc:
        _NOTES.clear()
        print(f"runlog: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("runlog: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
