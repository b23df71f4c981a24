"""`command:` agents: ready on a line of the team's own wording (`ready_pattern`) or a
health URL (`ready_url`); one that dies or never gets ready stops the run (exit 2) with
its last output lines. Driven through `convsim run` with the user-written bank pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from convsim.cli.main import app

BANK = Path(__file__).resolve().parents[1] / "data" / "packs" / "bank"
READY_LINE = '    print(f"Harbor Bank bot listening on http://{host}:{bound}", flush=True)'
runner = CliRunner()


def _pack(tmp_path: Path, agent_text: str | None = None) -> Path:
    pack = tmp_path / "bank"
    shutil.copytree(BANK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    if agent_text is not None:
        (pack / "agent.py").write_text(agent_text)
    return pack


def _run(tmp_path: Path, agent: str) -> tuple[int, str]:
    path = tmp_path / "campaign.yaml"
    path.write_text(f"""\
name: startup
scenarios: {{domain: bank, n: 2}}
personas: {{n: 2}}
evaluators: [process]
agents:
  - {agent}
execution: {{executor: local}}
output_dir: runs
""")
    result = runner.invoke(app, ["run", str(path)])
    return result.exit_code, " ".join(result.output.split())


def _conversations(tmp_path: Path) -> pl.DataFrame:
    return pl.read_parquet(tmp_path / "runs" / "startup" / "*" / "conversations" / "*.parquet")


def test_ready_pattern_reads_the_teams_own_wording(tmp_path: Path) -> None:
    text = (BANK / "agent.py").read_text()
    assert READY_LINE in text
    _pack(tmp_path, text.replace(READY_LINE, READY_LINE.replace(
        "Harbor Bank bot listening on", "TelcoCare agent v1 on")))
    code, output = _run(tmp_path, "{version: v1, command: 'python agent.py --port {port}', "
                                  "workdir: bank, ready_pattern: 'agent v1 on (?P<url>http://\\S+)'}")
    assert code in (0, 1), output
    conversations = _conversations(tmp_path)
    assert conversations.height == 2 and conversations["error"].null_count() == 2


def test_the_default_line_is_not_found_and_the_output_is_shown(tmp_path: Path) -> None:
    text = (BANK / "agent.py").read_text()
    _pack(tmp_path, text.replace(READY_LINE, READY_LINE.replace(
        "Harbor Bank bot listening on", "TelcoCare agent v1 on")))
    code, output = _run(tmp_path, "{version: v1, command: 'python agent.py --port {port}', "
                                  "workdir: bank, ready_timeout_s: 4}")
    assert code == 2 and "Traceback" not in output
    assert "agent v1 was not ready within 4s (waited for a line matching 'listening on" in output
    assert "its last output lines:" in output
    assert "| TelcoCare agent v1 on http://127.0.0.1:" in output


def test_ready_url_for_an_agent_that_prints_nothing(tmp_path: Path) -> None:
    text = (BANK / "agent.py").read_text()
    silent = text.replace(READY_LINE, "    pass").replace(
        '    app.router.add_post("/v1/chat", chat)',
        '    app.router.add_post("/v1/chat", chat)\n    app.router.add_get("/healthz", healthz)')
    silent = silent.replace("async def main(", "async def healthz(request: web.Request) -> "
                            "web.Response:\n    return web.Response(text='ok')\n\n\n"
                            "async def main(")
    assert silent.count("healthz") == 3
    _pack(tmp_path, silent)
    code, output = _run(tmp_path, "{version: v1, command: 'python agent.py --port {port}', "
                                  "workdir: bank, ready_url: 'http://127.0.0.1:{port}/healthz'}")
    assert code in (0, 1), output
    assert _conversations(tmp_path)["error"].null_count() == 2


def test_an_agent_that_dies_at_startup_shows_why(tmp_path: Path) -> None:
    text = (BANK / "agent.py").read_text()
    _pack(tmp_path, text.replace(READY_LINE, "    print('loading rules', flush=True)\n"
                                             "    raise ValueError('no RULES_FILE set')"))
    code, output = _run(tmp_path, "{version: v1, command: 'python agent.py --port {port}', "
                                  "workdir: bank}")
    assert code == 2 and "Traceback (most recent call last)" not in output.split("| ")[0]
    assert "agent v1 exited at startup (exit code 1); its last output lines:" in output
    assert "| ValueError: no RULES_FILE set" in output


def test_ready_settings_need_a_command(tmp_path: Path) -> None:
    _pack(tmp_path)
    code, output = _run(tmp_path, "{version: v1, url: 'http://127.0.0.1:9', "
                                  "ready_url: 'http://127.0.0.1:9/health'}")
    assert code == 2 and "ready_url only apply to an agent started by 'command'" in output
