"""Build hook: the embedded sample ships inside the package.

``data/sample/`` stays where it is (the notebook, the tests and the docs use it
there); every non-editable build - ``pip install .``, a wheel, a wheel built
from the sdist - copies it to ``analysis/data/sample/`` in the build, where
:data:`analysis.pipeline.SAMPLE_DIR` finds it with :mod:`importlib.resources`.
An editable install (``pip install -e .``) copies nothing: the package then
runs from the checkout and finds ``data/sample/`` beside it. The sdist carries
``data/sample/`` through ``MANIFEST.in``. Everything else is in pyproject.toml.

Written as a ``build_py`` step because package data cannot name files outside
the package folder.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLE = Path("data") / "sample"
TARGET = Path("analysis") / "data" / "sample"


class BuildPyWithSample(build_py):
    """``build_py`` that also copies ``data/sample/`` into the built package."""

    def _sample_files(self) -> list[Path]:
        if getattr(self, "editable_mode", False) or not SAMPLE.is_dir():
            return []
        return sorted(f for f in SAMPLE.rglob("*") if f.is_file() and not f.name.startswith("."))

    def run(self) -> None:
        super().run()
        for f in self._sample_files():
            dest = Path(self.build_lib) / TARGET / f.relative_to(SAMPLE)
            self.mkpath(str(dest.parent))
            self.copy_file(str(f), str(dest))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        extra = [str(Path(self.build_lib) / TARGET / f.relative_to(SAMPLE)) for f in self._sample_files()]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildPyWithSample})
