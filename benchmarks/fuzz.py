"""Fuzz runlog's readers and loader with N damaged or hostile variants of real export files.

The same mutation engine as the robustness tests (``tests/robustness/mutate.py``)
turns the real files in ../shared/data, the sample (data/sample) and the input
templates (data/templates) into N mutants: truncated, bytes flipped, columns
dropped or duplicated, header shuffled, re-encoded, other delimiters, garbage
rows, empty, gzip-wrapped (whole or cut), zipped under hostile member names,
XML entity bombs. Each mutant is read by its format's reader and by the loader
under a time limit (``tests/robustness/check.py``), and the outcome counted by
format: inputs tried, tracebacks (an exception other than RunlogError), hangs,
messages that are not one line, and files or CSV records unaccounted for in the
import log. Distinct problems are listed with the index that reproduces them
(``--only I``).

Input ``i`` is made from ``random.Random(f"{seed}:{i}")`` alone, so a run is
reproducible and ``--only`` rebuilds the same mutant. Each input picks a format
first (all equally often), then one of its seed files.

The Apple Health, Polar Flow and Fitbit readers take part like the others: the real
Apple Health excerpts (export.xml, and zipped as export.zip) and a synthetic iOS 16+
export.zip, the real Polar sessions and a Fitbit exercise file written from FORMATS.md's
facts, mutated into cut XML, DOCTYPE entity bombs, dropped closing tags, zip bombs (a member
inflating ~1000-fold), hostile member names, bare ``NaN`` and wrong JSON types.

``--faults N`` tries instead the faults of the state runlog keeps and of its
outputs (``tests/robustness/faults.py``): N single-bit flips in a real import
cache, N/4 files replaced under the same size and mtime, N/2 outputs written
where they cannot go (a missing folder, a folder, a read-only place, a full
disk), N/20 SIGKILLs at random moments of cold imports and N/10 rounds of two
processes importing into one cache at once; each counted with the trials that
lost or changed data (there must be none).

Usage: ``python benchmarks/fuzz.py [--n 10000] [--seed 0] [--workers 2] [--timeout 10] [--only I]
[--formats apple_health,apple_zip,polar,fitbit]``,
``python benchmarks/fuzz.py --faults 400``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.robustness.check import KINDS, check_mutant  # noqa: E402
from tests.robustness.mutate import RandomChooser, Seed, corpus, mutate  # noqa: E402

#: ../shared/data beside the checkout, or $RUNLOG_SHARED_DATA (as tests/conftest.py: a git worktree's parent has none)
SHARED = Path(os.environ.get("RUNLOG_SHARED_DATA", REPO.parent / "shared" / "data"))
_SEEDS: list[Seed] = []
_BYTES: dict[int, bytes] = {}
_TIMEOUT = 10.0


def _init(seeds: list[Seed], timeout_s: float) -> None:
    global _SEEDS, _TIMEOUT
    _SEEDS, _TIMEOUT = seeds, timeout_s
    import os
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # numpy casts of damaged values; the outcome is what counts

    os.environ.setdefault("RUNLOG_CACHE_DIR", tempfile.mkdtemp(prefix="runlog-fuzz-cache-"))


def make_mutant(i: int, seed: int):
    """Input ``i`` of the run with ``seed``: the mutant and the seed it came from."""
    rng = random.Random(f"{seed}:{i}")
    fmt = rng.choice(sorted({s.fmt for s in _SEEDS}))  # every format equally often, whatever its seed count
    k = rng.choice([j for j, s in enumerate(_SEEDS) if s.fmt == fmt])
    if k not in _BYTES:
        _BYTES[k] = _SEEDS[k].data
    return mutate(_SEEDS[k], RandomChooser(rng), seed_bytes=_BYTES[k]), _SEEDS[k]


def run_one(args: tuple[int, int]) -> tuple[int, str, list[tuple[str, str]], str]:
    """Read input ``i``; (i, format, problems, description)."""
    i, seed = args
    try:
        mutant, origin = make_mutant(i, seed)
    except Exception as exc:  # noqa: BLE001 - a bug of the engine is reported, not fatal
        return i, "?", [("harness", f"mutation failed: {type(exc).__name__}: {exc}")], ""
    with tempfile.TemporaryDirectory(prefix="runlog-fuzz-") as folder:
        try:
            out = check_mutant(mutant, Path(folder), timeout_s=_TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            return i, mutant.fmt, [("harness", f"{type(exc).__name__}: {exc}")], mutant.describe()
    return i, mutant.fmt, out.problems, f"{origin.path.name}: {mutant.describe()}"


def _signature(kind: str, detail: str) -> str:
    """A problem with its numbers blanked, to group repeats of one bug."""
    return kind + ": " + re.sub(r"\d+", "#", detail)[:160]


def run_faults(n: int, seed: int) -> int:
    """The faults of ``tests/robustness/faults.py``; 1 when any trial lost or changed data."""
    import os

    os.environ.setdefault("RUNLOG_CACHE_DIR", tempfile.mkdtemp(prefix="runlog-fuzz-cache-"))
    from tests.robustness import faults

    plan = [
        ("cache bit flips", lambda: faults.flips(SHARED, n, seed), ("lost", "unwarned", "crashed")),
        ("replaced, same size+mtime", lambda: faults.replaced(max(1, n // 4), seed), ("stale",)),
        ("outputs that cannot be written", lambda: faults.outputs(max(1, n // 2), seed),
         ("no error", "partial", "previous lost", "bad message")),
        ("SIGKILL during cold imports", lambda: faults.kills(SHARED, max(1, n // 20), seed),
         ("lost", "inconsistent")),
        ("rounds of 2 concurrent imports", lambda: faults.concurrent(SHARED, max(1, n // 10)),
         ("lost", "inconsistent")),
    ]
    bad = 0
    print(f"{'fault':<34}{'tried':>7}  problems (each must be 0)")
    for name, run, problems in plan:
        t0 = time.perf_counter()
        counts = run()
        bad += sum(counts[p] for p in problems)
        shown = ", ".join(f"{p} {counts[p]}" for p in problems)
        extra = f"; {counts['chunk flips']} of them in chunks" if "chunk flips" in counts else ""
        print(f"{name:<34}{counts['tried']:>7}  {shown}{extra}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    print("no data lost or changed" if not bad else f"{bad} trials lost or changed data")
    return 1 if bad else 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs to try (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="time limit per read, s (default 10)")
    parser.add_argument("--only", type=int, help="rebuild and read input I alone, printing everything")
    parser.add_argument("--show", type=int, default=25, help="distinct problems to list (default 25)")
    parser.add_argument("--formats", help="only these seed formats, comma-separated (default: all)")
    parser.add_argument("--faults", type=int, help="try N cache and output faults instead (see above)")
    return parser.parse_args(argv)


def _seeds(formats: str | None) -> list[Seed]:
    """The seed files (of these formats only, when given); printed by format."""
    seed_dir = Path(tempfile.mkdtemp(prefix="runlog-fuzz-seeds-"))
    seeds = corpus(SHARED, REPO / "data" / "sample", REPO / "data" / "templates", generic_seed_dir=seed_dir)
    if formats:
        wanted = set(formats.split(","))
        seeds = [s for s in seeds if s.fmt in wanted]
    if not seeds:
        sys.exit("no seed files found (../shared/data, data/sample, data/templates)")
    by_fmt = Counter(s.fmt for s in seeds)
    print(f"corpus: {len(seeds)} seed files: " + ", ".join(f"{k} {v}" for k, v in sorted(by_fmt.items())))
    return seeds


def _run_only(seeds: list[Seed], args: argparse.Namespace) -> int:
    """Rebuild and read input ``--only`` alone, printing everything."""
    _init(seeds, args.timeout)
    i, fmt, problems, desc = run_one((args.only, args.seed))
    print(f"input {i} ({fmt}): {desc}")
    for kind, detail in problems:
        print(f"  {kind}: {detail}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


@dataclass
class _Tally:
    """Inputs tried and problems found, by format; the first input of each distinct problem."""

    tried: Counter = field(default_factory=Counter)
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    first: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    stuck: list[int] = field(default_factory=list)

    def add(self, i: int, fmt: str, problems: list[tuple[str, str]], desc: str) -> None:
        self.tried[fmt] += 1
        for kind in {k for k, _ in problems}:
            self.counts[fmt][kind] += 1
        for kind, detail in problems:
            self.first.setdefault(_signature(kind, detail), (i, desc, detail))

    def add_stuck(self, i: int) -> None:
        self.stuck.append(i)  # stuck where SIGALRM cannot reach (inside C code)
        self.tried["?"] += 1
        self.counts["?"]["hang"] += 1


def _run_pool(seeds: list[Seed], args: argparse.Namespace, t0: float) -> _Tally:
    """Read inputs 0..n-1 in a process pool, at most 4 per worker pending at once."""
    tally = _Tally()
    ctx = mp.get_context("fork")
    pool = ctx.Pool(args.workers, initializer=_init, initargs=(seeds, args.timeout), maxtasksperchild=500)
    try:
        pending: dict[int, tuple[object, float]] = {}
        todo = iter(range(args.n))
        done = 0
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < 4 * args.workers:
                i = next(todo, None)
                if i is None:
                    exhausted = True
                    break
                pending[i] = (pool.apply_async(run_one, ((i, args.seed),)), time.perf_counter())
            done += _collect(pending, tally, args, done, t0)
            time.sleep(0.005)
    finally:
        pool.terminate()
        pool.join()
    return tally


def _collect(pending: dict[int, tuple[object, float]], tally: _Tally, args: argparse.Namespace, done: int,
             t0: float) -> int:
    """Count the finished inputs (and those stuck past the limit); how many finished."""
    finished = 0
    for i, (res, started) in list(pending.items()):
        if res.ready():
            del pending[i]
            _, fmt, problems, desc = res.get()
            tally.add(i, fmt, problems, desc)
            finished += 1
            if (done + finished) % 500 == 0:
                rate = (done + finished) / (time.perf_counter() - t0)
                print(f"  {done + finished}/{args.n} inputs, {rate:.1f}/s", file=sys.stderr, flush=True)
        elif time.perf_counter() - started > 6 * args.timeout + 30:
            del pending[i]
            tally.add_stuck(i)
    return finished


def _print_table(tally: _Tally) -> None:
    header = f"{'format':<14}{'tried':>8}" + "".join(f"{k:>13}" for k in KINDS)
    print(header)
    print("-" * len(header))
    total = Counter()
    for fmt in sorted(tally.tried):
        line = f"{fmt:<14}{tally.tried[fmt]:>8}" + "".join(f"{tally.counts[fmt][k]:>13}" for k in KINDS)
        print(line)
        total["tried"] += tally.tried[fmt]
        for k in KINDS:
            total[k] += tally.counts[fmt][k]
    print("-" * len(header))
    print(f"{'all':<14}{total['tried']:>8}" + "".join(f"{total[k]:>13}" for k in KINDS))


def _print_problems(tally: _Tally, show: int) -> None:
    harness = sum(c["harness"] for c in tally.counts.values())
    if harness:
        print(f"harness errors (bugs of the fuzzer itself): {harness}")
    if tally.stuck:
        print(f"inputs stuck beyond the time limit (in C code): {tally.stuck[:20]}")
    if tally.first:
        print(f"\n{len(tally.first)} distinct problems (first input of each; rerun with --only I):")
        for i, desc, detail in list(tally.first.values())[:show]:
            print(f"  [{i}] {detail}\n        {desc[:300]}")
    else:
        print("\nno problems found")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.faults is not None:
        return run_faults(args.faults, args.seed)
    seeds = _seeds(args.formats)
    if args.only is not None:
        return _run_only(seeds, args)
    t0 = time.perf_counter()
    tally = _run_pool(seeds, args, t0)
    elapsed = time.perf_counter() - t0
    print(f"\n{args.n} inputs in {elapsed:.0f} s ({args.n / elapsed:.1f}/s), seed {args.seed}, "
          f"{args.workers} workers, {args.timeout:g} s per read\n")
    _print_table(tally)
    _print_problems(tally, args.show)
    return 1 if tally.first or tally.stuck else 0


if __name__ == "__main__":
    sys.exit(main())
