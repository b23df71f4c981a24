"""`convsim schema KIND`: the JSON Schema of a convsim YAML file, for editors and checks.

Kinds: campaign, pack (domain.yaml), pack-scenarios, scenarios, gate. The schemas are
generated from the pydantic models (`convsim.core.schemas`); the gate policy's model lives
in `convsim.decisions.gate`, so it is registered here, above both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from convsim.cli.common import fail
from convsim.core import schemas


def _gate() -> Any:
    from convsim.decisions.gate import GatePolicy

    return GatePolicy


schemas.register("gate", "a gate policy (convsim gate --policy)", _gate)


def schema(
    kind: str = typer.Argument(None, help="campaign, pack, pack-scenarios, scenarios or gate "
                                          "(omit with --out to write them all)."),
    out: Path = typer.Option(None, "--out", help="Write KIND.json files into this folder "
                                                   "instead of printing."),
) -> None:
    """Print the JSON Schema of a campaign, pack, scenario or gate file (for YAML editors).

    Point an editor at it with a first line such as
    `# yaml-language-server: $schema=campaign.json`.
    """
    known = schemas.kinds()
    if kind is None and out is None:
        fail(f"give a KIND ({', '.join(known)}) or --out DIR to write them all")
    if kind is not None and kind not in known:
        from convsim.core.yaml_files import suggest

        fail(f"unknown schema kind {kind!r}{suggest(kind, known)} (kinds: {', '.join(known)})")
    chosen = [kind] if kind is not None else list(known)
    if out is None:
        typer.echo(schemas.dumps(schemas.json_schema(chosen[0])), nl=False)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for k in chosen:
            (out / f"{k}.json").write_text(schemas.dumps(schemas.json_schema(k)), encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write: {exc.strerror or exc}")
    typer.echo(f"wrote {', '.join(f'{k}.json' for k in chosen)} to {out}", err=True)
