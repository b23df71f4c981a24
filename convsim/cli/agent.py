"""`convsim agent ...`: the bundled reference agent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from convsim.cli.common import fail, user_errors
from convsim.core.config import ConfigError

app = typer.Typer(help="Serve a bundled reference agent.", no_args_is_help=True)

def _config_path(version: str | None, config: Path | None, pack: str) -> Path:
    """The agent YAML: --config, or the pack's reference agent of that version."""
    if config is not None:
        return config
    from convsim.core.packs.discovery import find_domain

    agents = find_domain(pack).agents
    target = agents.get(version or "")
    if target is None or not target.endswith((".yaml", ".yml")):
        served = [v for v, t in agents.items() if t.endswith((".yaml", ".yml"))]
        fail(f"pack {pack!r} has no reference agent {version!r} to serve over HTTP; "
             f"it has: {', '.join(served) or 'none'} (or pass --config FILE)")
    return Path(target)


@app.command("serve")
def serve(
    version: str = typer.Option(None, "--version", "-v", help="Reference agent version of the pack."),
    pack: str = typer.Option("retail", "--pack", help="Domain pack whose reference agent to serve."),
    config: Path = typer.Option(None, "--config", "-c", help="Agent YAML file (instead of --version)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback unless told otherwise)."),
    port: int = typer.Option(8700, help="Port to listen on (0 picks a free one)."),
    sandbox_url: str = typer.Option(None, help="Tool sandbox URL when requests do not carry one."),
) -> None:
    """Serve a version of a pack's reference agent over HTTP (default: the retail one)."""
    from convsim.domains.retail.agent.policy import load_agent_config
    from convsim.domains.retail.agent.server import serve as serve_app

    if version is None and config is None:
        fail("give --version V or --config FILE")
    with user_errors(ConfigError, OSError):
        cfg = load_agent_config(_config_path(version, config, pack))
        try:
            asyncio.run(serve_app(cfg, host, port, sandbox_url))
        except KeyboardInterrupt:
            pass
