"""`--csv`: every listing as a spreadsheet-safe CSV file on stdout.

The approver and the finance team open these in a spreadsheet. A cell that begins with `=`,
`+`, `-`, `@`, a tab or a carriage return would be read there as a formula (a name from an
API such as `=HYPERLINK(...)` runs when the file is opened), so such cells get a leading `'`,
as spreadsheet-bound exports do; `offermap.review.signoff` takes it off again when a signed-off
file comes back.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

# What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell text of `value`, with a `'` in front when a spreadsheet would run it.

    Numbers are written as they are: a negative amount is a number, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: TextIO | None = None
) -> int:
    """Write `rows` (only `columns`, in that order) as CSV with a header; return the row count."""
    stream = out or sys.stdout
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
        count += 1
    stream.flush()
    return count
