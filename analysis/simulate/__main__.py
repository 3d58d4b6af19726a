"""``python -m analysis.simulate``: write a simulated runner to a folder.

Example (the embedded sample)::

    python -m analysis.simulate --seed 20230102 --days 730 --out data/sample
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from analysis.simulate import DEFAULT_DAYS, DEFAULT_SEED, simulate_runner, write_runner
from analysis.simulate.readme import readme_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.simulate",
                                     description="Write a synthetic runner (Strava export, pain diary, "
                                                 "drills log, shoes catalog, truth.json).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"days to simulate (default {DEFAULT_DAYS})")
    parser.add_argument("--null", action="store_true", help="plant no effect (flat hazard)")
    parser.add_argument("--start", default=None, help="first day, YYYY-MM-DD (default 2023-01-02)")
    parser.add_argument("--tz", default=None, help="home time zone (default Europe/Copenhagen)")
    parser.add_argument("--no-files", action="store_true", help="skip the per-run FIT/GPX files (fast)")
    parser.add_argument("--export", choices=("zip", "folder", "both"), default="zip",
                        help="Strava export as export.zip, export/ or both (default zip)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("start", args.start), ("tz", args.tz)) if v is not None}
    runner = simulate_runner(args.seed, days=args.days, null=args.null, samples=False, **overrides)
    out = write_runner(runner, args.out, write_files=not args.no_files, export=args.export)
    command = "python -m analysis.simulate " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                                  else sys.argv[1:]))
    (out / "README.md").write_text(readme_text(runner, command), encoding="utf-8")
    counts = runner.truth["onset_counts"]
    print(f"{len(runner.runs)} runs, onsets {counts}, written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
