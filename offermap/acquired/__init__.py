"""Acquired offer variants (R9): derived from each sync's subscriptions, listed with status."""
