"""The small simulated clinic used when ``runlog cohort`` is given no CLINIC.

Generated on first use into the runlog cache folder (``RUNLOG_CACHE_DIR``/cohort/sample_clinic)
with :mod:`analysis.simulate` (Strava CSV exports without per-run files, diaries,
shoes catalogs): six runners of two years, about 3 MB, a few seconds.
"""

from __future__ import annotations

from pathlib import Path

#: runners and days of the embedded clinic (seeds SAMPLE_SEED + i)
SAMPLE_RUNNERS = 6
SAMPLE_DAYS = 730
SAMPLE_SEED = 200
_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York")


def sample_clinic(root: str | Path | None = None) -> Path:
    """The sample clinic's folder (written on first use)."""
    from analysis.ingest.cache import default_cache_dir
    from analysis.simulate import simulate_runner
    from analysis.simulate.writers import write_runner

    base = Path(root) if root is not None else default_cache_dir() / "cohort" / "sample_clinic"
    done = base / ".complete"
    if done.is_file():
        return base
    for i in range(SAMPLE_RUNNERS):
        tz = _ZONES[i % len(_ZONES)]
        runner = simulate_runner(SAMPLE_SEED + i, days=SAMPLE_DAYS, samples=False, tz=tz)
        folder = base / f"r{i + 1:02d}"
        write_runner(runner, folder, write_files=False)
        (folder / "runner.toml").write_text(f'tz = "{tz}"\n', encoding="utf-8")
    done.write_text("ok\n", encoding="utf-8")
    return base
