"""`runlog week` against a warm `runlog runs` on the embedded sample, side by side in one run (DESIGN [W] item 6).

    PYTHONPATH=. RUNLOG_CACHE_DIR=/tmp/cache python benchmarks/week_speed.py [--repeat 3]

Both commands run as the user runs them (a fresh interpreter each time, ``python -m analysis``), after
one warm-up run of each that fills the import cache. Prints the best wall time of each and the ratio
week / runs; the target is <= 2.0 (``runlog week`` fits no model). A second line times the in-process
steps of ``runlog week`` (reading, the daily grid, flare-ups, the decisions) to show where time goes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

TARGET = 2.0


def _wall(args: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", ".")}
    cmd = [sys.executable, "-m", "analysis", *args, "--tz", "UTC", "--no-progress"]
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm the import cache
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - t)
    return best


def _steps() -> dict[str, float]:
    from analysis import flareups
    from analysis import week as wk
    from analysis.ingest.cache import Cache
    from analysis.io.pain_diary import read_pain_diary
    from analysis.pipeline import load_runs, sample_inputs

    inputs = sample_inputs()
    out = {}
    t = time.perf_counter()
    result, _ = load_runs(inputs, tz="UTC", progress=False, cache=Cache(), samples=False)
    out["runs"] = time.perf_counter() - t
    t = time.perf_counter()
    daily = flareups.daily_pain(read_pain_diary(inputs.pain))
    out["diary"] = time.perf_counter() - t
    t = time.perf_counter()
    episodes = flareups.detect_flareups(daily)
    out["flare-ups"] = time.perf_counter() - t
    t = time.perf_counter()
    wk.weekly_decisions(daily, result.runs, episodes)
    out["decisions"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = _wall(["runs"], args.repeat)
    week = _wall(["week"], args.repeat)
    ratio = week / runs
    print(f"runlog runs {runs:.2f} s, runlog week {week:.2f} s (best of {args.repeat}, warm cache): "
          f"ratio {ratio:.2f} (target <= {TARGET}) {'OK' if ratio <= TARGET else 'SLOWER THAN TARGET'}")
    print("in-process steps of runlog week: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in _steps().items()))


if __name__ == "__main__":
    main()
