"""runlog: is it my mileage, or my shoes? The public, importable API.

``import runlog`` gives everything a notebook or script needs - read the
sources, analyse, draw the report, write the findings JSON and the
analysis-ready tables - listed in one ``__all__``. The implementation lives
in the package folder ``analysis/`` (the project's layout, see DESIGN.md);
this thin package re-exports it.

Why it loads ``analysis`` by location: a user's own ``analysis.py`` (or
``analysis/`` folder) beside a notebook comes first on ``sys.path`` and
would shadow runlog's implementation, which imports itself by that name.
:func:`_implementation` therefore loads runlog's ``analysis`` package from
the folder beside this one and registers it as ``sys.modules["analysis"]``
when the name is free or taken by somebody else's module. A user module
imported *before* ``import runlog`` keeps working through the names already
bound to it; a later plain ``import analysis`` then gives runlog's package
(import your own module as ``import analysis`` before ``import runlog``, or
better, rename it).

Example
-------
>>> import runlog
>>> data = runlog.run(runlog.sample_inputs(), tz="Europe/Copenhagen")      # doctest: +SKIP
>>> runlog.write_json(data.findings, "findings.json")                     # doctest: +SKIP
>>> runlog.write_tables(data, "tables/")                                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def _implementation() -> ModuleType:
    """runlog's own ``analysis`` package, loaded from beside this package whatever else is on ``sys.path``."""
    folder = Path(__file__).resolve().parent.parent / "analysis"
    current = sys.modules.get("analysis")
    if getattr(current, "__file__", None) and Path(current.__file__).resolve().parent == folder:
        return current
    spec = importlib.util.spec_from_file_location(
        "analysis", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - a broken installation
        raise ImportError(f"runlog's implementation package is missing from {folder}")
    module = importlib.util.module_from_spec(spec)
    for name in [n for n in sys.modules if n == "analysis" or n.startswith("analysis.")]:
        del sys.modules[name]  # somebody else's analysis (and its submodules) leave the registry, not memory
    sys.modules["analysis"] = module
    spec.loader.exec_module(module)
    return module


_implementation()

from analysis import __version__, plots  # noqa: E402
from analysis.errors import RunlogError  # noqa: E402
from analysis.experiment import analyse_experiment, make_plan, plan_blocks  # noqa: E402
from analysis.experiment.protocol import plot_experiment  # noqa: E402
from analysis.ingest.cache import Cache  # noqa: E402
from analysis.pipeline import (  # noqa: E402
    Analysis,
    Inputs,
    analyse,
    check,
    load_runs,
    read_side_files,
    resolve_inputs,
    run,
    sample_inputs,
)
from analysis.provenance import SCHEMA_VERSION, findings_schema, inputs_digest  # noqa: E402
from analysis.report import build_report, write_json  # noqa: E402
from analysis.tables import data_dictionary, tables, write_tables  # noqa: E402

__all__ = [
    "SCHEMA_VERSION",
    "Analysis",
    "Cache",
    "Inputs",
    "RunlogError",
    "__version__",
    "analyse",
    "analyse_experiment",
    "build_report",
    "check",
    "data_dictionary",
    "findings_schema",
    "inputs_digest",
    "load_runs",
    "make_plan",
    "plan_blocks",
    "plot_experiment",
    "plots",
    "read_side_files",
    "resolve_inputs",
    "run",
    "sample_inputs",
    "tables",
    "write_json",
    "write_tables",
]
