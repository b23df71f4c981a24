"""Helpers shared by the CLI commands: user errors and output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

# Wide enough for the summary table when output goes to a file or CI log.
console = Console(width=None if sys.stdout.isatty() else 120, soft_wrap=True)
err_console = Console(stderr=True)


def policy_option(purpose: str) -> Any:
    """The `--policy` option of the commands that apply a gate policy (gate, report,
    adequacy); `purpose` says what the policy decides in that command."""
    return typer.Option(None, "--policy", help=f"Gate policy YAML {purpose} (default: the "
                        "built-in policy, the same as configs/gate.yaml).")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a user error (no traceback) and exit non-zero."""
    for line in message.splitlines():
        err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def user_error_kinds() -> tuple[type[Exception], ...]:
    """Exceptions that are the user's to fix (a bad file, option or input): every command
    reports them as clean errors. ConfigError's family includes PackError, CatalogError
    and ScenarioGenError."""
    from convsim.core.config import ConfigError
    from convsim.core.errors import CampaignError
    from convsim.scenarios.importers.base import MappingError

    return ConfigError, CampaignError, MappingError


@contextmanager
def user_errors(*kinds: type[Exception], source: str | Path | None = None,
                redact: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn user errors (`user_error_kinds()` and the given types) into clean errors, exit 2.

    `source` (the file the command read) prefixes a config error that does not name it;
    `redact` cleans the message (e.g. credentials in an agent URL) before it is printed.
    """
    try:
        yield
    except Exception as exc:
        # The engine's error types are looked up only now: not worth loading up front.
        if not isinstance(exc, kinds) and not isinstance(exc, user_error_kinds()):
            raise
        message = redact(str(exc)) if redact else str(exc)
        if source is not None and str(source) not in message and not message.startswith("--"):
            from convsim.core.config import ConfigError

            if isinstance(exc, ConfigError):
                message = "\n".join(f"{source}: {line}" for line in message.splitlines())
        fail(message or type(exc).__name__)


def warn(message: str) -> None:
    """A warning on stderr (the run went on)."""
    err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
