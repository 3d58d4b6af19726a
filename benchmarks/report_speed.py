"""Speed of ``runlog report`` beside ``runlog runs``, where its time goes, and how it grows.

One run prints, measured side by side on this machine:

1. **The commands** (issue [P]): wall and CPU seconds of a warm
   ``runlog runs -o runs.csv``, ``runlog report --no-pdf --json`` and
   ``runlog report --json`` (PDF and JSON) on the embedded sample, each a new
   process with a warm cache in a temporary ``RUNLOG_CACHE_DIR``, best of N,
   and the ratios report / runs against the targets (3x; 2x for
   ``--no-pdf --json``). Also ``runlog --help``, the start-up alone. The CPU
   seconds include the report's second processes (:mod:`analysis.background`:
   running dynamics and sensitivity variants beside the region models, half
   the pages beside the other half), so on two free cores a report's wall time
   can be below its CPU time. The report starts them only while the 1-minute
   load average is below the number of CPUs: on a busy machine it runs
   serially, as with ``RUNLOG_SERIAL=1`` (the commands run back to back add
   about 1 to the load average themselves).
2. **Phases**: CPU seconds of each phase of the report in one process
   (imports: the report's own process's, then the statsmodels modules that
   only its second processes load; reading, footwear and side files,
   flare-ups, 24-hour rule, findings, sensitivity, dynamics, other analysis,
   figures, savefig), so the
   next regression shows where it is. Phases are *exclusive*: a function's time
   counts in its own phase wherever it is called from (the flare-up detection
   that the sensitivity check repeats counts as flare-ups), and the phases add
   up to the total. The functions are found by name (``PHASES``); a name that
   no longer exists is listed as such, not an error. The child runs with
   ``RUNLOG_SERIAL=1`` (no second process), so every phase's CPU is counted.
3. **The matplotlib floor**: CPU seconds to draw and save a PDF with as many A4
   pages as the report, each a plain line plot and a bar chart in the report's
   style (same fonts), beside the report's drawing (figures + savefig, best of
   N), with the ratio against the target (~1.5x); and the report's drawing as
   the CLI runs it, its pages shared with a second process (wall seconds).
4. ``--years 1,2,5,10``: the whole report (reading a warm cache to the PDF) on
   simulated runners of those lengths (``python -m analysis.simulate``), CPU
   seconds per phase, the growth exponent of the CPU time in the number of
   years (least squares on log-log; target <= 1.1) and the peak memory (the
   process's VmHWM; target: the longest within 2x of the shortest).

Usage::

    python benchmarks/report_speed.py                 # sample: commands, phases, floor (about 3 min)
    python benchmarks/report_speed.py --quick         # best of 1 (about 1 min)
    python benchmarks/report_speed.py --quick --fork  # the commands' second processes whatever the load
    python benchmarks/report_speed.py --years 1,2,5,10 --work /tmp/rs   # + simulated runners (keeps them)

Wall times vary with the machine's load (other jobs); CPU seconds much less,
so both are printed. Nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {
    "report": 3.0,  # runlog report (PDF + JSON) / runlog runs, wall
    "no_pdf": 2.0,  # runlog report --no-pdf --json / runlog runs, wall
    "floor": 1.5,  # report drawing / matplotlib floor, CPU
    "exponent": 1.1,
    "memory": 2.0,  # peak memory, longest runner / shortest
}
TZ = "UTC"

#: phase -> the functions whose CPU time it holds ("module:attribute", "module:Class.method").
#: Listed in report order; the first phases are the steps the child runs itself.
PHASES: dict[str, tuple[str, ...]] = {
    "imports": (),
    "imports (statsmodels)": (),
    "reading (warm cache)": (),
    "footwear, side files": (),
    "flare-ups": (
        "analysis.flareups:daily_pain",
        "analysis.flareups:detect_flareups",
        "analysis.flareups:sensitivity_variants",
        "analysis.flareups:region_days",
        "analysis.flareups:diary_coverage",
        "analysis.flareups:weekly_pain",
    ),
    "24-hour rule": ("analysis.flareups:twenty_four_hour_rule",),
    "findings (models)": (
        "analysis.findings:findings",
        "analysis.findings:start_findings",  # what analyse calls since session 6; .result() waits for it
        "analysis.findings:PendingFindings.result",
    ),
    "sensitivity": ("analysis.findings:flare_sensitivity",),
    "week": ("analysis.pipeline:week_step",),
    "dynamics": (
        "analysis.dynamics:dynamics_by_shoe_class",
        "analysis.dynamics:speed_binned_all",
        "analysis.dynamics:speed_binned",
        "analysis.dynamics:compare_at_matched_speed",
    ),
    "other analysis (load, shoes)": (),
    "figures": ("analysis.report:build_report",),
    "savefig": (
        "matplotlib.backends.backend_pdf:PdfPages.savefig",
        "matplotlib.backends.backend_pdf:PdfPages.close",
        "analysis.report:_join_parts",  # the two processes' pages and the text pages joined into one PDF (pypdf)
        "analysis.textpdf:write_pdf",  # the text pages (reportlab)
    ),
}
#: what the imports phase imports (modules that do not exist are skipped): the report's own process's
REPORT_MODULES = (
    "analysis.cli",
    "analysis.pipeline",
    "analysis.ingest.cache",
    "analysis.footwear",
    "analysis.flareups",
    "analysis.load",
    "analysis.findings",
    "analysis.stats",
    "analysis.dynamics",
    "analysis.background",
    "analysis.report",
    "analysis.plots",
    "matplotlib.backends.backend_pdf",
    "pyarrow.parquet",
)
#: what the "imports (statsmodels)" phase imports after them: the modules that only the second processes
#: load when they fit (a serial report loads them too). Apart since session 12, so that the report's own
#: imports show (statsmodels brings scipy.stats, which the report's process no longer imports); the two
#: phases add up to the one "imports" phase of earlier sessions
SECOND_PROCESS_MODULES = (
    "statsmodels.regression.mixed_linear_model",  # imported by dynamics when it fits
    # imported by the exploratory models when they run (since session 6 inside the functions, so that
    # the report's parent never loads statsmodels when they run in a second process)
    "statsmodels.tsa.ar_model",
    "statsmodels.discrete.conditional_models",
    "statsmodels.stats.multitest",
)


def cpu() -> float:
    return time.process_time()


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM) in MiB."""
    with open("/proc/self/status") as fh:
        return int(re.search(r"VmHWM:\s+(\d+)", fh.read()).group(1)) / 1024


# --------------------------------------------------------------------------- phases, in-process


class Phases:
    """Exclusive CPU seconds per phase: time spent in a nested phase is taken out of the enclosing one."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list] = []
        self.missing: list[str] = []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = cpu()
        self._stack.append([name, 0.0])
        try:
            yield
        finally:
            total = cpu() - start
            _, nested = self._stack.pop()
            self.cpu[name] += total - nested
            self.calls[name] += 1
            if self._stack:
                self._stack[-1][1] += total

    def _wrapped(self, name: str, func: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            with self.phase(name):
                return func(*args, **kwargs)

        wrapper.__wrapped__ = func
        wrapper.__name__ = getattr(func, "__name__", "wrapper")
        return wrapper

    def instrument(self, phases: dict[str, tuple[str, ...]]) -> None:
        """Wrap every listed function where it is defined and wherever a loaded module holds it by name."""
        for name, targets in phases.items():
            found = 0
            for target in targets:
                module_name, attr = target.split(":")
                try:
                    module = importlib.import_module(module_name)
                except ImportError:
                    continue
                owner, _, leaf = attr.rpartition(".")
                holder = getattr(module, owner) if owner else module
                original = getattr(holder, leaf, None)
                if original is None:
                    continue
                found += 1
                wrapper = self._wrapped(name, original)
                setattr(holder, leaf, wrapper)
                if owner:
                    continue
                for other in list(sys.modules.values()):
                    if getattr(other, "__name__", "").startswith("analysis") and other is not module:
                        for key, value in list(vars(other).items()):
                            if value is original:
                                setattr(other, key, wrapper)
            if targets and not found:
                self.missing.append(f"{name} ({', '.join(targets)})")


def _pages_in(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


def _text_pages(data) -> int | None:
    """How many of the report's pages are text pages (written by reportlab, not matplotlib); None before them."""
    try:
        from analysis.report import _page_makers
        from analysis.textpdf import TextPage
    except ImportError:
        return None
    return sum(isinstance(page, TextPage) for page in _page_makers(data, "km"))


def matplotlib_floor(pages: int, *, gc_paused: bool = False) -> float:
    """CPU seconds to draw and save ``pages`` A4 pages of simple plots (a line, a bar chart) in the report's style.

    ``gc_paused``: with the cyclic garbage collector off, as ``build_report`` draws.
    """
    import gc

    import matplotlib as mpl
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from analysis import plots

    rng = np.random.default_rng(0)
    enabled = gc.isenabled()
    if gc_paused:
        gc.disable()
    start = cpu()
    with mpl.rc_context(plots.STYLE), PdfPages(io.BytesIO()) as pdf:
        for i in range(pages):
            fig = Figure(figsize=plots.A4_PORTRAIT)
            FigureCanvasAgg(fig)
            line, bars = fig.subplots(2, 1)
            line.plot(np.arange(730), rng.normal(size=730).cumsum())
            line.set(title=f"page {i + 1}: a line", xlabel="day", ylabel="value")
            bars.bar(np.arange(104), rng.uniform(0, 50, 104))
            bars.set(title="bars", xlabel="week", ylabel="km/week")
            fig.text(0.5, 0.01, f"page {i + 1} of {pages}", ha="center")
            pdf.savefig(fig)
    used = cpu() - start
    if enabled:
        gc.enable()
    return used


def _analyse(result, catalog, pain, drills, inputs):
    """The report's numbers from the frames: the one call to follow when the pipeline's entry point moves."""
    from analysis.pipeline import analyse

    return analyse(
        result.runs, pain, drills, samples=result.samples, log=result.log, catalog=catalog,
        sources=[Path(s).name for s in inputs.sources],
    )


def phases_child(spec: dict) -> dict:
    """Run the report in this process, phase by phase (see ``PHASES``); return CPU seconds and more."""
    # every phase in this process, so that its CPU seconds are counted: the report's second process
    # (analysis.background: running dynamics and sensitivity beside the models) is switched off here;
    # the commands above run with it
    os.environ["RUNLOG_SERIAL"] = "1"
    wall0, cpu0 = time.perf_counter(), cpu()
    timer = Phases()
    # as the CLI loads them: the cyclic GC paused, then the loaded objects frozen (analysis.pipeline.gc_paused)
    gc.disable()
    for phase, modules in (("imports", REPORT_MODULES), ("imports (statsmodels)", SECOND_PROCESS_MODULES)):
        with timer.phase(phase):
            for name in modules:
                with contextlib.suppress(ImportError):
                    importlib.import_module(name)
    gc.freeze()
    gc.enable()
    timer.instrument(PHASES)
    from analysis.footwear import assign_footwear
    from analysis.ingest import read_sources
    from analysis.ingest.cache import Cache
    from analysis.pipeline import read_shoes_catalog, read_side_files, resolve_inputs
    from analysis.report import build_report, write_json  # write_json lives in outputs; report re-exports it

    inputs = resolve_inputs(spec["sources"], pain=spec.get("pain"), shoes=spec.get("shoes"),
                            drills=spec.get("drills"))
    with timer.phase("reading (warm cache)"):
        result = read_sources(inputs.sources, tz=TZ, cache=Cache(), samples=True, progress=False)
    with timer.phase("footwear, side files"):
        catalog = read_shoes_catalog(inputs.shoes)
        result = type(result)(assign_footwear(result.runs, catalog), result.samples, result.log)
        pain, drills = read_side_files(inputs)
    with timer.phase("other analysis (load, shoes)"):
        data = _analyse(result, catalog, pain, drills, inputs)
        write_json(data.findings, Path(spec["out"]) / "findings.json")
    analysis_cpu = dict(timer.cpu)
    drawing = []
    pdf = Path(spec["out"]) / "report.pdf"
    for _ in range(max(2, spec.get("draw_repeat", 1))):  # the first draw loads fonts and matplotlib's subsetter
        before = dict(timer.cpu)
        build_report(data, pdf)
        drawing.append({k: timer.cpu[k] - before.get(k, 0.0) for k in ("figures", "savefig")})
    best = min(drawing, key=lambda d: d["figures"] + d["savefig"])
    phases = {**analysis_cpu, **best}
    pages = _pages_in(pdf)
    text_pages = _text_pages(data)
    # the drawing with its second process (analysis.background), as the CLI draws when a CPU is idle
    os.environ["RUNLOG_SERIAL"] = "0"
    from analysis.background import can_fork

    forks = can_fork()
    walls = []
    for _ in range(max(2, spec.get("draw_repeat", 1))):
        t0, c0, k0 = time.perf_counter(), cpu(), os.times()
        build_report(data, pdf)
        k1 = os.times()
        walls.append((time.perf_counter() - t0, cpu() - c0,
                      k1.children_user + k1.children_system - k0.children_user - k0.children_system))
    os.environ["RUNLOG_SERIAL"] = "1"
    floor = None
    if spec.get("floor"):
        matplotlib_floor(pages)  # warm: fonts and subsetting loaded
        repeat = max(2, spec.get("draw_repeat", 1))
        floor = {
            "plain": min(matplotlib_floor(pages) for _ in range(repeat)),
            "gc_paused": min(matplotlib_floor(pages, gc_paused=True) for _ in range(repeat)),
        }
    return {
        "phases": {k: phases.get(k, 0.0) for k in PHASES},
        "calls": dict(timer.calls),
        "missing": timer.missing,
        "pages": pages,
        "text_pages": text_pages,
        "floor": floor,
        "drawing_wall": min(walls),  # (wall, CPU here, CPU of the second process) with the second process
        "forks": forks,
        "runs": int(len(result.runs)),
        "samples": int(len(result.samples)),
        "peak_rss_mib": peak_rss_mib(),
        "wall": time.perf_counter() - wall0,
        "cpu": cpu() - cpu0,
    }


def run_phases(spec: dict, cache: Path) -> dict:
    """``phases_child`` in a new process with the given cache folder."""
    env = dict(os.environ, RUNLOG_CACHE_DIR=str(cache), PYTHONPATH=_pythonpath())
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as runlog's CLI sets it (analysis.cli.main) before numpy loads
    proc = subprocess.run(
        [sys.executable, __file__, "--phases-child", json.dumps(spec)],
        capture_output=True, text=True, env=env, check=False,
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("PHASES ")]
    if proc.returncode != 0 or not line:
        sys.exit(f"phases child failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[-1].removeprefix("PHASES "))


# --------------------------------------------------------------------------- the commands


def _pythonpath() -> str:
    return os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])


#: ``python -m analysis ARGS``, and the CPU seconds of that process alone (its children left out) on stderr
_CLI = ("import sys, time\nfrom analysis.cli import main\ncode = main(sys.argv[1:])\n"
        "sys.stderr.write(f'\\nPARENT_CPU {time.process_time()}\\n')\nraise SystemExit(code)")


def run_cli(args: list[str], cache: Path, cwd: Path) -> tuple[float, float, float]:
    """``python -m analysis ARGS`` in a new process: (wall s, CPU s with its children, CPU s of the process alone).

    The last is the report's critical path when its second processes run beside it on free cores (they
    start only while the load average leaves a CPU: the commands run back to back add ~1 to it).
    """
    env = dict(os.environ, RUNLOG_CACHE_DIR=str(cache), PYTHONPATH=_pythonpath())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True, env=env,
                          cwd=cwd, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"runlog {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    alone = re.findall(r"PARENT_CPU (\S+)", proc.stderr)
    return wall, used, float(alone[-1]) if alone else used


COMMANDS: dict[str, list[str]] = {
    "runlog --help": ["--help"],
    "runlog runs -o runs.csv": ["runs", "--tz", TZ, "--no-progress", "-o", "runs.csv"],
    "runlog report --no-pdf --json": ["report", "--tz", TZ, "--no-progress", "--no-pdf", "--json", "f.json"],
    "runlog report --json (PDF too)": ["report", "--tz", TZ, "--no-progress", "--json", "f.json",
                                       "-o", "report.pdf"],
}


def time_commands(repeat: int, work: Path) -> dict[str, dict[str, float]]:
    cache = work / "cache"
    for args in COMMANDS.values():  # warm: cache filled, .pyc written, fonts cached
        run_cli(args, cache, work)
    times: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for _ in range(repeat):  # interleaved, so a burst of load hits every command alike
        for name, args in COMMANDS.items():
            times[name].append(run_cli(args, cache, work))
    return {name: {"wall": min(w for w, _, _ in t), "cpu": min(c for _, c, _ in t),
                   "alone": min(a for _, _, a in t)} for name, t in times.items()}


# --------------------------------------------------------------------------- simulated runners


def simulated_runner(years: int, work: Path) -> dict:
    """A simulated runner of ``years`` x 365 days (written once, kept in ``work``): the child's inputs."""
    folder = work / f"runner_{years}y"
    if not (folder / "export.zip").is_file():
        env = dict(os.environ, PYTHONPATH=_pythonpath())
        subprocess.run(
            [sys.executable, "-m", "analysis.simulate", "--seed", str(100 + years), "--out", str(folder),
             "--days", str(365 * years)],
            check=True, env=env, capture_output=True,
        )
    return {
        "sources": [str(folder / "export.zip")],
        "pain": str(folder / "pain.csv"),
        "shoes": str(folder / "shoes.csv"),
        "drills": str(folder / "drills.csv"),
    }


def exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


# --------------------------------------------------------------------------- printing


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "misses"


def print_commands(times: dict[str, dict[str, float]], repeat: int) -> list[str]:
    lines = [f"Commands on the embedded sample, warm cache, best of {repeat} (wall s / CPU s / CPU s of the "
             "command's process alone, without its second processes):"]
    for name, t in times.items():
        lines.append(f"  {name:34s} {t['wall']:7.2f} s   {t['cpu']:7.2f} s CPU   {t.get('alone', t['cpu']):7.2f} s alone")
    runs = times["runlog runs -o runs.csv"]
    for label, key, target in (
        ("report (PDF + JSON) / runs", "runlog report --json (PDF too)", TARGETS["report"]),
        ("report --no-pdf --json / runs", "runlog report --no-pdf --json", TARGETS["no_pdf"]),
    ):
        wall = times[key]["wall"] / runs["wall"]
        cpu_ratio = times[key]["cpu"] / runs["cpu"]
        alone = times[key]["alone"] / runs["alone"]
        lines.append(f"  {label:34s} {wall:6.1f}x wall, {cpu_ratio:5.1f}x CPU, {alone:5.1f}x alone "
                     f"(target <= {target:g}x: {verdict(wall, target)})")
    return lines


def print_phases(res: dict, title: str) -> list[str]:
    total = sum(res["phases"].values())
    lines = [f"{title}: CPU seconds per phase ({res['runs']} runs, {res['samples']} samples, "
             f"{res['pages']} pages; peak memory {res['peak_rss_mib']:.0f} MiB)"]
    for name, value in res["phases"].items():
        share = 100 * value / total if total else 0.0
        lines.append(f"  {name:30s} {value:7.2f} s  {share:4.0f} %")
    lines.append(f"  {'total':30s} {total:7.2f} s")
    if res.get("missing"):
        lines.append(f"  (phases whose functions were not found: {'; '.join(res['missing'])})")
    return lines


def print_floor(res: dict) -> list[str]:
    drawing = res["phases"]["figures"] + res["phases"]["savefig"]
    plain, paused = res["floor"]["plain"], res["floor"]["gc_paused"]
    lines = [
        f"Drawing against the matplotlib floor ({res['pages']} A4 pages"
        + (f", {res['text_pages']} of them text pages written by reportlab" if res.get("text_pages") else "")
        + "; CPU s, best of the repeats):",
        f"  report: figures {res['phases']['figures']:.2f} + savefig {res['phases']['savefig']:.2f} "
        f"= {drawing:.2f} s (cyclic GC paused while drawing)",
        f"  floor, a line and a bar chart per page in the report's style: {plain:.2f} s plain, "
        f"{paused:.2f} s with the GC paused too",
        f"  ratio {drawing / plain:.2f}x against the plain floor, {drawing / paused:.2f}x like for like "
        f"(target <= {TARGETS['floor']:g}x: {verdict(drawing / paused, TARGETS['floor'])}, like for like)",
    ]
    if res.get("drawing_wall"):
        wall, here, there = res["drawing_wall"]
        how = "with its second process" if res.get("forks") else "in one process (no second process here)"
        lines.append(f"  the report's drawing, {how} (RUNLOG_SERIAL=0): {wall:.2f} s wall ({here:.2f} s CPU "
                     f"here + {there:.2f} s in the second process) = {wall / paused:.2f}x the floor's CPU "
                     f"(GC paused, one process)")
    return lines


def print_years(years: list[int], results: list[dict]) -> list[str]:
    names = [n for n in PHASES if not n.startswith("imports")]
    head = "  " + f"{'phase':30s}" + "".join(f"{y:>8d} y" for y in years) + "  exponent"
    lines = ["Simulated runners: CPU seconds per phase (imports left out), warm cache", head]
    for name in names:
        values = [r["phases"][name] for r in results]
        exp = exponent(years, values) if min(values) > 0.01 else float("nan")
        lines.append(f"  {name:30s}" + "".join(f"{v:10.2f}" for v in values) + f"  {exp:8.2f}")
    totals = [sum(r["phases"][n] for n in names) for r in results]
    exp = exponent(years, totals)
    lines.append(f"  {'total':30s}" + "".join(f"{v:10.2f}" for v in totals)
                 + f"  {exp:8.2f}  (target <= {TARGETS['exponent']:g}: {verdict(exp, TARGETS['exponent'])})")
    lines.append(f"  {'runs':30s}" + "".join(f"{r['runs']:10d}" for r in results))
    rss = [r["peak_rss_mib"] for r in results]
    lines.append(f"  {'peak memory (MiB)':30s}" + "".join(f"{v:10.0f}" for v in rss))
    ratio = rss[-1] / rss[0]
    lines.append(f"  peak memory {years[-1]} y / {years[0]} y = {ratio:.2f}x "
                 f"(target <= {TARGETS['memory']:g}x: {verdict(ratio, TARGETS['memory'])})")
    return lines


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="best of N for every timing (3)")
    ap.add_argument("--quick", action="store_true", help="best of 1")
    ap.add_argument("--years", help="also simulated runners of these lengths, e.g. 1,2,5,10")
    ap.add_argument("--work", help="folder for the caches and simulated runners (kept; default: a temporary one)")
    ap.add_argument("--no-commands", action="store_true", help="skip the timed commands")
    ap.add_argument("--fork", action="store_true",
                    help="the commands with RUNLOG_SERIAL=0: their second processes whatever the load average")
    ap.add_argument("--phases-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phases_child:
        print("PHASES " + json.dumps(phases_child(json.loads(args.phases_child))))
        return 0
    repeat = 1 if args.quick else args.repeat
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="report_speed_"))
    work.mkdir(parents=True, exist_ok=True)
    # the package's bytecode written first, as an installed runlog has it: else, where PYTHONDONTWRITEBYTECODE is
    # set (this sandbox sets it), every command compiles the modules it imports (~0.1-0.4 s, more for the report)
    import compileall

    compiled = compileall.compile_dir(str(REPO / "analysis"), quiet=1)
    out: list[str] = [f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}"
                      f"; runlog's bytecode {'written' if compiled else 'NOT written'} before timing"]
    print(out[0], flush=True)
    try:
        if not args.no_commands:
            if args.fork:
                os.environ["RUNLOG_SERIAL"] = "0"
            block = print_commands(time_commands(repeat, work), repeat)
            if args.fork:
                block.insert(0, "(RUNLOG_SERIAL=0: second processes whatever the load)")
                del os.environ["RUNLOG_SERIAL"]
            print("\n".join(block), flush=True)
            out += ["", *block]
        sample_out = work / "sample_out"
        sample_out.mkdir(exist_ok=True)
        cache = work / "cache"
        run_cli(COMMANDS["runlog runs -o runs.csv"], cache, work)  # warm, in case the commands were skipped
        res = run_phases({"sources": [], "out": str(sample_out), "draw_repeat": repeat, "floor": True}, cache)
        block = ["", *print_phases(res, "Embedded sample"), "", *print_floor(res)]
        print("\n".join(block), flush=True)
        out += block
        if args.years:
            years = [int(y) for y in args.years.split(",")]
            results = []
            for y in years:
                spec = simulated_runner(y, work)
                folder = work / f"out_{y}y"
                folder.mkdir(exist_ok=True)
                ycache = work / f"cache_{y}y"
                # a file changed within the cache's racy window (2 s) is not stored, so a runner just written
                # would be decoded afresh by the report and its "warm" reading timed cold: wait it out
                st = Path(spec["sources"][0]).stat()
                time.sleep(max(0.0, 3.0 - (time.time() - max(st.st_mtime, st.st_ctime))))
                run_cli(["runs", *spec["sources"], "--tz", TZ, "--no-progress"], ycache, work)  # fill the cache
                res = run_phases({**spec, "out": str(folder), "draw_repeat": 2}, ycache)
                print(f"  {y} y: {res['runs']} runs, {sum(res['phases'].values()):.1f} s CPU, "
                      f"{res['peak_rss_mib']:.0f} MiB", flush=True)
                results.append(res)
            block = ["", *print_years(years, results)]
            print("\n".join(block), flush=True)
            out += block
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\n===== summary =====\n" + "\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
