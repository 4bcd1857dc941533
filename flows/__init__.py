"""Prefect flows: orchestration only; they pass ids, paths and table names, never data."""
