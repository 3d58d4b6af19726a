"""Robustness: every input, however damaged or hostile, ends in the import log and never crashes runlog."""
