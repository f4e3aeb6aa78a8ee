"""Benchmarks, run on demand (not part of the unit tests): see BENCHMARKS.md."""
