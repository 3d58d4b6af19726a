"""Statistical methods, one per module; each takes frames and reads no files (METHODS.md 5)."""
