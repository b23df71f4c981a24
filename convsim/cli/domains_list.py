"""`convsim domains` (list the domain packs found, or show and check one) and
`convsim new domain NAME` (scaffold a pack that runs at once).

The scaffold's template files live in `convsim/cli/scaffold/` (package data, not a
package); `{{name}}` in them is replaced by the pack's name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from convsim.cli.common import console, err_console, fail

SCAFFOLD_DIR = Path(__file__).resolve().parent / "scaffold"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


# --------------------------------------------------------------------------- loading


def _load(ref: str) -> Any:
    """The pack `ref` names; any problem becomes a one-line-per-problem user error (exit 2)."""
    from convsim.core.packs.discovery import find_domain
    from convsim.core.packs.model import PackError

    try:
        return find_domain(ref)
    except PackError as exc:
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - a third-party pack's own bug: name it, no traceback
        fail(f"domain {ref!r}: cannot load: {type(exc).__name__}: {exc}")


def _folder_packs(base: Path) -> list[str]:
    """Pack folders right under `base` (so a freshly scaffolded pack is listed too)."""
    from convsim.core.packs.files import DOMAIN_FILE

    try:
        children = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [f"./{p.name}" for p in children if (p / DOMAIN_FILE).is_file()]


def _summary(ref: str, where: str) -> dict[str, Any]:
    """One row of the listing; a pack that fails to load is listed with its problem."""
    from convsim.core.packs.discovery import find_domain

    try:
        domain = find_domain(ref)
    except Exception as exc:  # noqa: BLE001 - one broken pack must not hide the others
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {"name": ref, "where": where, "ok": False, "problem": problem}
    d = domain.describe()
    intents = d["intents"] or (["(generated in Python)"] if domain.generate is not None else [])
    return {"name": d["name"], "where": where, "ok": True, "tools": len(d["tools"]),
            "slots": len(d["slots"]), "intents": intents, "description": d["description"]}


def _details(domain: Any) -> dict[str, Any]:
    """Everything `convsim domains NAME` shows, as plain data."""
    d = domain.describe()
    d["tools"] = [{"name": t.name, "kind": t.kind, "escalation": t.escalation,
                   "description": t.spec.description,
                   "parameters": sorted(t.spec.parameters.get("properties") or {})}
                  for t in domain.tools.values()]
    d["slots"] = [{"name": s.name, "type": s.type, "words": s.all_words()}
                  for s in domain.slots.values()]
    d["tables"] = [{"name": name, "key": domain.keys.get(name, ""), "rows": len(rows)}
                   for name, rows in domain.tables.items()]
    d["intents"] = [{"intent": s.intent, "weight": s.weight, "difficulty": s.difficulty,
                     "process": [step.name for step in s.expectations.process],
                     "escalation": s.expectations.escalation_expected}
                    for s in domain.scenarios]
    d["generated"] = domain.generate is not None
    d["customer"] = domain.binding.model_dump() if domain.binding is not None else None
    d["agents"] = dict(domain.agents)
    d["warnings"] = _warnings(domain)
    return d


# Faker providers whose values count from today's date (dates, expiries, ids that hold a
# birth date): a seed then gives other values on another day (docs/packs.md).
CLOCK_FAKER = re.compile(r"date|time|year|month|day|birth|dob|expire|ssn|pesel|passport|"
                         r"century|unix|iso8601|am_pm|timezone", re.IGNORECASE)


def _clock_slots(domain: Any) -> list[str]:
    """`name (provider)` of the pack's faker slots and template slots whose provider reads the
    clock (`numerify:`/`bothify:` shapes never do)."""
    found = {f"{name} ({spec.faker})" for name, spec in domain.slots.items()
             if spec.faker and ":" not in spec.faker and CLOCK_FAKER.search(spec.faker)}
    for t in domain.scenarios:
        for name, value in t.slots.items():
            provider = value.get("faker") if isinstance(value, dict) else None
            if isinstance(provider, str) and ":" not in provider and CLOCK_FAKER.search(provider):
                found.add(f"{name} ({provider})")
    return sorted(found)


def _warnings(domain: Any) -> list[str]:
    """What makes a pack that loads still hard to run a campaign on."""
    warnings = []
    clock = _clock_slots(domain)
    if clock:
        warnings.append(f"faker slots follow today's date: {', '.join(clock)}; the same seed plays "
                        "other values on another day (list `values:` or use `numerify:`)")
    if not domain.tools:
        warnings.append("no tools: the agent cannot act on anything")
    if domain.binding is None:
        warnings.append("no `customer:` binding: personas are not tied to a row of the state")
    if not domain.scenarios and domain.generate is None:
        warnings.append("no scenario templates: campaigns need scenario files "
                        "(scenarios.files) to run on this pack")
    return warnings


# --------------------------------------------------------------------------- rendering


def _render_list(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Domain packs", box=box.SIMPLE_HEAD)
    for col in ("name", "from", "tools", "slots", "intents"):
        table.add_column(col, justify="right" if col in ("tools", "slots") else "left",
                         overflow="fold")
    for r in rows:
        if r["ok"]:
            table.add_row(r["name"], r["where"], str(r["tools"]), str(r["slots"]),
                          ", ".join(r["intents"]) or "-")
        else:
            table.add_row(r["name"], r["where"], "-", "-", f"[red]cannot load: {r['problem']}[/]")
    console.print(table)
    console.print("Show and check one: convsim domains NAME_OR_FOLDER", highlight=False)


def _render_one(d: dict[str, Any]) -> None:
    console.print(f"[bold]{d['name']}[/] — {d['origin']}", highlight=False)
    if d["description"]:
        console.print(d["description"], highlight=False)
    tools = Table(title="Tools", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("tool", "kind", "arguments", "description"):
        tools.add_column(col, overflow="fold")
    for t in d["tools"]:
        kind = t["kind"] + (" (handoff)" if t["escalation"] else "")
        tools.add_row(t["name"], kind, ", ".join(t["parameters"]), t["description"])
    console.print(tools)
    slots = Table(title="Slots", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("slot", "type", "words"):
        slots.add_column(col, overflow="fold")
    for s in d["slots"]:
        slots.add_row(s["name"], s["type"], ", ".join(s["words"]))
    console.print(slots)
    tables = Table(title="State tables", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("table", "key", "rows"):
        tables.add_column(col, justify="right" if col == "rows" else "left")
    for t in d["tables"]:
        tables.add_row(t["name"], t["key"], str(t["rows"]))
    console.print(tables)
    if d["customer"]:
        c = d["customer"]
        console.print(f"customer: a row of [bold]{c['table']}[/], key in slot {c['slot']!r}",
                      highlight=False)
    intents = Table(title="Scenario templates", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("intent", "weight", "difficulty", "process", "escalation"):
        intents.add_column(col, overflow="fold")
    for s in d["intents"]:
        intents.add_row(s["intent"], f"{s['weight']:g}", s["difficulty"],
                        " → ".join(s["process"]) or "-", "yes" if s["escalation"] else "")
    if d["intents"]:
        console.print(intents)
    if d["generated"]:
        console.print("scenarios: also generated in Python by the pack", highlight=False)
    if d["agents"]:
        console.print("reference agents: " + ", ".join(f"{v} ({p})" for v, p in d["agents"].items()),
                      highlight=False)
    for w in d["warnings"]:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(f"[green]ok[/]: {d['name']} loads — {len(d['tools'])} tools, "
                  f"{len(d['slots'])} slots, {len(d['intents'])} scenario templates",
                  highlight=False)


# --------------------------------------------------------------------------- commands


def domains(
    ref: str = typer.Argument(None, metavar="[NAME_OR_FOLDER]",
                              help="A pack's name, module:attr or folder: show and check it."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
) -> None:
    """List the domain packs found, or show one pack and check it (exit 2 if it is broken)."""
    if ref is not None:
        details = _details(_load(ref))
        if as_json:
            typer.echo(json.dumps(details, indent=2, default=str))
        else:
            _render_one(details)
        return
    from convsim.core.packs.discovery import available

    rows = [_summary(name, value) for name, value in available().items()]
    rows += [_summary(folder, folder) for folder in _folder_packs(Path.cwd())]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        _render_list(rows)


def new_domain(
    name: str = typer.Argument(..., help="Name of the new pack (letters, digits, - and _)."),
    out: Path = typer.Option(Path("."), "--out", help="Folder to create the pack in."),
) -> None:
    """Scaffold a domain pack NAME/ with an example agent and a campaign that runs at once."""
    if not _NAME.match(name):
        fail(f"pack name {name!r}: use a letter, then letters, digits, '-' or '_'")
    target = out / name
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        fail(f"{target}: already exists and is not empty; choose another name or --out")
    if not SCAFFOLD_DIR.is_dir():
        fail(f"scaffold templates not found in {SCAFFOLD_DIR} (a broken installation)")
    written = []
    try:
        for template in sorted(SCAFFOLD_DIR.rglob("*")):
            if not template.is_file() or "__pycache__" in template.parts:
                continue
            dest = target / template.relative_to(SCAFFOLD_DIR)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(template.read_text(encoding="utf-8").replace("{{name}}", name),
                            encoding="utf-8")
            written.append(dest)
    except OSError as exc:
        fail(f"{target}: cannot write the pack: {exc}")
    console.print(f"created {target}/: " + ", ".join(p.name for p in written), highlight=False)
    console.print("next steps:\n"
                  f"  convsim domains {target}               what the pack holds, checked\n"
                  f"  convsim run {target / 'campaign.yaml'}      the example agent, scored\n"
                  f"then test your own agent: in {target / 'campaign.yaml'} set `url:` instead "
                  "of `command:`", highlight=False)
