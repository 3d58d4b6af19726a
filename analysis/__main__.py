"""``python -m analysis`` runs the runlog command line (the same as ``runlog``)."""

from analysis.cli import main

if __name__ == "__main__":  # not when a second process's start method imports it again
    raise SystemExit(main())
