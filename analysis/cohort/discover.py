"""Find the runners of a clinic: one sub-folder per runner, or a ``runners.csv`` manifest (DESIGN.md).

A runner's folder holds what ``runlog report`` takes for one runner; the files are
told apart by name (:data:`SIDE_FILES`); everything else is an export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError

#: role -> accepted file names in a runner's folder
SIDE_FILES: dict[str, tuple[str, ...]] = {
    "pain": ("pain.csv", "pain.xlsx"),
    "injuries": ("injuries.csv",),
    "ostrc": ("ostrc.csv",),
    "shoes": ("shoes.csv",),
    "gear_log": ("gear.csv",),
    "overrides": ("overrides.csv",),
    "drills": ("drills.csv",),
    "settings": ("runner.toml",),
}

#: files that are neither exports nor inputs (a simulated runner's truth, notes)
IGNORED = {"truth.json", "README.md", "README.txt", ".DS_Store"}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class RunnerSpec:
    """One runner: pseudonymous id, folder, and manifest settings (None = from runner.toml or defaults)."""

    runner_id: str
    folder: Path
    tz: str | None = None
    default_shoe: str | None = None


def _check_id(runner_id: str, where: Path) -> str:
    if not _ID.match(runner_id):
        raise RunlogError(
            f"runner id {runner_id!r} is not usable: use letters, digits, '_', '-' or '.' (a pseudonym, no names)",
            path=where,
        )
    return runner_id


def find_runners(clinic: str | Path) -> list[RunnerSpec]:
    """The runners of ``clinic``: its ``runners.csv`` (``runner_id,path[,tz,default_shoe]``) or sub-folders.

    Raises
    ------
    RunlogError
        The folder is missing, holds no runner, or the manifest is malformed.
    """
    clinic = Path(clinic)
    if not clinic.is_dir():
        raise RunlogError("no such clinic folder: name a folder with one sub-folder per runner", path=clinic)
    manifest = clinic / "runners.csv"
    if manifest.is_file():
        table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
        missing = {"runner_id", "path"} - set(table.columns)
        if missing:
            raise RunlogError(f"missing column(s) {', '.join(sorted(missing))}: the manifest needs "
                              "runner_id,path[,tz,default_shoe]", path=manifest)
        out = []
        for i, row in enumerate(table.itertuples(index=False), start=2):
            rid = _check_id(str(row.runner_id).strip(), manifest)
            folder = Path(str(row.path).strip())
            folder = folder if folder.is_absolute() else clinic / folder
            tz = str(getattr(row, "tz", "") or "").strip() or None
            shoe = str(getattr(row, "default_shoe", "") or "").strip() or None
            out.append(RunnerSpec(rid, folder, tz, shoe))
            if not rid:
                raise RunlogError("empty runner_id", path=manifest, row=i)
        ids = [r.runner_id for r in out]
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise RunlogError(f"runner id(s) listed twice: {', '.join(dup)}", path=manifest)
    else:
        out = [RunnerSpec(_check_id(p.name, p), p) for p in sorted(clinic.iterdir())
               if p.is_dir() and not p.name.startswith((".", "_"))]
    if not out:
        raise RunlogError("no runners found: put one sub-folder per runner (its name is the runner's id) "
                          "or a runners.csv manifest in the clinic folder", path=clinic)
    return out


def runner_files(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    """(side files by role, export paths) of one runner's folder."""
    side: dict[str, Path] = {}
    exports: list[Path] = []
    by_name = {n.lower(): role for role, names in SIDE_FILES.items() for n in names}
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name in IGNORED:
            continue
        role = by_name.get(p.name.lower())
        if role is not None and p.is_file():
            side.setdefault(role, p)
        else:
            exports.append(p)
    return side, exports


def input_paths(folder: Path) -> list[Path]:
    """Every file under a runner's folder that the step reads (for the partition key)."""
    side, exports = runner_files(folder)
    files = list(side.values())
    for e in exports:
        files += sorted(q for q in e.rglob("*") if q.is_file()) if e.is_dir() else [e]
    return sorted(files)
