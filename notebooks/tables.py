"""Tables as an analyst reads them: ids as integers, blanks for what is missing, no index.

The reports return DataFrames fit for computing (nullable integers, NaN scores, named
indexes); `readable` turns one into text cells for reading, and `Table` shows it as escaped
HTML in Jupyter and as aligned text anywhere else (an executed notebook read as text, a
terminal). Text from the APIs is escaped, never interpreted: a service named `<b>x</b>` or
`[link=...]` shows exactly so.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import Any

import pandas as pd

# Columns whose numbers are ids or counts, printed as integers even when pandas made them
# floats (a missing value in an integer column does that).
INTEGER_COLUMNS = frozenset(
    {
        "rank",
        "customers",
        "subscriptions",
        "seats",
        "records",
        "requests",
        "operations",
        "failures",
        "total",
    }
)
# Scores read best with two decimals, whatever their column is called.
SCORE_COLUMNS = frozenset({"score", "best_open_score"})
# Sentences: given room to wrap as a paragraph, not squeezed into a column one word wide.
PROSE_COLUMNS = frozenset(
    {"reasons", "alternatives", "detail", "what_changed", "action", "reason", "support_reason"}
)
# Handles and ids are copied and pasted back: never wrapped at a hyphen or a slash.
WHOLE_COLUMNS = frozenset({"variant", "handle"})
# Text reads left to right (Jupyter's own table style aligns every cell right, like numbers),
# prose wraps in a column wide enough to read, ids stay on one line.
_STYLE = (
    "<style>table.offermap-table td, table.offermap-table th "
    "{text-align: left !important; vertical-align: top !important;} "
    "table.offermap-table td.whole {white-space: nowrap;} "
    "table.offermap-table td.prose {min-width: 28em;}</style>"
)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _integral(column: str) -> bool:
    return column in INTEGER_COLUMNS or column.endswith("_id") or column == "id"


def _cell(column: str, value: Any) -> str:
    """One value as the analyst reads it: blank when missing, ids whole, times to the minute."""
    if isinstance(value, list | tuple | set | dict):
        return str(value) if value else ""
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if column in SCORE_COLUMNS:
            return f"{value:.2f}"
        if _integral(column) and value.is_integer():
            return str(int(value))
        return f"{value:g}"
    return str(value)


def _column_name(name: Any) -> str:
    if isinstance(name, tuple):
        return ": ".join(str(part) for part in name if str(part))
    return str(name)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as text cells: a named index becomes a column, every value a string.

    Missing values (None, NaN, NA, NaT) become blanks, ids and counts integers, scores two
    decimals, times `YYYY-MM-DD HH:MM`, booleans yes/no; column levels are joined with ": ".
    """
    named_index = any(name is not None for name in frame.index.names)
    shown = frame.reset_index() if named_index else frame.reset_index(drop=True)
    columns = [_column_name(c) for c in shown.columns]
    rows = [
        [_cell(column, value) for column, value in zip(columns, row, strict=True)]
        for row in shown.itertuples(index=False, name=None)
    ]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _html_class(column: str) -> str:
    if column in PROSE_COLUMNS:
        return "prose"
    if column in WHOLE_COLUMNS or _integral(column):
        return "whole"
    return ""


class Table:
    """A DataFrame displayed tidily; at most `limit` rows, saying how many were left out."""

    def __init__(self, frame: pd.DataFrame, *, limit: int | None = None) -> None:
        """Keep the frame; nothing is rendered until the table is displayed."""
        self.total = len(frame)
        self.rows = readable(frame if limit is None else frame.head(limit))

    def _more(self) -> str:
        left_out = self.total - len(self.rows)
        return f"{len(self.rows)} of {self.total} rows shown" if left_out > 0 else ""

    def _repr_html_(self) -> str:
        if self.rows.empty and not len(self.rows.columns):
            return "<p><i>nothing to show</i></p>"
        kinds = [_html_class(str(c)) for c in self.rows.columns]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.rows.columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{kind}">{html.escape(value)}</td>'
                if kind
                else f"<td>{html.escape(value)}</td>"
                for kind, value in zip(kinds, row, strict=True)
            )
            + "</tr>"
            for row in self.rows.itertuples(index=False, name=None)
        )
        table = (
            f'{_STYLE}<table class="offermap-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
        if self.rows.empty:
            table += "<p><i>no rows</i></p>"
        more = self._more()
        return table + (f"<p><i>{html.escape(more)}</i></p>" if more else "")

    def __repr__(self) -> str:
        """The table as aligned plain text, for readers without HTML."""
        if self.rows.empty:
            header = "  ".join(self.rows.columns)
            return f"{header}\n(no rows)" if header else "(nothing to show)"
        text = self.rows.to_string(index=False, na_rep="")
        more = self._more()
        return text + (f"\n({more})" if more else "")


def show(frame: pd.DataFrame, limit: int | None = None) -> None:
    """Display the frame as a `Table` in the running notebook."""
    from IPython.display import display

    display(Table(frame, limit=limit))  # type: ignore[no-untyped-call]
