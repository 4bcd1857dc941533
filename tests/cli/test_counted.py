"""Counts read as English: "1 proposal", "2 proposals", "1,500 customers"."""

from __future__ import annotations

from offermap.cli.common import counted


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "proposal") == "1 proposal"
    assert counted(0, "proposal") == "0 proposals"
    assert counted(1500, "customer") == "1,500 customers"
