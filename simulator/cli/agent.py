"""`convsim agent ...`: the bundled reference agent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from convsim.simulator.cli.common import fail, user_errors
from convsim.simulator.config import ConfigError

app = typer.Typer(help="Serve the bundled reference agent.", no_args_is_help=True)

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "agents"


def _config_path(version: str | None, config: Path | None) -> Path:
    if config is not None:
        return config
    for base in (Path.cwd() / "configs" / "agents", CONFIG_DIR):
        if (base / f"{version}.yaml").is_file():
            return base / f"{version}.yaml"
    fail(f"no agent config for version {version!r}: looked for {version}.yaml in "
         f"configs/agents/ (pass --config FILE)")


@app.command("serve")
def serve(
    version: str = typer.Option(None, "--version", "-v", help="Agent version (configs/agents/VERSION.yaml)."),
    config: Path = typer.Option(None, "--config", "-c", help="Agent YAML file (instead of --version)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback unless told otherwise)."),
    port: int = typer.Option(8700, help="Port to listen on (0 picks a free one)."),
    sandbox_url: str = typer.Option(None, help="Tool sandbox URL when requests do not carry one."),
) -> None:
    """Serve a version of the deterministic reference retail agent over HTTP."""
    from convsim.simulator.reference_agent.policy import load_agent_config
    from convsim.simulator.reference_agent.server import serve as serve_app

    if version is None and config is None:
        fail("give --version V or --config FILE")
    with user_errors(ConfigError, OSError):
        cfg = load_agent_config(_config_path(version, config))
        try:
            asyncio.run(serve_app(cfg, host, port, sandbox_url))
        except KeyboardInterrupt:
            pass
