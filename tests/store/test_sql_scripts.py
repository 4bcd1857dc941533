"""SQL files of several statements: split where DuckDB's parser splits, bind what each one uses."""

from __future__ import annotations

import duckdb
import pytest

from offermap.store.db import execute_script


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (n INTEGER, s VARCHAR)")
    return connection


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    return [(int(n), str(s)) for n, s in con.execute("SELECT n, s FROM t ORDER BY n").fetchall()]


def test_a_double_dash_inside_a_string_is_text_not_a_comment(
    con: duckdb.DuckDBPyConnection,
) -> None:
    execute_script(
        con,
        "INSERT INTO t VALUES (1, 'a -- b');\nINSERT INTO t VALUES (2, $s);\n",
        {"s": "c -- d"},
    )
    assert _rows(con) == [(1, "a -- b"), (2, "c -- d")]


def test_a_semicolon_at_the_end_of_a_line_inside_a_string_does_not_cut_the_statement(
    con: duckdb.DuckDBPyConnection,
) -> None:
    execute_script(con, "INSERT INTO t VALUES (1, 'first;\nsecond');\n", {})
    assert _rows(con) == [(1, "first;\nsecond")]


def test_dollar_quoted_text_keeps_its_semicolons_dashes_and_dollar_words(
    con: duckdb.DuckDBPyConnection,
) -> None:
    execute_script(
        con,
        "INSERT INTO t VALUES (1, $$ends; -- here $name;\n$$);\nINSERT INTO t VALUES ($n, 'x');",
        {"n": 2},
    )
    assert _rows(con) == [(1, "ends; -- here $name;\n"), (2, "x")]


def test_parameters_named_only_in_comments_are_not_required(
    con: duckdb.DuckDBPyConnection,
) -> None:
    script = (
        "-- Inserts $n; the comment's $unused is not a parameter;\n"
        "INSERT INTO t VALUES ($n, 'line'); -- trailing $also_unused;\n"
        "/* a block comment; with $block_unused;\n */ INSERT INTO t VALUES ($n + 1, 'block');\n"
    )
    execute_script(con, script, {"n": 1})
    assert _rows(con) == [(1, "line"), (2, "block")]


def test_each_statement_is_bound_only_to_the_parameters_it_uses(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # DuckDB refuses a statement given a parameter it does not use.
    execute_script(
        con,
        "INSERT INTO t VALUES ($a, 'a');\nINSERT INTO t VALUES ($b, 'b');",
        {"a": 1, "b": 2},
    )
    assert _rows(con) == [(1, "a"), (2, "b")]


def test_a_missing_parameter_is_named_before_anything_runs(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(KeyError, match="'b'"):
        execute_script(
            con, "INSERT INTO t VALUES ($a, 'a');\nINSERT INTO t VALUES ($b, 'b');", {"a": 1}
        )
    assert _rows(con) == []
