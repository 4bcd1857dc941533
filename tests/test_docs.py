"""Citations of the notes under docs/ cannot rot: every cited path and anchor exists.

A citation is a relative path starting `docs/` in a comment or docstring of a Python file, a
comment of a configuration or SQL file, or anywhere in a markdown file; it may end in
`#anchor` (a heading of the cited file, or an `<a id>` in one) or be followed by `§N` (a
numbered heading, e.g. `docs/notes/autotask-api.md §5`). Links between markdown files are
checked the same way, relative to the file that holds them. Notes kept outside the repository
may not be cited at all.
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folders that hold no sources of ours: environments, caches, run state, build output.
_SKIPPED_DIRS = {"__pycache__", "node_modules", "build", "dist"}
_HASH_COMMENTED = {".toml", ".yaml", ".yml", ".cfg", ".ini", ".txt", ".sh"}
_HASH_COMMENTED_NAMES = {"Makefile", ".env.example"}

# `docs/...` not preceded by a path character (a docs folder inside another folder, or in a
# URL, is not the repository's).
_CITATION = re.compile(
    r"(?<![\w./-])(?P<path>docs/[\w./-]*)"
    r"(?:#(?P<anchor>[\w-]+))?"
    r"(?:\s*§\s*(?P<section>\d+(?:\.\d+)*))?"
)
_MD_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_HTML_ID = re.compile(r"""<a\s+(?:id|name)=["'](?P<id>[^"']+)["']""")
_TAG = re.compile(r"<[^>]+>")
# Notes that live outside the repository; the repository's own copies are under docs/notes/.
_OUTSIDE_NOTES = re.compile(r"stack-notes|style-anchors|shared/docs|\.\./shared/(?!data)")


@dataclass(frozen=True)
class Citation:
    """A cited path (relative to `base`), with an optional anchor or section, and its place."""

    where: str
    path: str
    base: Path
    anchor: str | None = None
    section: str | None = None


def _skipped(folder: str) -> bool:
    return folder.startswith(".") or folder in _SKIPPED_DIRS or folder.endswith(".egg-info")


def source_files(root: Path) -> Iterator[Path]:
    """Every file of the repository that may cite a note (hidden folders and caches skipped)."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not _skipped(d))
        for name in sorted(files):
            yield Path(folder) / name


def _python_texts(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python source."""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstring = first.value.value
                if isinstance(docstring, str):
                    yield first.lineno, docstring


def _comment_texts(text: str, marker: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            yield number, line[line.index(marker) :]


def cited_texts(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of the parts of a file that can cite: comments, docstrings, markdown."""
    if path.suffix == ".md":
        yield from enumerate(path.read_text("utf-8").splitlines(), start=1)
    elif path.suffix == ".py":
        yield from _python_texts(path.read_text("utf-8"))
    elif path.suffix == ".sql":
        yield from _comment_texts(path.read_text("utf-8"), "--")
    elif path.suffix in _HASH_COMMENTED or path.name in _HASH_COMMENTED_NAMES:
        yield from _comment_texts(path.read_text("utf-8"), "#")


@functools.cache
def texts(root: Path) -> tuple[tuple[Path, int, str], ...]:
    """(file, line, text) of every part of the repository that can cite, read once per root."""
    return tuple(
        (path, line, text) for path in source_files(root) for line, text in cited_texts(path)
    )


def citations(root: Path) -> list[Citation]:
    """Every `docs/...` citation of the repository, and every relative markdown link."""
    found: list[Citation] = []
    for path, line, text in texts(root):
        where = str(path.relative_to(root))
        for match in _CITATION.finditer(text):
            cited = match["path"].rstrip(".,;:")
            found.append(
                Citation(f"{where}:{line}", cited, root, match["anchor"], match["section"])
            )
        if path.suffix != ".md":
            continue
        for match in _MD_LINK.finditer(text):
            target = match["target"]
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            cited, _, anchor = target.partition("#")
            found.append(Citation(f"{where}:{line}", cited, path.parent, anchor or None))
    return found


def slug(heading: str) -> str:
    """The anchor a markdown renderer (GitHub's rule) gives a heading's text."""
    text = _TAG.sub("", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def headings(markdown: str) -> list[str]:
    """The headings of a markdown text, outside fenced code blocks."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            found.append(match["text"])
    return found


def anchors(markdown: str) -> set[str]:
    """Every anchor a link may use: each heading's slug, and `<a id>`s inside headings."""
    result: set[str] = set()
    seen: dict[str, int] = {}
    for heading in headings(markdown):
        base = slug(heading)
        result.add(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
        result.update(m["id"] for m in _HTML_ID.finditer(heading))
    return result


def has_section(markdown: str, section: str) -> bool:
    """Whether a heading is numbered `section` ("5", "5.2"), e.g. "5. Queries"."""
    numbered = re.compile(rf"^{re.escape(section)}\.?\s")
    return any(numbered.match(_TAG.sub("", h).strip()) for h in headings(markdown))


def problem(citation: Citation) -> str | None:
    """What is wrong with a citation, or None when what it cites exists."""
    target = (citation.base / citation.path).resolve()
    if not target.exists():
        return f"{citation.where}: {citation.path} does not exist"
    if citation.anchor is None and citation.section is None:
        return None
    if target.suffix != ".md":
        return f"{citation.where}: {citation.path} is not markdown, so it has no anchors"
    text = target.read_text("utf-8")
    if citation.anchor is not None and citation.anchor not in anchors(text):
        return f"{citation.where}: {citation.path} has no heading #{citation.anchor}"
    if citation.section is not None and not has_section(text, citation.section):
        return f"{citation.where}: {citation.path} has no section {citation.section}"
    return None


# -- the repository ---------------------------------------------------------------------------


def test_every_cited_docs_path_and_anchor_exists() -> None:
    problems = [p for c in citations(ROOT) if (p := problem(c)) is not None]

    assert problems == []


def test_the_scan_sees_the_citations_the_code_makes() -> None:
    # If the scan read nothing, the test above would pass for nothing.
    found = {(c.where.split(":")[0], c.path, c.anchor) for c in citations(ROOT)}

    assert ("offermap/quality/gx_runner.py", "docs/notes/stack-pitfalls.md", "p5") in found
    assert ("pyproject.toml", "docs/notes/stack-pitfalls.md", "p2") in found
    assert ("docs/README.md", "notes/autotask-api.md", None) in found


def test_no_comment_or_document_cites_notes_kept_outside_the_repository() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, line, text in texts(ROOT)
        if path != Path(__file__).resolve() and _OUTSIDE_NOTES.search(text)
    ]

    assert outside == []


def test_every_note_and_decision_is_in_the_index() -> None:
    index = (ROOT / "docs" / "README.md").read_text("utf-8")
    documents = sorted(p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*.md"))

    assert [str(d) for d in documents if d.name != "README.md" and f"]({d})" not in index] == []


# -- the checker itself -------------------------------------------------------------------------


def _repository(tmp_path: Path, code: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "note.md").write_text(
        '# Note\n\n## <a id="p1"></a>P1. First\n\n## 2. Second part\n\n```\n# not a heading\n```\n',
        "utf-8",
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(code, "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "code",
    [
        '"""See docs/note.md#p1."""\n',
        "x = 1  # docs/note.md §2 says why\n",
        '"""docs/note.md#2-second-part"""\n',
        'def f() -> None:\n    """Why: docs/note.md."""\n',
    ],
)
def test_a_citation_of_what_exists_passes(tmp_path: Path, code: str) -> None:
    root = _repository(tmp_path, code)

    found = [c for c in citations(root) if c.where.startswith("pkg")]

    assert len(found) == 1
    assert problem(found[0]) is None


@pytest.mark.parametrize(
    ("code", "complaint"),
    [
        ('"""See docs/gone.md."""\n', "docs/gone.md does not exist"),
        ("x = 1  # docs/note.md#p2\n", "has no heading #p2"),
        ("x = 1  # docs/note.md#not-a-heading\n", "has no heading #not-a-heading"),
        ('"""docs/note.md §3"""\n', "has no section 3"),
    ],
)
def test_a_rotten_citation_is_named_with_its_place(
    tmp_path: Path, code: str, complaint: str
) -> None:
    root = _repository(tmp_path, code)

    problems = [p for c in citations(root) if (p := problem(c)) is not None]

    assert len(problems) == 1
    assert problems[0].startswith("pkg/mod.py:1: ")
    assert complaint in problems[0]


def test_code_strings_and_paths_outside_docs_are_not_citations(tmp_path: Path) -> None:
    code = 'PATH = "docs/gone.md"\n# see ../shared/docs/x.md and https://example.org/docs/y\n'
    root = _repository(tmp_path, code)

    assert [c for c in citations(root) if c.where.startswith("pkg")] == []


def test_a_broken_markdown_link_is_found(tmp_path: Path) -> None:
    root = _repository(tmp_path, "")
    (root / "docs" / "README.md").write_text(
        "[ok](note.md#p1) [web](https://example.org/x.md) [gone](decisions/x.md)\n", "utf-8"
    )

    problems = [p for c in citations(root) if (p := problem(c)) is not None]

    assert problems == ["docs/README.md:1: decisions/x.md does not exist"]
