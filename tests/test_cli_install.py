"""Issue [M] 1: ``runlog report`` works from any folder after a wheel install (the sample ships inside).

One slow test (a wheel is built and installed into a fresh virtual environment, about a minute),
marked ``install``: CI runs it with the rest (``pytest``); ``pytest -m "not install"`` skips it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: what a build needs from the checkout (what the sdist holds: MANIFEST.in and the package)
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _can_build_offline() -> bool:
    """setuptools >= 70.1 (which writes wheels itself) in this environment: no build isolation needed."""
    try:
        major, minor = (int(x) for x in metadata.version("setuptools").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1)


@pytest.mark.install
def test_wheel_install_runs_report_on_the_embedded_sample_from_another_folder(tmp_path):
    # 1. a wheel built from a copy of the checkout's build inputs (no build/ left in the checkout)
    src = tmp_path / "src"
    src.mkdir()
    for name in BUILD_FILES:
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    shutil.copytree(REPO / "analysis", src / "analysis", ignore=ignore)
    shutil.copytree(REPO / "data" / "sample", src / "data" / "sample", ignore=ignore)
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-w", str(dist), str(src)]
    if _can_build_offline():
        build.insert(4, "--no-build-isolation")
    _run(build)
    wheel = next(dist.glob("runlog-*.whl"))

    # 2. a fresh environment that sees this one's dependencies (not its runlog) and the wheel installed
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)])
    python = venv / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    if sys.prefix != sys.base_prefix:  # this is a venv itself: --system-site-packages would not reach its packages
        (purelib / "_runlog_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--ignore-installed",
          str(wheel)])

    # 3. runlog report in an empty folder, with nothing of the checkout on the path
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["RUNLOG_CACHE_DIR"] = str(tmp_path / "cache")
    runlog = python.with_name("runlog.exe" if os.name == "nt" else "runlog")
    proc = _run([str(runlog), "report", "--no-pdf", "--json", "out.json", "--no-progress", "--tz",
                 "Europe/Copenhagen"], cwd=work, env=env)
    assert "using the embedded sample" in proc.stderr
    where = _run([str(python), "-c", "import analysis.pipeline as p; print(p.__file__); print(p.SAMPLE_DIR)"],
                 cwd=work, env=env).stdout.split()
    assert all(Path(w).resolve().is_relative_to(venv.resolve()) for w in where)  # the wheel's copy, not the checkout
    packaged = Path(where[1])
    for name in ("export.zip", "pain.csv", "shoes.csv", "drills.csv"):  # data/sample, shipped as it is
        assert (packaged / name).read_bytes() == (REPO / "data" / "sample" / name).read_bytes()
    findings = json.loads((work / "out.json").read_text())
    assert findings["data"]["runs"] > 100
    assert set(findings["regions"]) == {"plantar", "achilles", "patellar", "glute"}
