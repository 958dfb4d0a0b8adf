"""Benchmarks: each module prints a table; numbers go into docs/benchmarks.md."""
