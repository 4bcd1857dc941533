"""Benchmarks of the library (clients, matcher): each measures one thing, none is a test.

Benchmarks that run the pipeline with its GX suites or Prefect flows live in the application
layer, `offermap/cli/benchmarks/`; `offermap bench` (offermap/cli/bench.py) lists them all.
"""
