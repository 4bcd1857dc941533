"""Benchmarks of whole pipeline runs: they need the GX suites or Prefect, so they live here."""
