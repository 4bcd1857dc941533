"""Reading a signed-off CSV back: the file the approver edited in a spreadsheet.

`offermap proposals --csv` (or `offers --csv`) writes the file; the approver marks each row in
a `decision` column (approve / reject, or leaves it blank) or fills in a `service_id`, and
`offermap approve|reject|map|unmap --from-csv FILE` takes it back. A row names its proposal by
`proposal_id`, or by `handle` and `service_id` (ids are stable across syncs, either works).

A malformed file is refused as a whole, naming the file, the line and the column, before
anything is recorded. Spreadsheets save CSV in their own ways: a byte-order mark, `;` or tab
as the delimiter, and the `'` that `--csv` put before cells a spreadsheet would have run as
formulas are all read back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from offermap.errors import InputError

# What an approver may write in the `decision` column (any case); blank means undecided.
APPROVE_WORDS = frozenset({"approve", "approved", "yes", "y", "ok", "x"})
REJECT_WORDS = frozenset({"reject", "rejected", "no", "n"})
UNMAP_WORDS = frozenset({"unmap", "remove", "delete"})
MAP_WORDS = frozenset({"map"}) | APPROVE_WORDS
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


class SignoffError(InputError):
    """A signed-off file cannot be read; names the file, line and column; nothing was recorded."""


@dataclass(frozen=True)
class SignoffRow:
    """One row of a signed-off file that asks for something.

    line: the file's line the row starts on (the header is line 1).
    """

    line: int
    proposal_id: int | None
    handle: str | None
    service_id: int | None
    decision: str | None
    note: str | None

    def where(self, path: Path) -> str:
        """`picks.csv, line 4`, for messages about this row."""
        return f"{path.name}, line {self.line}"


def _cell(value: str | None) -> str:
    text = (value or "").strip()
    # `--csv` put a ' before cells a spreadsheet would run; a spreadsheet keeps it as text.
    return text[1:] if text.startswith(_NEUTRALISED) else text


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _unclosed_quote(text: str, start_line: int, delimiter: str) -> tuple[int, int]:
    """Where the quote left open in the record starting at `start_line` began: (line, field)."""
    record = text.splitlines(keepends=True)[start_line - 1 :]
    field, line, in_quotes, at_start = 1, start_line, False, True
    opened = (start_line, 1)
    for raw in record:
        for char in raw:
            if in_quotes:
                if char == '"':
                    in_quotes = False
            elif char == '"' and at_start:
                in_quotes, opened = True, (line, field)
            elif char == delimiter:
                field += 1
                at_start = True
                continue
            at_start = False
        line += 1
    return opened


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SignoffError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SignoffError(f"{path} is a folder: give the CSV file") from None
    except UnicodeDecodeError as exc:
        line = text_line(exc.object, exc.start)
        raise SignoffError(
            f"{path.name}, line {line}: not UTF-8 text (save the sheet as CSV UTF-8)"
        ) from None
    dialect = _dialect(text)
    delimiter = str(getattr(dialect, "delimiter", ","))
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            line, field = _unclosed_quote(text, start, delimiter)
            name = header[field - 1] if header and field <= len(header) else f"#{field}"
            raise SignoffError(
                f"{path.name}, line {line}, column {name}: a quoted cell is never closed "
                '(a " is missing)'
            ) from None
        if header is None:
            header = [_cell(name).lower() for name in record]
            continue
        if any(cell.strip() for cell in record):
            rows.append((start, record))
    if header is None:
        raise SignoffError(f"{path.name} is empty: it needs a header line and rows")
    return header, rows, delimiter


def text_line(data: bytes, position: int) -> int:
    """The 1-based line of `data` holding byte `position`."""
    return data.count(b"\n", 0, position) + 1


def _int(value: str, path: Path, line: int, column: str) -> int | None:
    if not value:
        return None
    try:
        number = int(float(value)) if value.endswith(".0") else int(value)
    except ValueError:
        raise SignoffError(
            f"{path.name}, line {line}, column {column}: {value!r} is not a whole number"
        ) from None
    return number


def read_signoff(path: Path | str, *, allowed: frozenset[str]) -> list[SignoffRow]:
    """The rows of a signed-off file, every one checked; rows without a request are left out.

    Args:
        allowed: the decision words this command acts on (e.g. APPROVE_WORDS): rows whose
            `decision` is another known word are skipped (they are for another command),
            an unknown word is an error. Without a `decision` column every row counts.

    Raises:
        SignoffError: the file is missing, not CSV, lacks the columns that name a row, or a
            cell cannot be read; it names the line and the column.
    """
    path = Path(path)
    header, records, _ = _rows(path)
    has = set(header)
    if "proposal_id" not in has and "handle" not in has:
        raise SignoffError(
            f"{path.name}, line 1: no proposal_id or handle column: a row must say which "
            "proposal or offer variant it is about (start from `offermap proposals --csv`)"
        )
    known_words = APPROVE_WORDS | REJECT_WORDS | UNMAP_WORDS | MAP_WORDS
    out = []
    for line, record in records:
        if len(record) > len(header):
            raise SignoffError(
                f"{path.name}, line {line}: {len(record)} cells for {len(header)} columns"
            )
        cells = {name: _cell(value) for name, value in zip(header, record, strict=False)}
        decision = cells.get("decision", "").lower() or None
        if "decision" in has:
            if decision is None:
                continue  # undecided: the approver left it for later
            if decision not in known_words:
                words = "approve, reject, map, unmap (or leave it blank)"
                raise SignoffError(
                    f"{path.name}, line {line}, column decision: {cells['decision']!r} is not a "
                    f"decision: write one of {words}"
                )
            if decision not in allowed:
                continue
        proposal_id = _int(cells.get("proposal_id", ""), path, line, "proposal_id")
        service_id = _int(cells.get("service_id", ""), path, line, "service_id")
        handle = cells.get("handle") or None
        if proposal_id is None and handle is None:
            raise SignoffError(
                f"{path.name}, line {line}, column proposal_id: empty, and so is handle: "
                "say which proposal or offer variant the row is about"
            )
        out.append(
            SignoffRow(
                line=line,
                proposal_id=proposal_id,
                handle=handle,
                service_id=service_id,
                decision=decision,
                note=cells.get("note") or None,
            )
        )
    return out
