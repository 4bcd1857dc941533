"""Help that reads whole in an 80-column terminal.

Typer's rich panels cut long option names to fit ("--autotask-dies-aft…") and keep a
docstring's line breaks mid-sentence, so every command uses click's plain formatter
(`PLAIN_HELP`), which rewraps prose to the terminal and never cuts an option. Two things it
would get wrong are set right here: it rewraps example command lines too (an example cut in
two reads as two commands), so indented paragraphs are kept as written; and it shortens each
summary in a command listing to one line ("..."), so the summaries are spelled out and the
listing wraps them whole.
"""

from __future__ import annotations

import inspect

import typer

# Typer's `rich_markup_mode`: None selects click's formatter (and no markup is read).
PLAIN_HELP = None
# Click leaves a paragraph that starts with this line as it is written.
_KEEP_AS_WRITTEN = "\b"


def summary(text: str | None) -> str | None:
    """The first paragraph of a help text or docstring, on one line (None when there is none)."""
    if not text:
        return None
    first = inspect.cleandoc(text).split("\n\n", 1)[0]
    return " ".join(first.split()) or None


def keep_examples_whole(text: str) -> str:
    """A help text whose indented paragraphs (example command lines) click will not rewrap."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = [
        f"{_KEEP_AS_WRITTEN}\n{p}"
        if p.startswith(" ") and not p.startswith(_KEEP_AS_WRITTEN)
        else p
        for p in paragraphs
    ]
    return "\n\n".join(kept)


def prepare_help(app: typer.Typer) -> None:
    """Ready the help of every command and group of `app`, and of its groups, for click.

    Each command gets its whole summary and a help text with its examples kept whole; a
    summary or help set explicitly is kept. Called once the commands are registered.
    """
    for command in app.registered_commands:
        if command.callback is None:
            continue
        text = command.help or command.callback.__doc__
        if command.short_help is None:
            command.short_help = summary(text)
        if command.help is None and text:
            command.help = keep_examples_whole(text)
    for group in app.registered_groups:
        instance = group.typer_instance
        if instance is None:
            continue
        info = instance.info
        if not isinstance(info.short_help, str) and isinstance(info.help, str):
            info.short_help = summary(info.help)
        prepare_help(instance)
