"""Execute an analyst notebook headless: build it from its `.py` form, set parameters, run it.

    .venv/bin/python -m notebooks.run mapping_health --db .offermap/offermap.duckdb \
        --connection demo --set audit_bucket=hour --output /tmp/mapping_health.ipynb
    .venv/bin/python -m notebooks.run review_proposals --connection demo --html /tmp/review.html

Parameters go into a cell inserted after the one tagged `parameters`, as papermill does, so
the notebook's defaults stay visible above the values that override them. A headless run sets
`headless = True` (nobody is there to click a button); `--html` also writes the executed
notebook as a page without its code cells, for readers who only want the tables and charts.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

NOTEBOOKS = Path(__file__).resolve().parent
NAMES = ("review_proposals", "mapping_health")
# Generous: the kernel starts and imports pandas, matplotlib and offermap on a loaded machine.
CELL_TIMEOUT_SECONDS = 300


def with_parameters(notebook: Any, parameters: dict[str, Any]) -> Any:
    """Insert a cell setting `parameters` right after the notebook's cell tagged `parameters`.

    Raises:
        ValueError: the notebook has no cell tagged `parameters`, or several.
    """
    positions = [
        i
        for i, cell in enumerate(notebook.cells)
        if "parameters" in cell.get("metadata", {}).get("tags", [])
    ]
    if len(positions) != 1:
        raise ValueError("a notebook needs exactly one cell tagged 'parameters'")
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})  # type: ignore[no-untyped-call]
    notebook.cells.insert(positions[0] + 1, cell)
    return notebook


def execute(
    name: str, parameters: dict[str, Any], workdir: Path, output: Path | None = None
) -> Any:
    """Run `notebooks/<name>.py` with the parameters, in `workdir`; return the executed notebook.

    The executed notebook is written to `output` (default `workdir/<name>.ipynb`) even when a
    cell fails, so the error can be read in context.

    Raises:
        ValueError: `name` is not one of NAMES.
        nbclient.exceptions.CellExecutionError: a cell raised; its message is the cell's error.
    """
    if name not in NAMES:
        raise ValueError(f"no notebook {name!r}: choose one of {', '.join(NAMES)}")
    notebook = with_parameters(
        jupytext.read(NOTEBOOKS / f"{name}.py"), {"headless": True, **parameters}
    )
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    target = output or workdir / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        client.execute()
    finally:
        nbformat.write(notebook, target)  # type: ignore[no-untyped-call]
    return notebook


def write_html(notebook: Any, target: Path) -> Path:
    """Write an executed notebook as one HTML page without code cells: text, tables, charts.

    Returns the path written. The page is written next to its final place and then moved
    there, so a failed export leaves an earlier page as it was.
    """
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True)  # type: ignore[no-untyped-call]
    exporter.exclude_output_prompt = True
    body, _resources = exporter.from_notebook_node(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(body, encoding="utf-8")
    partial.replace(target)
    return target


def _value(text: str) -> Any:
    # A Python literal when it is one ("0.8", "[1, 2]", "'x'"); otherwise the text itself.
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv: list[str] | None = None) -> int:
    """Command line: run one notebook, write the executed `.ipynb`, return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m notebooks.run", description=__doc__)
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--db", help="the DuckDB file (default: OFFERMAP_DB)")
    parser.add_argument("--connection", help="the connection (default: OFFERMAP_CONNECTION)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another parameter, e.g. --set min_score=0.8 --set segment=Commercial",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the executed notebook (default: .offermap/notebooks/NAME.ipynb)",
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="PAGE",
        help="also write the executed notebook as an HTML page without code cells",
    )
    args = parser.parse_args(argv)
    parameters: dict[str, Any] = {}
    if args.db:
        parameters["db_path"] = args.db
    if args.connection:
        parameters["connection_id"] = args.connection
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            parser.error(f"--set takes NAME=VALUE, not {item!r}")
        parameters[name] = _value(value)
    # Executed copies carry outputs: keep them out of the repository's notebooks/ folder.
    output = args.output or Path.cwd() / ".offermap" / "notebooks" / f"{args.name}.ipynb"
    try:
        notebook = execute(args.name, parameters, Path.cwd(), output)
    except CellExecutionError as exc:
        # offermap's errors are one line saying what to do; the traceback stays in the notebook.
        print(
            f"{args.name} failed: {exc.ename}: {exc.evalue} "
            f"(the executed notebook, with the traceback, is in {output})",
            file=sys.stderr,
        )
        return 1
    print(f"{args.name}: executed notebook written to {output}")
    if args.html:
        print(f"{args.name}: HTML page without code written to {write_html(notebook, args.html)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
