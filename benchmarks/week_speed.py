"""`runlog week` against a warm `runlog runs` on the embedded sample, side by side in one run (DESIGN [W] item 6).

    PYTHONPATH=. RUNLOG_CACHE_DIR=/tmp/cache python benchmarks/week_speed.py [--repeat 5] [--quick]

Both commands run as the user runs them (a fresh interpreter each time, ``python -m analysis``), after
one warm-up run of each that fills the run cache and the bytecode cache. An installed package has its
bytecode compiled, so the children run with a private ``PYTHONPYCACHEPREFIX`` (a temporary folder, the
worktree stays clean) even where ``PYTHONDONTWRITEBYTECODE`` is set. The commands are timed
in turn (runs, week, week --json, runs, ...), so that a burst of load on the shared machine falls on all;
the ratio printed is the median of the per-round ratios week / runs, beside the best wall time of each.
The target is <= 2.0 (``runlog week`` fits no model). ``runlog week --json`` is timed too: it decides every
week of the diary (``weekly_decisions``), where the printed lines need only the last 5. A second line times the in-process steps of
``runlog week`` (reading, the daily grid, flare-ups, the decisions) to show where time goes, and a third
checks that ``runlog week`` imports none of matplotlib, statsmodels, scipy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 2.0
HEAVY = ("matplotlib", "statsmodels", "scipy")
_ARGS = ["--tz", "UTC", "--no-progress"]


def _env(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", ".")
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _once(command: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analysis", *command, *_ARGS], check=True, capture_output=True, env=env)
    return time.perf_counter() - t


def _rounds(commands: dict[str, list[str]], repeat: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Wall times of each command, measured in turn (one round = each once) after one warm-up run of each."""
    for command in commands.values():
        _once(command, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(_once(command, env))
    return times


def _ratio_text(name: str, times: dict[str, list[float]], repeat: int) -> str:
    ratios = [w / r for r, w in zip(times["runs"], times[name], strict=True)]
    ratio = statistics.median(ratios)
    return (f"{name} {min(times[name]):.2f} s; ratio {name} / runs {ratio:.2f} (median of {repeat} rounds; "
            f"{min(ratios):.2f}-{max(ratios):.2f}) {'OK' if ratio <= TARGET else 'SLOWER THAN TARGET'}")


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
    decisions = wk.weekly_decisions(daily, result.runs, episodes)
    wk.to_json(wk.this_week(decisions), decisions)
    out["decisions"] = time.perf_counter() - t
    return out


def _heavy_imports(env: dict[str, str]) -> list[str]:
    """The heavy libraries a ``runlog week`` process has imported when it ends."""
    code = ("import contextlib, io, sys\n"
            "from analysis.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['week', {', '.join(repr(a) for a in _ARGS)}])\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    return out.stdout.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="rounds timed (default 5)")
    ap.add_argument("--quick", action="store_true", help="2 rounds, for development")
    args = ap.parse_args()
    repeat = 2 if args.quick else args.repeat
    with tempfile.TemporaryDirectory(prefix="runlog-pyc-") as pycache:
        env = _env(pycache)
        commands = {"runs": ["runs"], "week": ["week"],
                    "week --json": ["week", "--json", os.path.join(pycache, "week.json")]}
        times = _rounds(commands, repeat, env)
        heavy = _heavy_imports(env)
    print(f"runlog runs {min(times['runs']):.2f} s (best of {repeat}, warm cache); target <= {TARGET} x runs")
    print("runlog " + _ratio_text("week", times, repeat))
    print("runlog " + _ratio_text("week --json", times, repeat) + " (every week decided, for the JSON)")
    print("in-process steps of runlog week: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in _steps().items()))
    found = ", ".join(heavy) if heavy else "none of " + ", ".join(HEAVY)
    print(f"heavy imports in runlog week: {found}")


if __name__ == "__main__":
    main()
