"""The steps every command shares: find the inputs, read them, tag footwear.

The CLI and the notebooks call these functions; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.ingest.loader import read_sources
from analysis.io.base import ReadResult

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
SAMPLE_SIDE_FILES = {"pain": "pain.csv", "shoes": "shoes.csv", "drills": "drills.csv"}


@dataclass
class Inputs:
    """What the user gave (or the embedded sample)."""

    sources: list[Path]
    pain: Path | None = None
    shoes: Path | None = None
    drills: Path | None = None
    extra: dict = field(default_factory=dict)


def sample_inputs(sample_dir: Path = SAMPLE_DIR) -> Inputs:
    """The embedded sample: its export plus its diary, shoes catalog and drills log."""
    if not sample_dir.is_dir():
        raise RunlogError(
            "no sources given and the embedded sample is missing (install runlog from a checkout "
            "with 'pip install -e .', or name your export files)",
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


def resolve_inputs(sources, pain=None, shoes=None, drills=None) -> Inputs:
    """The user's inputs, or the sample's where no source is named."""
    if not sources:
        base = sample_inputs()
        return Inputs(
            sources=base.sources,
            pain=Path(pain) if pain else base.pain,
            shoes=Path(shoes) if shoes else base.shoes,
            drills=Path(drills) if drills else base.drills,
        )
    return Inputs(
        sources=[Path(s) for s in sources],
        pain=Path(pain) if pain else None,
        shoes=Path(shoes) if shoes else None,
        drills=Path(drills) if drills else None,
    )


def read_shoes_catalog(path: Path | None) -> pd.DataFrame | None:
    """The user's shoes catalog (runlog format or Strava shoes.csv), or None."""
    if path is None:
        return None
    from analysis.io.shoes import read_shoes

    return read_shoes(path)


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

    Returns
    -------
    (ReadResult, DataFrame or None)
        The frames (runs carry ``gear_name``, ``shoe_class``,
        ``minimalist_index``, ``shoe_rule``) and the shoes catalog used.
    """
    result = read_sources(inputs.sources, tz=tz, positions=positions, progress=progress, cache=cache,
                          samples=samples)
    catalog = read_shoes_catalog(inputs.shoes)
    try:
        from analysis.footwear import assign_footwear
    except ImportError:  # footwear module not installed in this build
        return result, catalog
    runs = assign_footwear(result.runs, catalog, **(footwear_options or {}))
    return ReadResult(runs, result.samples, result.log), catalog
