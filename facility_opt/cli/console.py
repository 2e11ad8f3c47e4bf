"""The rich console the commands print tables to."""

from __future__ import annotations


def wide_console():
    """A rich console; wide enough for the round tables when output goes to a file or pipe."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console
