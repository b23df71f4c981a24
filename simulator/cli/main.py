"""The `convsim` command line: a thin shell over the library API."""

from __future__ import annotations

import os

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import typer  # noqa: E402

from convsim.simulator.cli import (  # noqa: E402
    agent,
    catalog,
    data,
    domain_cmd,
    domains_cmd,
    evaluate_cmd,
    gate_cmd,
    report_cmd,
    run,
)

app = typer.Typer(
    name="convsim",
    help="Rehearse customer-experience AI agents with simulated customers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run.run)
app.command("validate")(run.validate)
app.command("ingest")(data.ingest)
app.command("mine")(catalog.mine)
app.command("fidelity")(catalog.fidelity)
app.add_typer(catalog.personas_app, name="personas")
app.add_typer(catalog.scenarios_app, name="scenarios")
app.add_typer(agent.app, name="agent")
app.command("domains")(domains_cmd.domains)
app.command("report")(report_cmd.report)
app.command("gate")(gate_cmd.gate)
app.command("plan-size")(gate_cmd.plan_size)
app.command("evaluate")(evaluate_cmd.evaluate)
new_app = typer.Typer(help="Scaffold new things (a domain pack).", no_args_is_help=True)
new_app.command("domain")(domains_cmd.new_domain)
app.add_typer(new_app, name="new")
domain_app = typer.Typer(help="Build domain packs.", no_args_is_help=True)
domain_app.command("from-transcripts")(domain_cmd.from_transcripts)
app.add_typer(domain_app, name="domain")


if __name__ == "__main__":
    app()
