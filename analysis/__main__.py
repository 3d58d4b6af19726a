"""``python -m analysis`` runs the runlog command line (the same as ``runlog``)."""

from analysis.cli import main

raise SystemExit(main())
