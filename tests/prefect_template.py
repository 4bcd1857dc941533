"""A migrated Prefect database that the session's test servers start from.

A Prefect server on a new SQLite file first runs every migration of Prefect's schema: ~10 s of
a core, against ~5 s for the rest of its start-up. A user pays that once (the database stays in
PREFECT_HOME); a test suite that gives each server a new home paid it for every server. So the
first test server of a session offers its database once it is up, and later test servers start
from a copy of it. The cold path stays tested: the demo test starts from nothing, as after
`rm -rf .offermap` (docs/notes/stack-pitfalls.md#p23).

The folder is shared by the xdist workers of one session; whoever offers first publishes, by
one atomic rename, so a copy is never taken of a half-written template.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

_DATABASE = "prefect.db"


class PrefectTemplate:
    """The session's migrated Prefect database, once some test server has offered it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def ready(self) -> bool:
        """Whether a migrated database has been published for this session."""
        return (self.folder / _DATABASE).is_file()

    def seed(self, database: Path) -> None:
        """Put a copy of the template at `database` (a server's SQLite file), if there is one.

        Without a template yet, or with a database already there, the server starts as it is.
        """
        if not self.ready or database.exists():
            return
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.folder / _DATABASE, database)

    def offer(self, database: Path) -> None:
        """Publish a running server's database as the template, unless one is published.

        SQLite's backup API copies a consistent snapshot while the server keeps writing.
        """
        if self.ready or not database.is_file():
            return
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".prefect-template-", dir=self.folder.parent))
        with (
            closing(sqlite3.connect(database, timeout=30)) as source,
            closing(sqlite3.connect(staging / _DATABASE)) as copy,
        ):
            source.backup(copy)
        try:
            staging.rename(self.folder)
        except OSError:  # another worker published first: theirs is as good
            shutil.rmtree(staging, ignore_errors=True)
