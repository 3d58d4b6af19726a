"""Many runners, one within-runner answer (METHODS.md 7; DESIGN.md "A clinic or a cohort").

:mod:`.discover` finds the runners of a clinic folder, :mod:`.step` turns one
runner into its at-risk region-day table (the same functions as ``runlog report``),
:mod:`.weekly` does the same per report for runners with weekly injury reports or
OSTRC-O2 answers instead of a diary, :mod:`.storefs` names the store (a folder or an
fsspec URL),
:mod:`.store` maps that step over runners (process pool or Dask) into a Parquet
store and reads it back with DuckDB, :mod:`.model` fits the pooled within-runner
model and the heterogeneity summary, :mod:`.report` draws the PDF, and
:mod:`.sample` writes the small simulated clinic used when no CLINIC is named.
"""
