"""The `convsim` command line: a thin shell over the library API.

Commands are loaded when they run, not when the CLI starts: `convsim --help` imports
typer and this table, nothing of the engine (pydantic models, numpy, polars, Ray).
To add a command, add a row to COMMANDS (its module is imported only to run it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import typer  # noqa: E402
from typer.core import TyperCommand, TyperGroup  # noqa: E402

# Typer's public API only: click is vendored inside typer (typer._click), so the command
# classes are typer.core's and a context is typed Any (any typer/click context).
Command = TyperCommand | TyperGroup


def _group(help_text: str, *commands: tuple[str, str, str]) -> Callable[[], typer.Typer]:
    """A sub-group built from (name, module, function) rows."""
    def build() -> typer.Typer:
        sub = typer.Typer(help=help_text, no_args_is_help=True)
        for name, module, attr in commands:
            sub.command(name)(getattr(import_module(f"convsim.cli.{module}"), attr))
        return sub
    return build


def _typer(module: str, attr: str) -> Callable[[], typer.Typer]:
    return lambda: getattr(import_module(f"convsim.cli.{module}"), attr)


COMMANDS: dict[str, tuple[str, str | Callable[[], typer.Typer]]] = {
    # name: (help shown by `convsim --help`, "module:function" or a sub-group builder)
    "run": ("Run a simulation campaign and write Parquet results; prints a summary table.",
            "run:run"),
    "validate": ("Check a campaign file without running it: every problem, with file and "
                 "field.", "run:validate"),
    "ingest": ("Import transcripts: normalise, quarantine bad records, scrub personal data, "
               "write Parquet.", "data:ingest"),
    "mine": ("Mine a catalog (intents, process, slots, outcomes, style, utterances) from "
             "transcripts.", "catalog:mine"),
    "fidelity": ("Compare simulated customers with real ones, beside a real-vs-real baseline.",
                 "catalog:fidelity"),
    "personas": ("Generate personas.", _typer("catalog", "personas_app")),
    "scenarios": ("Generate scenarios.", _typer("catalog", "scenarios_app")),
    "agent": ("Serve a bundled reference agent.", _typer("agent", "app")),
    "domains": ("List the domain packs found, or show one pack and check it (exit 2 if it is "
                "broken).", "domains_list:domains"),
    "plugins": ("List the plug-ins installed, by kind, with where each comes from "
                "(distribution and module).", "plugins:plugins"),
    "report": ("Write a self-contained HTML report (opens offline): pass rates, the "
               "comparison with the baseline...", "report:report"),
    "gate": ("Gate an agent version on a run: exit 0 pass, 1 fail, 2 unusable input.",
             "gate:gate"),
    "load": ("Play the campaign at rising concurrency against one agent version: where "
             "does its latency or error rate jump (the knee)?", "load:load"),
    "adequacy": ("Mutation-test a campaign: which defects would its gate catch? Exit 0 when "
                 "every required operator is caught.", "adequacy:adequacy"),
    "plan-size": ("Paired conversations needed to detect a drop in pass rate (McNemar "
                  "power).", "gate:plan_size"),
    "evaluate": ("Score production transcripts with the same evaluators as a campaign; same "
                 "Parquet tables.", "evaluate:evaluate"),
    "export": ("Export a run's conversations as OpenAI chat JSONL (tool calls included) for "
               "convsim ingest.", "export:export"),
    "new": ("Scaffold new things (a domain pack).",
            _group("Scaffold new things (a domain pack).", ("domain", "domains_list",
                                                             "new_domain"))),
    "domain": ("Build domain packs.",
               _group("Build domain packs.", ("from-transcripts", "domain_build",
                                              "from_transcripts"))),
    "judge": ("The LLM judge: measure its reliability.",
              _typer("judge", "app")),
    "schema": ("Print the JSON Schema of a campaign, pack, scenario or gate file (for YAML "
               "editors).", "schema:schema"),
}


def _load(name: str) -> Command:
    target = COMMANDS[name][1]
    command: Any
    if callable(target):
        command = typer.main.get_group(target())  # a group even with one command
    else:
        module, attr = target.split(":")
        single = typer.Typer()
        single.command(name)(getattr(import_module(f"convsim.cli.{module}"), attr))
        command = typer.main.get_command(single)
    assert isinstance(command, TyperCommand | TyperGroup)
    command.name = name
    return command


def __getattr__(name: str) -> Any:
    """The command modules, imported on first use (`main.run`, `main.catalog`...)."""
    if name in _MODULES:
        return import_module(f"convsim.cli.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_MODULES = {"adequacy", "agent", "catalog", "data", "load", "domain_build", "domains_list", "evaluate",
            "gate", "judge", "report", "run", "schema"}


class _LazyGroup(TyperGroup):
    """Lists the commands from COMMANDS; imports one only to run it (or show its help)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if getattr(ctx, "_convsim_resolving", False):
            self.commands[cmd_name] = _load(cmd_name)
            return self.commands[cmd_name]
        # Listed in the help: the short text is enough, nothing is imported.
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name][0])

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        ctx._convsim_resolving = True
        try:
            return super().resolve_command(ctx, args)
        finally:
            ctx._convsim_resolving = False


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"convsim {version('convsim')}")
        except PackageNotFoundError:
            typer.echo("convsim (not installed)")
        raise typer.Exit()


app = typer.Typer(
    name="convsim",
    help="Rehearse customer-experience AI agents with simulated customers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_LazyGroup,
)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show convsim's version and exit.")) -> Any:
    """Rehearse customer-experience AI agents with simulated customers."""


if __name__ == "__main__":
    app()
