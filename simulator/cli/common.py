"""Helpers shared by the CLI commands: user errors and output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

# Wide enough for the summary table when output goes to a file or CI log.
console = Console(width=None if sys.stdout.isatty() else 120, soft_wrap=True)
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a user error (no traceback) and exit non-zero."""
    for line in message.splitlines():
        err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the given exception types into clean one-line errors."""
    try:
        yield
    except kinds as exc:
        fail(str(exc))




def warn(message: str) -> None:
    """A warning on stderr (the run went on)."""
    err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
