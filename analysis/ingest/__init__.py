"""From the paths a user gives to one set of canonical frames.

``read_sources`` walks folders and zips, tells each file's kind by its content,
reads it with the right reader (:mod:`analysis.io`), merges a run seen twice into
one (:mod:`analysis.ingest.merge`), keeps decoded files in an on-disk cache
(:mod:`analysis.ingest.cache`) and accounts for every file and row given in the
import log (:mod:`analysis.ingest.importlog`).
"""

from analysis.ingest.loader import Item, detect_kind, expand_sources, read_sources

__all__ = ["Item", "detect_kind", "expand_sources", "read_sources"]
