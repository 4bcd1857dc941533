"""Propose: run the matcher on a connection's unmapped variants and fill the review table."""
