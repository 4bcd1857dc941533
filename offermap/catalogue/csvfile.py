"""Reading a CSV file a user gave, so that every problem names the file, the line and the column.

Python's `csv` module reads an unclosed quote to the end of the file and reports the last
line, or (non-strict) silently glues the rest of the file into one field. A user needs the
line where the quote was opened and the column it is in, so records are read strictly and a
failure is traced back to the start of its record.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from offermap.errors import InputError


class CsvInputError(InputError):
    """A CSV file cannot be read: names the file, and where known the line and the column."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: its values by column name and the line its record starts on."""

    path: Path
    values: dict[str, str]
    line: int

    def fail(self, column: str | None, message: str) -> CsvInputError:
        """An error naming this row's file and line, and the column when given."""
        where = f"{self.path}, line {self.line}"
        if column is not None:
            where += f", column {column}"
        return CsvInputError(f"{where}: {message}")

    def get(self, column: str) -> str:
        """The stripped value of a column ('' when the column is absent or empty)."""
        return (self.values.get(column) or "").strip()


def _open_quote_column(text: str, start_line: int) -> int | None:
    """The index of the field whose opening quote on `start_line` is never properly closed."""
    lines = text.splitlines(keepends=True)
    if start_line - 1 >= len(lines):
        return None
    rest = "".join(lines[start_line - 1 :])
    field, position, quoted, at_start = 0, 0, False, True
    opened_at: int | None = None
    while position < len(rest):
        char = rest[position]
        if quoted:
            if char == '"':
                if rest[position + 1 : position + 2] == '"':
                    position += 1
                else:
                    quoted = False
                    following = rest[position + 1 : position + 2]
                    if following not in ("", ",", "\n", "\r"):
                        return opened_at  # text after a closing quote: the quote was stray
        elif char == '"' and at_start:
            quoted, opened_at = True, field
        elif char == ",":
            field += 1
            at_start = True
            position += 1
            continue
        elif char in "\r\n":
            return None
        at_start = False
        position += 1
    return opened_at if quoted else None


def _where_in(exc: UnicodeDecodeError) -> str:
    """'line L, character C' of the first byte that is not UTF-8 (counted in the bytes before
    it, which did decode)."""
    before = bytes(exc.object[: exc.start]).decode("utf-8-sig", errors="replace")
    line = before.count("\n") + 1
    character = len(before) - (before.rfind("\n") + 1) + 1
    return f"line {line}, character {character}"


def read_csv(path: Path, required: Sequence[str], *, what: str = "") -> Iterator[CsvRow]:
    """Yield the data rows of a CSV file after checking that its header names `required`.

    Blank rows are skipped; a row with more fields than the header is refused.

    Args:
        path: the file.
        required: columns the header must name.
        what: how to describe the expected header in an error (defaults to `required`).

    Raises:
        CsvInputError: the file cannot be read, is not UTF-8, lacks a column, or a row is
            malformed (an unclosed quote is blamed on the line and column where it opens).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvInputError(
            f"{path}, {_where_in(exc)}: not UTF-8 text; save the file as UTF-8 CSV"
        ) from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    expected = what or ",".join(required)
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    record_start = 1
    header: list[str] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise CsvInputError(
                f"{path}, line 1: the file is empty; expected the header {expected}"
            )
        missing = [c for c in required if c not in header]
        if missing:
            raise CsvInputError(
                f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                f"the header must name {expected}"
            )
        record_start = reader.line_num + 1
        for fields in reader:
            line = record_start
            record_start = reader.line_num + 1
            if not any(value.strip() for value in fields):
                continue
            if len(fields) > len(header):
                raise CsvInputError(
                    f"{path}, line {line}: {len(fields)} fields, the header has {len(header)}"
                )
            values = dict(zip(header, fields, strict=False))
            yield CsvRow(path, values, line)
    except csv.Error as exc:
        column = _open_quote_column(text, record_start)
        if column is not None:
            name = header[column] if column < len(header) else f"#{column + 1}"
            raise CsvInputError(
                f"{path}, line {record_start}, column {name}: a quote opened here is not "
                "closed where the field ends; close it, or double a quote inside the field"
            ) from None
        raise CsvInputError(f"{path}, line {record_start}: {exc}") from None
