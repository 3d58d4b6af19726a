"""The ``runlog`` command: a thin shell over the library.

Every number it prints is computed by a library function a user can call from
Python. Bad input gives one line naming the file (and row) on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import __version__
from analysis.errors import RunlogError

if TYPE_CHECKING:
    import pandas as pd

# pandas (and pyarrow with it) is imported inside the functions that use it: `runlog --help` and a
# mistyped command answer without loading it (0.3 s of CPU)

EXIT_BAD_INPUT = 2


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="export files or folders: Strava export (.zip or folder), Garmin CSV/JSON, FIT/TCX/GPX, "
        "or a CSV with canonical columns. Default: the embedded sample (data/sample).",
    )
    p.add_argument("--shoes", metavar="FILE", help="shoes catalog CSV (runlog format or Strava shoes.csv)")
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
                       description="Per-file import status and data-quality warnings: diary coverage, "
                       "runs with no shoe, files that failed.")
    _add_sources(p)
    p.add_argument("--pain", metavar="FILE", help="pain diary CSV (long or wide layout)")
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
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("cache", help="the import cache (decoded files kept between runs)",
                       description="runlog keeps decoded files in your cache folder so that re-importing "
                       "an archive is quick. 'runlog cache clear' removes it; 'runlog cache where' prints it.")
    p.add_argument("action", choices=("clear", "where"))
    p.set_defaults(func=cmd_cache)
    return parser


def _inputs(args):
    from analysis.pipeline import resolve_inputs

    return resolve_inputs(args.sources, pain=getattr(args, "pain", None), shoes=args.shoes,
                          drills=getattr(args, "drills", None))


def _tz(args) -> str:
    if args.tz:
        from analysis.units import get_zone

        get_zone(args.tz)
        return args.tz
    try:
        from tzlocal import get_localzone_name

        return get_localzone_name() or "UTC"
    except Exception:  # no zone configured on this computer
        return "UTC"


def _load(args, samples: bool = False):
    from analysis.pipeline import load_runs
    from analysis.store import Cache

    inputs = _inputs(args)
    cache = None if args.no_cache else Cache()
    result, catalog = load_runs(inputs, tz=_tz(args), progress=False if args.no_progress else None,
                                cache=cache, samples=samples)
    return inputs, result, catalog


def cmd_cache(args) -> int:
    from analysis.store import Cache

    cache = Cache()
    if args.action == "clear":
        cache.clear()
        print(f"removed {cache.base}")
    else:
        print(cache.base)
    return 0


def _fail_if_nothing(result) -> None:
    """Exit 2 when nothing at all could be read and something failed."""
    import pandas as pd

    log = result.log
    if result.runs.empty and (log["status"] == "failed").any() and not (log["status"] == "not_a_run").any():
        first = log[log["status"] == "failed"].iloc[0]
        where = first["source_file"] + (f", row {first['row']}" if pd.notna(first["row"]) else "")
        raise RunlogError(f"{first['reason']}", path=where)


def _distance(km: float, units: str) -> float:
    from analysis.units import METRES_PER_MILE

    return km * 1000 / METRES_PER_MILE if units == "mi" else km


def _fmt_duration(seconds) -> str:
    import pandas as pd

    if pd.isna(seconds):
        return "-"
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def runs_table(runs: pd.DataFrame, units: str = "km") -> pd.DataFrame:
    """The printed runs table: date, sport, distance, time, pace, shoe."""
    import pandas as pd

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
    """One line: how many files and rows ended as what (see analysis.importlog)."""
    from analysis.importlog import summary_line

    return summary_line(log)


def write_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame to CSV or Parquet via a temporary file, flushed to disk and renamed into place.

    A killed run or a power cut leaves either the previous file or the new
    one, complete (:func:`analysis.store.replace_durably`); never a part.
    """
    from analysis.store import replace_durably

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise RunlogError("output must end in .csv or .parquet", path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            frame.to_csv(tmp)
        else:
            frame.to_parquet(tmp)
        replace_durably(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def cmd_runs(args) -> int:
    import pandas as pd

    _, result, _ = _load(args)
    _fail_if_nothing(result)
    runs = result.runs
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        if len(runs):
            print(runs_table(runs, args.units).to_string())
        else:
            print("no runs found")
    km = float(runs["distance_m"].sum(skipna=True)) / 1000 if len(runs) else 0.0
    print(f"\n{len(runs)} runs, {_distance(km, args.units):.1f} {args.units}")
    print(log_summary(result.log))
    if args.output:
        write_atomic(runs, Path(args.output))
        print(f"wrote {args.output}")
    return 0


def cmd_check(args) -> int:
    import pandas as pd

    inputs, result, _ = _load(args)
    log = result.log
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 90):
        shown = log[["source_file", "row", "status", "reason"]].copy()
        shown["row"] = shown["row"].astype("string").fillna("")
        print(shown.to_string(index=False))
    print()
    print(log_summary(log))
    warnings = []
    runs = result.runs
    if len(runs) and "shoe_class" in runs:
        no_shoe = int((runs["shoe_class"].isna() | (runs["shoe_class"] == "unknown")).sum())
        if no_shoe:
            warnings.append(f"{no_shoe} of {len(runs)} runs have no shoe (give --shoes or name gear)")
    if inputs.pain is not None:
        warnings.extend(_diary_warnings(inputs.pain, runs))
    else:
        warnings.append("no pain diary given (--pain): flare-ups cannot be analysed")
    for w in warnings:
        print(f"warning: {w}")
    return 0


def _diary_warnings(pain_path: Path, runs: pd.DataFrame) -> list[str]:
    """Diary coverage per region; a warning line for each region below 80 %."""
    from analysis.flareups import diary_coverage
    from analysis.io.pain_diary import read_pain_diary

    pain = read_pain_diary(pain_path)
    start = runs["date"].min() if len(runs) else pain["date"].min()
    end = runs["date"].max() if len(runs) else pain["date"].max()
    cov = diary_coverage(pain, start=start, end=end)
    out = []
    for _, row in cov.iterrows():
        line = f"diary coverage {row['region']}: {row['pct_logged']:.0f} % of {row['days_in_period']} days logged"
        if row["warn"]:
            out.append(line + " (below 80 %: too patchy for flare-up detection)")
        else:
            print(line)
    return out


def cmd_shoes(args) -> int:
    import pandas as pd

    from analysis.footwear import shoe_summary

    _, result, catalog = _load(args)
    _fail_if_nothing(result)
    table = shoe_summary(result.runs, catalog, retire_km=args.retire_km)
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(shoes_table(table, args.units).to_string())
    return 0


def shoes_table(summary: pd.DataFrame, units: str = "km") -> pd.DataFrame:
    """The printed shoes table: one row per shoe, distance in the chosen units."""
    import pandas as pd

    dist = summary["distance_km"].astype("Float64").map(lambda v: _distance(v, units) if pd.notna(v) else pd.NA)
    retire = summary["retire_km"].astype("Float64").map(lambda v: _distance(v, units) if pd.notna(v) else pd.NA)
    mi = summary["minimalist_index"].astype("Float64")
    return pd.DataFrame(
        {
            "class": summary["shoe_class"].fillna("-"),
            "MI %": mi.map(lambda v: "-" if pd.isna(v) else f"{v:.0f}"),
            "runs": summary["runs"],
            units: dist.map(lambda v: "-" if pd.isna(v) else f"{v:.1f}"),
            "first": pd.to_datetime(summary["first_date"]).dt.strftime("%Y-%m-%d").fillna("-"),
            "last": pd.to_datetime(summary["last_date"]).dt.strftime("%Y-%m-%d").fillna("-"),
            f"retire at ({units})": retire.map(lambda v: "-" if pd.isna(v) else f"{v:.0f}"),
            "alert": summary["retire_alert"].fillna(False).map(lambda a: "RETIRE" if a else ""),
        }
    ).set_axis(pd.Index(summary["shoe"], name="shoe"))


def _step(message: str) -> None:
    print(f"runlog: {message}", file=sys.stderr, flush=True)


def cmd_report(args) -> int:
    from analysis.progress import stage
    from analysis.report import build_report, compute_report, read_side_files, write_json

    if args.no_pdf and not args.json:
        raise RunlogError("--no-pdf needs --json FILE: without a PDF or JSON there is nothing to write")
    draw = not args.no_pdf
    if not args.sources:
        _step("no files given: using the embedded sample (data/sample)")
    inputs, result, catalog = _load(args, samples=draw)
    _fail_if_nothing(result)
    pain, drills = read_side_files(inputs)
    if pain is None:
        _step("no pain diary given (--pain): flare-ups cannot be analysed")
    _step(f"{len(result.runs)} runs read; finding flare-ups and associations")
    progress = False if args.no_progress else None
    with stage("analysing", progress=progress):
        if draw:
            data = compute_report(result.runs, pain, drills, samples=result.samples, log=result.log,
                                  catalog=catalog, retire_km=args.retire_km,
                                  sources=[Path(s).name for s in inputs.sources])
            findings = data.findings
        else:
            from analysis.associate import findings as compute_findings
            from analysis.schema import coerce_pain

            findings = compute_findings(result.runs, coerce_pain(pain) if pain is None else pain, drills)
    if args.json:
        path = write_json(findings, Path(args.json))
        print(f"wrote {path.resolve()}")
    if draw:
        _step("drawing the report")
        path = build_report(data, Path(args.output), units=args.units, progress=progress)
        print(f"wrote {path.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``runlog`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except RunlogError as exc:
        print(f"runlog: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("runlog: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
