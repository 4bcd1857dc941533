"""Tests of the matcher (offermap.matching)."""
