"""The `offermap` command line: sandbox, sync, review, apply and audit."""

from offermap.cli.app import app, main

__all__ = ["app", "main"]
