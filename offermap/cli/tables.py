"""Listings that fit the terminal: a table from 120 columns, compact blocks below, paged.

Every cell is text from an API or a user, so it is always printed literally (`Text`, never
rich markup: a service named `[link=...]x[/link]` shows those characters). Ids (handles,
provider offer ids, service and proposal ids) are never wrapped or shrunk, so they can be
copied and pasted back into other commands; when a table would have to shrink them, the
listing is printed as compact blocks instead, one block per row. A listing longer than the
terminal goes through a pager when stdout is a terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

# From this many columns a listing is a table; below it, compact blocks (an 80- or 100-column
# terminal cannot show a handle, a name and a service side by side without breaking one).
WIDE_FROM = 120
# Rows a table shows unless --limit says otherwise: thousands of rows help nobody on a screen
# (--csv and --json give everything).
DEFAULT_LIMIT = 50
_INDENT = 4

Row = dict[str, Any]
CellKind = Literal["id", "text", "number"]


def literal(value: Any, style: str = "") -> Text:
    """`value` as text printed exactly as it is (None: empty); never read as markup."""
    return Text("" if value is None else str(value), style=style)


def lines(*parts: Text | str | None) -> Text:
    """Several pieces as one cell, one per line; empty pieces are left out."""
    out = Text()
    for part in parts:
        if part is None or (isinstance(part, str | Text) and not str(part)):
            continue
        if out.plain:
            out.append("\n")
        out.append(part if isinstance(part, Text) else Text(part))
    return out


def say(console: Console, *parts: Text | str) -> None:
    """Print one line literally: strings are never read as markup or highlighted."""
    text = Text()
    for part in parts:
        text.append(part if isinstance(part, Text) else Text(part))
    console.print(_Indented(text, 0), highlight=False)


@dataclass(frozen=True)
class Column:
    """One column of a wide table.

    kind: "id" is never wrapped or shrunk (it is copied and pasted back), "number" is
    right-aligned and never wrapped, "text" wraps within at least `min_width` characters.
    """

    header: str
    cell: Callable[[Row], Text]
    kind: CellKind = "text"
    min_width: int = 12


@dataclass(frozen=True)
class Listing:
    """How to show one kind of row: as a table column by column, or as a compact block.

    compact: the block of one row: its first line holds the ids and is never wrapped; the
    other lines are indented and wrap at the terminal's width.
    """

    title: str
    columns: Sequence[Column]
    compact: Callable[[Row], Sequence[Text]]
    # Rows whose texts are sentences (what changed, what to do) read better as blocks at any
    # width than squeezed into columns.
    blocks_only: bool = False


def _widest_line(text: Text) -> int:
    return max((len(line) for line in text.plain.split("\n")), default=0)


def _table(listing: Listing, rows: Sequence[Row], width: int) -> Table | None:
    """The listing as a table, or None when its ids would not fit `width` unshrunk."""
    cells = [[column.cell(row) for column in listing.columns] for row in rows]
    needed = 0
    widths: list[int] = []
    for index, column in enumerate(listing.columns):
        widest = max(
            [len(column.header), *(_widest_line(line[index]) for line in cells)], default=0
        )
        fixed = column.kind in ("id", "number")
        widths.append(widest if fixed else min(widest, column.min_width))
        needed += widths[-1] + 2  # a space each side
    if needed > width:
        return None
    table = Table(
        title=literal(listing.title), box=box.SIMPLE_HEAD, title_justify="left", expand=False
    )
    for column, minimum in zip(listing.columns, widths, strict=True):
        if column.kind == "text":
            table.add_column(
                literal(column.header), overflow="fold", min_width=max(minimum, 1), ratio=1
            )
        else:
            table.add_column(
                literal(column.header),
                no_wrap=True,
                min_width=minimum,
                justify="right" if column.kind == "number" else "left",
            )
    for line in cells:
        table.add_row(*line)
    return table


class _Indented:
    """Text wrapped to the width left of an indent, every line indented, and no line padded
    with spaces to the terminal's edge (rich's Padding does that, which spoils copying)."""

    def __init__(self, text: Text, indent: int) -> None:
        self._text = text
        self._indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - self._indent)
        lines = console.render_lines(self._text, options.update_width(width), pad=False)
        for line in lines:
            yield Segment(" " * self._indent)
            yield from _without_trailing_spaces(line)
            yield Segment.line()


def _without_trailing_spaces(line: list[Segment]) -> list[Segment]:
    """A rendered line without the space a wrap leaves at its end."""
    kept = list(line)
    while kept and not kept[-1].text.rstrip(" "):
        kept.pop()
    if kept:
        last = kept[-1]
        kept[-1] = Segment(last.text.rstrip(" "), last.style, last.control)
    return kept


def _blocks(listing: Listing, rows: Sequence[Row]) -> RenderableType:
    parts: list[RenderableType] = [literal(listing.title, style="bold")]
    for row in rows:
        first, *rest = listing.compact(row)
        parts.append(Text(""))
        head = first.copy()
        head.no_wrap = True
        head.overflow = "ignore"
        parts.append(head)
        parts.extend(_Indented(line, _INDENT) for line in rest)
    return Group(*parts)


def render(listing: Listing, rows: Sequence[Row], width: int) -> RenderableType:
    """The rows as a table when `width` allows one (from WIDE_FROM columns), else as blocks."""
    wide = width >= WIDE_FROM and not listing.blocks_only
    table = _table(listing, rows, width) if wide else None
    return table if table is not None else _blocks(listing, rows)


def page_note(shown: int, total: int, offset: int) -> str | None:
    """ "Showing 51-100 of 1,373: ..." when the rows shown are not all there are."""
    if shown >= total and offset == 0:
        return None
    if shown == 0:
        return f"No rows from --offset {offset}: there are {total:,}."
    first, last = offset + 1, offset + shown
    more = (
        f" Next: --offset {last}; everything: --limit 0 (or --csv for a spreadsheet)."
        if last < total
        else ""
    )
    return f"Showing {first:,}-{last:,} of {total:,}.{more}"


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (a pager makes sense only there)."""
    return sys.stdout.isatty()


def _pager_command() -> str:
    return os.environ.get("OFFERMAP_PAGER") or os.environ.get("PAGER") or "less"


def _page(text: str) -> bool:
    """Send `text` through the pager; False when there is none (the caller prints instead)."""
    env = dict(os.environ)
    # Colours through, quit at once when one screen holds it all, leave the text on screen.
    env.setdefault("LESS", "-FRX")
    try:
        pager = subprocess.Popen(
            _pager_command(), shell=True, stdin=subprocess.PIPE, text=True, env=env
        )
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text)
        pager.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before the end: that is fine
    pager.wait()
    return pager.returncode != 127  # 127: the shell found no such pager


def show(
    console: Console,
    listing: Listing,
    rows: Sequence[Row],
    *,
    total: int | None = None,
    offset: int = 0,
    pager: bool = True,
    after: Sequence[str] = (),
) -> None:
    """Print the rows to fit the terminal, with a line saying which rows these are, then
    `after` (the next commands); through a pager when it is longer than the terminal.

    Args:
        total: how many rows there are in all (None: these are all).
        pager: False for --no-pager.
    """
    total = len(rows) if total is None else total
    with console.capture() as captured:
        console.print(render(listing, rows, console.width))
        note = page_note(len(rows), total, offset)
        if note:
            say(console, note)
        for line in after:
            say(console, line)
    text = captured.get()
    if pager and stdout_is_terminal() and text.count("\n") > console.height - 1 and _page(text):
        return
    sys.stdout.write(text)
    sys.stdout.flush()
