"""`convsim mine`, `convsim personas generate`, `convsim scenarios generate|from-transcript`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml

from convsim.cli.common import console, err_console, user_errors
from convsim.core.config import ConfigError

if TYPE_CHECKING:
    from convsim.core.records import Scenario

personas_app = typer.Typer(help="Generate personas.", no_args_is_help=True)
scenarios_app = typer.Typer(help="Generate scenarios.", no_args_is_help=True)


def _dump(items: list[Any], out: Path | None) -> None:
    if out is not None and out.suffix.lower() in (".jsonl", ".ndjson"):
        # JSON Lines: one a line, read line by line by campaigns (scenarios.files, any size)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            for i in items:
                f.write(i.model_dump_json() + "\n")
        console.print(f"{len(items)} written to {out}", highlight=False)
        return
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump([i.model_dump(mode="json") for i in items], Dumper=dumper, sort_keys=False,
                     allow_unicode=True, width=100)
    if out is None:
        console.print(text, highlight=False, markup=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        console.print(f"{len(items)} written to {out}", highlight=False)


def mine(
    transcripts: list[Path] = typer.Argument(..., help="Folders written by convsim ingest."),
    out: Path = typer.Option(..., "--out", "-o", help="Catalog folder to write."),
    config: Path = typer.Option(None, "--config", "-c",
                                help="Mining YAML: intent rules, slot patterns, persona tasks."),
) -> None:
    """Mine a catalog (intents, process, slots, outcomes, style, utterances) from transcripts."""
    from convsim.core.yaml_files import load_model
    from convsim.scenarios.mining import MiningConfig, mine_catalog

    with user_errors(ConfigError, FileNotFoundError):
        mining = load_model(config, MiningConfig) if config else MiningConfig()
        if config is not None:  # paths in the mining file are relative to it
            base = config.resolve().parent
            mining = mining.model_copy(update={
                "persona_tasks": [str(base / p) for p in mining.persona_tasks],
                "task_scenarios": [str(base / p) for p in mining.task_scenarios]})
        catalog = mine_catalog(transcripts, out, mining)
        # What the real customers did, for the fidelity of every campaign using the catalog.
        from convsim.decisions.campaign_fidelity import write_reference

        write_reference(transcripts, out)
    console.print(f"{catalog['conversations']} conversations, {len(catalog['intents'])} intents, "
                  f"{catalog['utterance_bank']['rows']} utterances -> {out}/catalog.yaml",
                  highlight=False)
    for name, share in list(catalog["intent_mix"].items())[:12]:
        console.print(f"  {name:<32} {share:6.1%}", highlight=False)


@personas_app.command("generate")
def personas_generate(
    catalog: Path = typer.Option(..., "--catalog", help="Catalog folder (convsim mine)."),
    n: int = typer.Option(10, "--n", min=1, help="How many personas."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    locale: str = typer.Option("en_US", "--locale", help="Faker locale of identities."),
    out: Path = typer.Option(None, "--out", "-o", help="YAML file (default: print)."),
) -> None:
    """Sample personas whose traits and utterances come from the catalog."""
    from convsim.core.catalog import load_catalog
    from convsim.personas import PersonaGenConfig, generate_personas

    with user_errors(ConfigError):
        cat = load_catalog(catalog)
    traits = {k: v for k, v in cat.persona_traits.items() if k in PersonaGenConfig.model_fields}
    config = PersonaGenConfig.model_validate({**traits, "n": n, "locales": [locale],
                                              "catalog": str(catalog)})
    _dump(generate_personas(config, seed, utterance_bank=cat.bank), out)


@scenarios_app.command("generate")
def scenarios_generate(
    catalog: Path = typer.Option(None, "--catalog", help="Catalog folder (convsim mine): the real "
                                                         "intent mix and mined process."),
    domain: str = typer.Option(None, "--domain", help="Domain pack: name, module:attr or folder "
                                                      "(default: the catalog's domain)."),
    n: int = typer.Option(20, "--n", min=1, help="How many scenarios."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    strategy: str = typer.Option("proportional", "--strategy",
                                 help="proportional (real intent mix) or stratified "
                                      "(equal shares + edge cases)."),
    stratify: str = typer.Option("intent", "--stratify",
                                 help="stratified: equal quotas per intent, or per template too."),
    out: Path = typer.Option(None, "--out", "-o", help="YAML file (default: print)."),
) -> None:
    """Generate scenarios of a domain pack, following a catalog's intent mix if given."""
    from convsim.core.catalog import load_catalog
    from convsim.core.config import ScenarioGenConfig
    from convsim.core.packs.discovery import find_domain
    from convsim.core.registry import generators

    with user_errors(ConfigError):
        if strategy not in ("proportional", "stratified"):
            raise ConfigError(f"--strategy: expected proportional or stratified, got {strategy!r}")
        if stratify not in ("intent", "template"):
            raise ConfigError(f"--stratify: expected intent or template, got {stratify!r}")
        mined_for = load_catalog(catalog).data.get("domain") if catalog else None
        if domain is None and mined_for is None:
            raise ConfigError("--domain: which domain pack? (the catalog does not say; "
                              "see convsim domains)")
        pack = find_domain(domain or mined_for)
        config = ScenarioGenConfig(domain=domain or mined_for, n=n,
                                   catalog=str(catalog) if catalog else None, strategy=strategy,
                                   stratify=stratify)
        scenarios = generators.get("scenarios")(pack, config, seed)
    _dump(scenarios, out)


@scenarios_app.command("from-transcript")
def from_transcript(
    conversation_id: str = typer.Argument(None, help="Id of an imported conversation."),
    every: bool = typer.Option(False, "--all", help="Every imported conversation (with a "
                                                    "customer turn) instead of one."),
    transcripts: Path = typer.Option(..., "--transcripts", "-t", help="Folder from convsim ingest."),
    catalog: Path = typer.Option(None, "--catalog", help="Catalog: expected process of the intent."),
    domain: str = typer.Option(None, "--domain", help="Domain pack: keeps the pack's tools in the "
                                                      "process and binds the customer's state."),
    out: Path = typer.Option(None, "--out", "-o", help="YAML file, or .jsonl for JSON Lines "
                                                       "(any size; default: print)."),
) -> None:
    """Turn one historical conversation into a regression scenario (goal, customer, expectations)."""
    from convsim.core.packs.discovery import find_domain
    from convsim.scenarios.regression import (
        TranscriptNotFound,
        iter_scenarios_from_transcripts,
        scenario_from_transcript,
    )

    with user_errors(ConfigError, TranscriptNotFound, FileNotFoundError):
        pack = find_domain(domain) if domain else None
        if every == (conversation_id is not None):
            raise ConfigError("give one conversation id, or --all")
        made = iter_scenarios_from_transcripts(transcripts, catalog, pack) if every else \
            iter([scenario_from_transcript(conversation_id, transcripts, catalog, pack)])
        counted = [0, 0]  # kept, kept with the backend state complete

        def kept() -> Iterator[Scenario]:
            """Scenarios with a customer turn, as made; with a pack, what each one's rebuilt
            backend state lacks, on stderr."""
            from convsim.scenarios.replay_state import StateReport

            for s in made:
                if not s.slots.get("customer_turns"):
                    continue
                counted[0] += 1
                if pack is not None:
                    state = StateReport(**s.provenance.get("state", {}))
                    counted[1] += not state.missing
                    err_console.print(f"{s.provenance.get('origin') or s.id}: {state.summary()}",
                                      highlight=False, markup=False, soft_wrap=True)
                yield s

        if out is not None and out.suffix.lower() in (".jsonl", ".ndjson"):
            # Streamed to a hidden file, renamed once complete: a million conversations never
            # sit in memory, and an unusable one leaves no half-written file.
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(f".{out.name}.tmp")
            try:
                with tmp.open("w", encoding="utf-8") as f:
                    for s in kept():
                        f.write(s.model_dump_json() + "\n")
                if pack is not None:
                    _state_line(*counted)
                tmp.replace(out)
            finally:
                tmp.unlink(missing_ok=True)
            console.print(f"{counted[0]} written to {out}", highlight=False)
            return
        items = list(kept())
    if pack is not None:
        _state_line(*counted)
    _dump(items, out)


def _state_line(kept: int, complete: int) -> None:
    err_console.print(f"backend state rebuilt for {complete} of {kept} conversations "
                      f"without anything missing", highlight=False)


def fidelity(
    real: Path = typer.Option(..., "--real", help="Real transcripts (convsim ingest folder)."),
    simulated: Path = typer.Option(..., "--simulated", help="Run folder (convsim run)."),
    catalog: Path = typer.Option(None, "--catalog", help="Catalog: intents of unlabelled real "
                                                          "conversations, slot values."),
    agent_version: str = typer.Option(None, "--agent-version", help="Version of the run to use."),
    by_intent: bool = typer.Option(False, "--by-intent", help="Also one table per intent."),
    seed: int = typer.Option(0, "--seed", help="Seed of the real-vs-real bootstrap."),
    as_json: bool = typer.Option(False, "--json", help="Every row as JSON on stdout."),
) -> None:
    """Compare simulated customers with real ones (style and behaviour), beside a real-vs-real
    bootstrap band; features beyond 1.5x the band are flagged."""
    import json

    from rich.table import Table

    from convsim.decisions.fidelity import OUT_OF_BAND, measure_fidelity

    with user_errors(FileNotFoundError, ValueError):
        fid = measure_fidelity(real, simulated, catalog, agent_version, seed)
    if as_json:
        print(json.dumps({"index": fid.index, "real_vs_real_index": fid.real_index,
                          "conversations": fid.conversations,
                          "features": fid.features.to_dicts()}, default=str))
        return

    def fmt(x: float | None) -> str:
        return "" if x is None or x != x else f"{x:.3f}" if abs(x) < 100 else f"{x:.0f}"

    intents = ["all"] + (sorted(set(fid.features["intent"].to_list()) - {"all"})
                         if by_intent else [])
    for intent in intents:
        rows = fid.features.filter(fid.features["intent"] == intent)
        table = Table(title=f"Fidelity ({'all intents' if intent == 'all' else intent}): "
                            "simulated vs real customer turns")
        for col in ("figure", "real", "simulated", "sim vs real", "real vs real", "band (p95)",
                    f"> {OUT_OF_BAND}x band"):
            table.add_column(col, justify="left" if col == "figure" else "right")
        for r in rows.iter_rows(named=True):
            table.add_row(r["feature"] + ("" if r["in_index"] else " (not in index)"),
                          fmt(r["real"]), fmt(r["simulated"]), fmt(r["sim_vs_real"]),
                          fmt(r["real_vs_real"]), fmt(r["band"]),
                          "OUT" if r["out_of_band"] else "")
        console.print(table)
    console.print(f"fidelity index {fid.index:.1f} (real vs real {fid.real_index:.1f}) on "
                  f"{fid.conversations['simulated']} simulated and {fid.conversations['real']} "
                  "real conversations", highlight=False)
    for line in fid.out_of_band():
        console.print(f"  out of band: {line}", highlight=False, markup=False)
