"""Prefect tasks: thin wrappers that call the offermap library with ids, paths and table names."""
