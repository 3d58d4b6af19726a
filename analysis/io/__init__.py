"""Readers, one module per format.

Each reader knows its format and nothing else: it parses the file, renames the
source's names to the canonical ones (``VARIABLE_MAP``), converts units and returns
the canonical frames of :mod:`analysis.schema` with its import-log rows
(:class:`analysis.io.base.ReadResult`). Finding files, telling their kind, merging
runs seen twice and caching live in :mod:`analysis.ingest`.
"""
