"""Reading an executed notebook's outputs; executing goes through `notebooks.run`."""

from __future__ import annotations

from typing import Any

from notebooks.run import execute

__all__ = ["execute", "images", "outputs", "text"]


def outputs(notebook: Any) -> list[dict[str, Any]]:
    """Every output of every code cell, in order."""
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def images(notebook: Any) -> list[str]:
    """The PNG images the notebook displayed (base64)."""
    return [
        out["data"]["image/png"] for out in outputs(notebook) if "image/png" in out.get("data", {})
    ]


def text(notebook: Any) -> str:
    """Everything the notebook printed or displayed as text or HTML, joined."""
    parts = []
    for out in outputs(notebook):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts.extend(
            str(data[kind]) for kind in ("text/plain", "text/html", "text/markdown") if kind in data
        )
    return "\n".join(parts)
