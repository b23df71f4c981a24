"""`convsim adequacy CAMPAIGN`: mutation testing of a campaign and its gate."""

from __future__ import annotations

from pathlib import Path

import typer

from convsim.cli.common import console, err_console, fail, policy_option, user_errors
from convsim.cli.gate import internal_errors
from convsim.core.config import ConfigError


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    return names or None


def adequacy(
    campaign: Path = typer.Argument(..., help="Campaign YAML (its baseline agent is mutated)."),
    operators: str = typer.Option(None, "--operators", help="Comma-separated mutation operators "
                                  "(default: every installed one; `convsim plugins "
                                  "mutations` lists them)."),
    require: str = typer.Option(None, "--require", help="Operators the campaign must catch for "
                                "exit 0 (default: every operator marked required)."),
    policy: Path = policy_option("the mutants are judged by"),
    baseline: str = typer.Option(None, "--baseline", help="Agent version to mutate (default: "
                                 "the campaign's first)."),
    executor: str = typer.Option(None, "--executor", help="local, ray, ... (default: the "
                                 "campaign's execution.executor)."),
    all_specs: bool = typer.Option(False, "--all-specs", help="Play every spec for every mutant "
                                   "(default: only those where the operator can fire)."),
    out: Path = typer.Option(None, "--out", help="Folder for the runs, adequacy.md and "
                             "adequacy.json (default: <output_dir>/<campaign>-adequacy)."),
    as_json: bool = typer.Option(False, "--json", help="Print adequacy.json instead of the "
                                 "markdown."),
) -> None:
    """Mutation-test a campaign: which defects would its gate catch? Exit 0 when every
    required operator is caught, 1 otherwise, 2 on unusable input.

    Runs the campaign's baseline agent once, then a mutant of it per operator (one realistic
    defect each: a dropped disclosure, skipped consent, a hidden failure, no handover, acting
    before verification, a double write, a made-up figure; plus installed plug-ins), each on
    the specs where it can fire, the rest reused from the baseline; gates each against the
    baseline with the policy, and says for each operator not caught why and what to add.
    """
    from convsim.core.errors import CampaignError
    from convsim.decisions.gate import load_policy
    from convsim.engine.adequacy import AdequacyError, load_config, markdown, run_adequacy

    kinds = (ConfigError, CampaignError, AdequacyError)
    with user_errors(*kinds, source=campaign), internal_errors("adequacy", *kinds):
        if not campaign.is_file():
            fail(f"{campaign}: campaign file not found")
        config = load_config(campaign)
        rules = load_policy(policy)
        target = out if out is not None else Path(config.output_dir) / f"{config.name}-adequacy"
        report = run_adequacy(
            config, out_dir=target, policy=rules, policy_source=str(policy or "default policy"),
            operators=_names(operators), required=_names(require), baseline=baseline,
            executor=executor, all_specs=all_specs,
            progress=lambda msg: err_console.print(f"[dim]{msg}[/]", highlight=False))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(markdown(report), highlight=False, markup=False)
        err_console.print(f"wrote {target / 'adequacy.md'} and {target / 'adequacy.json'}",
                          highlight=False)
    raise typer.Exit(report.exit_code)
