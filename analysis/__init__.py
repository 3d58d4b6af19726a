"""runlog: is it my mileage, or my shoes?

The importable package behind the ``runlog`` command. Readers live in
:mod:`analysis.io`, the canonical frames in :mod:`analysis.schema`.
"""

__version__ = "0.1.0"
