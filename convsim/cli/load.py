"""`convsim load`: a load ramp against the campaign's agent — where does it break?"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from convsim.cli.common import console, err_console, user_errors


def load(
    campaign: Path = typer.Argument(..., help="Campaign YAML whose conversations to play."),
    ramp: str = typer.Option("8,32,128,512", "--ramp",
                             help="Concurrency levels, rising (conversations in flight)."),
    agent: str = typer.Option(None, "--agent", help="Agent version to load (default: the "
                                                    "campaign's last, the candidate)."),
    conversations: int = typer.Option(None, "--conversations", min=1,
                                      help="Conversations per step (default: max(3 x "
                                           "concurrency, 30))."),
    knee_factor: float = typer.Option(2.0, "--knee-factor", min=1.0,
                                      help="A step whose p95 latency is this many times the "
                                           "first step's is the knee."),
    out: Path = typer.Option(None, "--out", "-o", help="Output folder (default: the "
                                                       "campaign's output_dir)."),
    as_json: bool = typer.Option(False, "--json", help="Print the ramp as JSON on stdout."),
) -> None:
    """Play the campaign at rising concurrency against one agent version (no scoring) and
    report per step the agent's latency p50/p95/p99, errors, timeouts and turns/s beside
    convsim's own event-loop lag; names the knee where latency or errors jump.
    Exit 0 (a knee is a finding, not a failure); 2 on unusable input."""
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.load import parse_ramp, render_markdown, run_load

    def said(step: object) -> None:
        from convsim.engine.load import LoadStep

        assert isinstance(step, LoadStep)
        p95 = "–" if step.latency_p95_ms is None else f"{step.latency_p95_ms:,.0f} ms"
        err_console.print(f"concurrency {step.concurrency}: {step.conversations} conversations, "
                          f"p95 {p95}, errors {step.error_rate:.1%}", highlight=False)

    with user_errors(source=campaign):
        levels = parse_ramp(ramp)
        config = load_campaign(campaign)
        result = run_load(config, levels, version=agent, conversations=conversations,
                          out_dir=out, knee_factor=knee_factor, on_step=said)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        console.print(render_markdown(result), highlight=False, markup=False)
        console.print(f"written: {Path(result.out_dir) / 'load.html'}", highlight=False)
