"""``runlog cohort report`` and ``runlog cohort runs``: argparse glue over :mod:`analysis.cohort.run`.

Registered by :func:`add_cohort_parser` from :mod:`analysis.cli`; computes nothing itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.errors import RunlogError


def _say(message: str) -> None:
    print(f"runlog: {message}", file=sys.stderr, flush=True)


def add_cohort_parser(sub) -> None:
    """Add ``cohort report`` and ``cohort runs`` to the top-level sub-parsers."""
    co = sub.add_parser("cohort", help="a clinic: many runners, one within-runner answer",
                        description="Pools many runners, each compared only with themself (METHODS.md 7). "
                        "CLINIC holds one sub-folder per runner (or a runners.csv manifest).")
    cosub = co.add_subparsers(dest="cohort_command", metavar="STEP", required=True)
    p = cosub.add_parser("report", help="the pooled within-runner estimands, per region (PDF and JSON)")
    _common(p)
    p.add_argument("-o", "--output", default="cohort.pdf", metavar="FILE", help="PDF to write (default cohort.pdf)")
    p.add_argument("--json", metavar="FILE", help="also write the cohort JSON")
    p.add_argument("--no-pdf", action="store_true", help="with --json: draw nothing")
    p.add_argument("--each", metavar="DIR", help="also write each included runner's own report "
                   "(DIR/ID.pdf and DIR/ID.json, as 'runlog report' would)")
    p.add_argument("--since", metavar="DATE", help="first day analysed (default: each diary's first day)")
    p.add_argument("--until", metavar="DATE", help="last day analysed (default: each diary's last day)")
    p.set_defaults(func=cmd_cohort_report)
    p = cosub.add_parser("runs", help="every runner's runs in one table (with runner_id)")
    _common(p)
    p.add_argument("-o", "--output", default="runs.parquet", metavar="FILE",
                   help="runs.parquet or runs.csv (default runs.parquet)")
    p.set_defaults(func=cmd_cohort_runs)


def _common(p) -> None:
    p.add_argument("clinic", nargs="?", metavar="CLINIC",
                   help="folder with one sub-folder per runner; default: a small simulated clinic")
    p.add_argument("--tz", metavar="ZONE", help="time zone of runners without one in runner.toml")
    p.add_argument("--workers", type=int, metavar="N", help="local processes (default: the number of cores)")
    p.add_argument("--dask", metavar="ADDRESS", help="run the per-runner step on a dask.distributed scheduler")
    p.add_argument("--store", metavar="DIR|URL", help="the cohort store: a folder or an fsspec URL every worker "
                   "can reach, e.g. file:///data/store or s3://bucket/store (default: in the runlog cache)")


def _tz(value):
    if value:
        from analysis.units import get_zone

        get_zone(value)
    return value


def _date(value, flag):
    import pandas as pd

    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except ValueError:
        raise RunlogError(f"{flag} {value!r} is not a date: write YYYY-MM-DD") from None


def _progress(res: dict) -> None:
    if res["status"] == "failed":
        _say(f"runner {res['runner_id']}: excluded ({res['reason']})")


def cmd_cohort_report(args) -> int:
    from analysis.cohort.report import build_cohort_report
    from analysis.cohort.run import run_cohort
    from analysis.outputs import write_json

    if args.no_pdf and not args.json:
        raise RunlogError("--no-pdf needs --json FILE: without a PDF or JSON there is nothing to write")
    if not args.clinic:
        _say("no clinic given: using the small simulated clinic (written to the runlog cache on first use)")
    result = run_cohort(args.clinic, store=args.store, tz=_tz(args.tz), since=_date(args.since, "--since"),
                        until=_date(args.until, "--until"), workers=args.workers, dask_address=args.dask,
                        on_result=_progress)
    counts = result.status["status"].value_counts().to_dict()
    if "note" in result.status:
        for r in result.status[result.status["note"].notna()].itertuples(index=False):
            _say(f"runner {r.runner_id}: {r.note}")
    _say(f"{len(result.status)} runners: {counts.get('built', 0)} imported, {counts.get('cached', 0)} unchanged "
         f"(from the store), {counts.get('failed', 0)} excluded")
    if args.json:
        print(f"wrote {write_json(result.json, Path(args.json)).resolve()}")
    if not args.no_pdf:
        print(f"wrote {build_cohort_report(result.json, Path(args.output)).resolve()}")
    if args.each:
        _each(result, Path(args.each), args)
    return 0


def _each(result, out_dir: Path, args) -> None:
    """Each included runner's own report (DIR/ID.json, and DIR/ID.pdf unless --no-pdf), by the one-runner
    pipeline; a runner whose own report fails is said by id and the others go on."""
    from analysis.cohort.discover import find_runners
    from analysis.cohort.step import runner_inputs, runner_settings
    from analysis.pipeline import run
    from analysis.report import REPORT_TITLE, build_report, write_json

    out_dir.mkdir(parents=True, exist_ok=True)
    failed = set(result.status.loc[result.status["status"] == "failed", "runner_id"])
    specs = [s for s in find_runners(result.clinic) if s.runner_id not in failed]
    written = 0
    for k, spec in enumerate(specs, start=1):
        _say(f"runner {spec.runner_id} ({k}/{len(specs)}): its own report")
        try:
            settings = runner_settings(spec, args.tz)
            analysis = run(runner_inputs(spec, settings), tz=settings["tz"], progress=False)
            write_json(analysis.findings, out_dir / f"{spec.runner_id}.json")
            if not args.no_pdf:
                build_report(analysis, out_dir / f"{spec.runner_id}.pdf", units=settings["units"],
                             title=f"{REPORT_TITLE} (runner {spec.runner_id})", progress=False)
            written += 1
        except RunlogError as exc:
            _say(f"runner {spec.runner_id}: no own report ({exc.one_line()})")
    print(f"wrote {written} of {len(specs)} runners' own reports to {out_dir.resolve()}")


def cmd_cohort_runs(args) -> int:
    from analysis.cohort.run import cohort_runs

    runs, status = cohort_runs(args.clinic, store=args.store, tz=_tz(args.tz), workers=args.workers,
                               dask_address=args.dask)
    for r in status[status["status"] == "failed"].itertuples(index=False):
        _say(f"runner {r.runner_id}: excluded ({r.reason})")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        runs.to_csv(out, index=False)
    else:
        runs.to_parquet(out, index=False)
    print(f"wrote {len(runs)} runs of {status['runner_id'].nunique() - len(status[status['status'] == 'failed'])} "
          f"runners to {out.resolve()}")
    return 0
