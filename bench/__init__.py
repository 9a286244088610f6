"""Benchmarks of Fleetledger: `python -m bench.commands` (see docs/benchmarks.md)."""
