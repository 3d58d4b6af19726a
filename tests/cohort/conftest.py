"""A tiny simulated clinic (three runners, 14 months) written once per test session."""

import shutil

import pytest


@pytest.fixture(scope="session")
def clinic_master(tmp_path_factory):
    from analysis.simulate import simulate_runner
    from analysis.simulate.writers import write_runner

    root = tmp_path_factory.mktemp("clinic")
    for i, tz in enumerate(("Europe/Berlin", "Europe/London", "America/New_York")):
        runner = simulate_runner(300 + i, days=420, samples=False, tz=tz)
        write_runner(runner, root / f"r{i + 1}", write_files=False)
        (root / f"r{i + 1}" / "runner.toml").write_text(f'tz = "{tz}"\n', encoding="utf-8")
    bad = root / "broken"
    bad.mkdir()
    shutil.copy(root / "r1" / "export.zip", bad / "export.zip")
    (bad / "pain.csv").write_text("this,is\nnot,a diary\n", encoding="utf-8")
    return root


@pytest.fixture
def clinic(clinic_master, tmp_path):
    """A private copy (tests may change files)."""
    dst = tmp_path / "clinic"
    shutil.copytree(clinic_master, dst)
    return dst
