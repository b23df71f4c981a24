"""`convsim plugins`: the plug-ins installed, by kind, and where each comes from.

Listing reads the installed distributions' entry points only (nothing is imported);
`--check` imports every plug-in and checks its factory, so a broken third-party
package is named before a campaign needs it.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from convsim.cli.common import console, fail


def _check(kind: str, name: str) -> str:
    """'' when the plug-in loads and its factory takes only its kind's settings, else why not."""
    from convsim.core.registry import REGISTRIES

    try:
        if kind == "domains":
            from convsim.core.packs.discovery import find_domain

            find_domain(name)
        else:
            REGISTRIES[kind].get(name)
    except Exception as exc:  # noqa: BLE001 - a broken plug-in is reported, not raised
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def plugins(
    kind: str | None = typer.Argument(None, help="Only this kind: domains, connectors, customers, "
                                      "evaluators, importers, executors, generators or mutations."),
    check: bool = typer.Option(False, "--check", help="Import every plug-in and check its "
                               "factory; exit 2 if one is broken."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List the plug-ins installed, by kind, with where each comes from (distribution and
    module): convsim's own and any package's entry points (`convsim.<kind>` groups)."""
    from convsim.core.registry import KINDS, all_sources

    if kind is not None and kind not in KINDS:
        fail(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    rows: list[dict[str, Any]] = []
    for source in all_sources([kind] if kind else KINDS):
        row: dict[str, Any] = {"kind": source.kind, "name": source.name,
                               "distribution": source.distribution or "(registered in-process)",
                               "value": source.value, "module": source.module}
        if source.shadowed_by:
            row["shadowed_by"] = source.shadowed_by
        if check and not source.shadowed_by:
            row["problem"] = _check(source.kind, source.name)
        rows.append(row)
    broken = [r for r in rows if r.get("problem")]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        _print(rows, check)
    if broken:
        fail(f"{len(broken)} plug-in(s) cannot be used: "
             + "; ".join(f"{r['kind']} {r['name']!r}" for r in broken))


def _print(rows: list[dict[str, Any]], check: bool) -> None:
    width = max((len(r["name"]) for r in rows), default=4)
    dist_width = max((len(r["distribution"]) for r in rows), default=4)
    kind = None
    for r in rows:
        if r["kind"] != kind:
            kind = r["kind"]
            console.print(f"{kind}", style="bold", highlight=False)
        note = f"  (shadowed by {r['shadowed_by']})" if r.get("shadowed_by") else ""
        if check and not r.get("shadowed_by"):
            note += f"  BROKEN: {r['problem']}" if r.get("problem") else "  ok"
        console.print(f"  {r['name']:<{width}}  {r['distribution']:<{dist_width}}  "
                      f"{r['value']}{note}", highlight=False, markup=False)
