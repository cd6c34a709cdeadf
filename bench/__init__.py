"""Benchmarks: `python -m bench.run` (see docs/BENCHMARKS.md). Never part of the test suite's timing."""
