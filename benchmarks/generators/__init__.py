"""Data generators for the benchmarks, independent of the ``analysis`` package.

They share no code with runlog (numpy and pandas only), so a benchmark built on
them checks runlog against a data-generating process it did not write itself
(METHODS.md 5, "Validation": generators that share no code or functional form
with the model).
"""
