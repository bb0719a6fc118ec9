"""Sequence checks: sequences running out of values for the columns they feed."""
