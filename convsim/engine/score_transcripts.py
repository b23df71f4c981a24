"""Score historical transcripts with the campaign's evaluators (`convsim evaluate`).

Engine layer: reads an ingested transcripts folder (`convsim ingest`'s output:
`conversations/`, `turns/`, `tool_calls/` part files), rebuilds each
`Conversation`, builds the scenario it is scored against from what is known
(its intent, the domain pack's rules, the intent's mined process in a catalog),
runs the evaluators found through the registry, and writes a run folder with the
same four Parquet tables as a campaign (`<out>/<run_id>/`), so
`pl.scan_parquet("runs/*/*/scores/*.parquet")` reads production and simulation
side by side. Streams part by part: memory is bounded by one part.

Every score's rationale ends with what it was scored against, e.g.
`[scored against: pack retail (7 rules); catalog process of cancel_order]`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import Domain, PackError
from convsim.core.records import (
    Conversation,
    Expectations,
    ProcessStep,
    Scenario,
    Score,
    ToolCall,
    Turn,
    stable_hash,
)
from convsim.core.registry import evaluators as evaluator_registry
from convsim.core.results import ResultWriter, conversation_rows, write_manifest

DEFAULT_EVALUATORS = ("process", "disclosures", "goal", "rules", "escalation", "truthfulness")
ESCALATED = ("escalated", "transferred", "transfer", "handoff")


class EvaluateError(Exception):
    """The transcripts folder, the pack or the catalog cannot be used (a user error)."""


@dataclass
class EvaluateReport:
    run_dir: Path
    run_id: str
    conversations: int = 0
    scores: int = 0
    seconds: float = 0.0
    passed: Counter[str] = field(default_factory=Counter)
    scored: Counter[str] = field(default_factory=Counter)
    against: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    """Scored conversations per agent version ('' for none: the gate cannot use them)."""


# ------------------------------------------------------------------ reading transcripts


def _parts(root: Path) -> list[Path]:
    parts = sorted((root / "conversations").glob("part-*.parquet"))
    if not (root / "conversations").is_dir():
        raise EvaluateError(f"{root}: not an ingested transcripts folder (no conversations/)")
    return parts


def _rows_by_id(path: Path, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if not path.is_file():
        return out
    for row in pq.read_table(path).to_pylist():
        if row["conversation_id"] in ids:
            out.setdefault(row["conversation_id"], []).append(row)
    return out


def read_conversations(transcripts: str | Path) -> Iterator[tuple[Conversation, str | None]]:
    """(conversation, its domain column) for every conversation of an ingested folder, one
    part file at a time."""
    root = Path(transcripts)
    for part in _parts(root):
        convs = pq.read_table(part).to_pylist()
        ids = {c["conversation_id"] for c in convs}
        turns = _rows_by_id(root / "turns" / part.name, ids)
        calls = _rows_by_id(root / "tool_calls" / part.name, ids)
        for row in convs:
            cid = row["conversation_id"]
            yield Conversation(
                id=cid, source="historical", campaign=row.get("campaign"),
                agent_version=row.get("agent_version"), scenario_id=row.get("scenario_id"),
                intent=row.get("intent"), channel=row.get("channel") or "chat",
                outcome=row.get("outcome"), error=None, escalated=bool(row.get("escalated")),
                labels=dict(row.get("labels") or []), origin=row.get("origin"),
                final_state=json.loads(row["final_state_json"]) if row.get("final_state_json")
                else {},
                turns=[Turn(index=t["turn_index"], role=t["role"], text=t["text"] or "",
                            clean_text=t.get("clean_text"), perturbations=t.get("perturbations")
                            or [], latency_ms=t.get("latency_ms"),
                            interrupted=bool(t.get("interrupted")), act=t.get("act"),
                            unsure=bool(t.get("unsure")))
                       for t in sorted(turns.get(cid, []), key=lambda t: t["turn_index"])],
                tool_calls=[ToolCall(seq=c["seq"], turn_index=c["turn_index"], tool=c["tool"],
                                     arguments=json.loads(c["arguments_json"] or "{}"),
                                     result=c.get("result"), status=c["status"],
                                     injected_fault=c.get("injected_fault"),
                                     latency_ms=c.get("latency_ms") or 0.0)
                            for c in sorted(calls.get(cid, []), key=lambda c: c["seq"])],
            ), row.get("domain")


# ------------------------------------------------------------------ what to score against


class ScenarioBuilder:
    """The scenario a historical conversation is scored against, from what is known."""

    def __init__(self, domain: str | None, catalog: str | Path | None) -> None:
        self.domain_ref = domain
        self._packs: dict[str, Domain | None] = {}
        self.catalog: dict[str, Any] = {}
        self.assignments: dict[str, str] = {}
        self.catalog_path = Path(catalog) if catalog else None
        if self.catalog_path is not None:
            path = self.catalog_path / "catalog.yaml"
            if not path.is_file():
                raise EvaluateError(f"{self.catalog_path}: not a catalog (no catalog.yaml)")
            self.catalog = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            assign = self.catalog_path / "assignments.parquet"
            if assign.is_file():
                table = pq.read_table(assign, columns=["conversation_id", "intent"]).to_pylist()
                self.assignments = {r["conversation_id"]: r["intent"] for r in table}
        if domain is not None:
            self.pack(domain)  # fail early on an unknown pack

    def pack(self, ref: str) -> Domain | None:
        if ref not in self._packs:
            try:
                self._packs[ref] = find_domain(ref)
            except PackError as exc:
                if ref == self.domain_ref:
                    raise EvaluateError(str(exc)) from None
                self._packs[ref] = None
        return self._packs[ref]

    def _mined(self, intent: str, pack: Domain | None) -> tuple[list[ProcessStep], bool] | None:
        info = (self.catalog.get("intents") or {}).get(intent) or {}
        proposed = (info.get("process") or {}).get("proposed_expectations") or {}
        groups: dict[str, list[str]] = self.catalog.get("step_groups") or {}
        required = proposed.get("required_steps") or []
        if not required:
            return None
        after: dict[str, list[str]] = {}
        for first, then in proposed.get("order_constraints") or []:
            after.setdefault(first, []).append(then)
        steps = []
        for name in required:
            tools = [t for t in groups.get(name, [name]) if pack is None or t in pack.tools]
            if tools:
                steps.append(ProcessStep(name=name, tools=tools, before=after.get(name, [])))
        names = {s.name for s in steps}
        steps = [s.model_copy(update={"before": [b for b in s.before if b in names]})
                 for s in steps]
        outcomes = Counter({str(k): v for k, v in (info.get("outcomes") or {}).items()})
        top = outcomes.most_common(1)[0][0] if outcomes else ""
        return steps, top in ESCALATED

    def build(self, conv: Conversation, domain_column: str | None) -> tuple[Scenario, str]:
        """(scenario, what it holds in words)."""
        ref = self.domain_ref or domain_column or self.catalog.get("domain")
        pack = self.pack(ref) if ref else None
        intent = conv.intent or self.assignments.get(conv.id) or "unlabelled"
        against = []
        if pack is not None:
            n = sum(r.applies_to(intent) for r in pack.rules)
            against.append(f"pack {pack.name} ({n} rule{'s' if n != 1 else ''})")
        exp = Expectations()
        mined = self._mined(intent, pack) if self.catalog else None
        if mined is not None and mined[0]:
            steps, escalates = mined
            exp = Expectations(process=steps, escalation_expected=escalates,
                               escalation_reason="mined outcomes" if escalates else None)
            against.append(f"catalog process of {intent}"
                           + (" (escalation expected)" if escalates else ""))
        if not against:
            against.append("no pack and no catalog: only generic checks")
        scenario = Scenario(id=f"h-{stable_hash([conv.id, intent], 10)}", domain=ref or "",
                            intent=intent, goal=f"historical conversation ({intent})",
                            expectations=exp, provenance={"conversation": conv.id,
                                                          "scored_against": against})
        return scenario, "; ".join(against)


# ------------------------------------------------------------------ scoring


def _score_rows(scores: list[Score], conv: Conversation, scenario: Scenario, run_id: str
                ) -> list[dict[str, Any]]:
    return [{"conversation_id": conv.id, "run_id": run_id, "agent_version": conv.agent_version,
             "domain": scenario.domain or None, "scenario_id": scenario.id,
             "intent": scenario.intent, "perturbation": None, "pair_id": None,
             "repetition": conv.repetition, "evaluator": s.evaluator, "metric": s.metric,
             "value": s.value, "passed": s.passed, "status": s.status, "rationale": s.rationale,
             "evidence": s.evidence, "judge_model": s.judge_model, "cost_usd": s.cost_usd}
            for s in scores]


def score_conversation(conv: Conversation, scenario: Scenario, instances: Sequence[Any],
                       names: Sequence[str], against: str) -> list[Score]:
    """Run the evaluators on one conversation; an evaluator error is `unscored`."""
    scores: list[Score] = []
    for name, ev in zip(names, instances, strict=True):
        try:
            scores.extend(ev.evaluate(conv, scenario))
        except Exception as exc:  # noqa: BLE001 - an evaluator bug must not stop the run
            scores.append(Score(conversation_id=conv.id, evaluator=name, metric=name,
                                status="unscored",
                                rationale=f"evaluator error: {type(exc).__name__}: {exc}"))
    for s in scores:
        s.rationale = f"{s.rationale} [scored against: {against}]"
    return scores


def evaluate_transcripts(transcripts: str | Path, out: str | Path, *,
                         evaluators: Sequence[str] = DEFAULT_EVALUATORS,
                         domain: str | None = None, catalog: str | Path | None = None,
                         part_size: int = 500,
                         progress: Callable[[EvaluateReport], None] | None = None,
                         agent_version: str | None = None) -> EvaluateReport:
    """Score every conversation of an ingested folder; write `<out>/<run_id>/`.

    Each conversation keeps the agent version it was ingested with; `agent_version` names
    it for those ingested without one (a canary's or its control's production traffic)."""
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    root = Path(transcripts)
    _parts(root)
    unknown = [e for e in evaluators if e not in evaluator_registry.names()]
    if unknown:
        raise EvaluateError(f"unknown evaluator(s) {unknown}; known: {evaluator_registry.names()}")
    builder = ScenarioBuilder(domain, catalog)
    names = list(evaluators)
    instances = [evaluator_registry.create(n) for n in names]
    run_id = f"{started:%Y%m%dT%H%M%SZ}-eval-" + stable_hash(
        [str(root.resolve()), names, domain, str(catalog), agent_version], 6)
    run_dir = Path(out) / run_id
    writer = ResultWriter(run_dir, run_id)
    report = EvaluateReport(run_dir=run_dir, run_id=run_id)
    manifest: dict[str, Any] = {
        "campaign": Path(out).name, "run_id": run_id, "kind": "evaluate", "status": "running",
        "transcripts": str(root), "evaluators": names, "domain": domain,
        "catalog": str(catalog) if catalog else None, "agent_version": agent_version,
        "started_at": started.isoformat()}
    write_manifest(run_dir, manifest)
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in writer.tables}
    pending = 0
    for conv, column in read_conversations(root):
        if conv.agent_version is None and agent_version:
            conv.agent_version = agent_version
        report.versions[conv.agent_version or ""] += 1
        scenario, against = builder.build(conv, column)
        conv.scenario_id, conv.intent = scenario.id, scenario.intent
        scores = score_conversation(conv, scenario, instances, names, against)
        part = conversation_rows(conv, None, run_id)
        for table, table_rows in part.items():
            for r in table_rows:
                r["domain"] = scenario.domain or None
            rows[table].extend(table_rows)
        rows["scores"].extend(_score_rows(scores, conv, scenario, run_id))
        report.conversations += 1
        report.scores += len(scores)
        report.against[against] += 1
        for s in scores:
            if s.status == "scored":
                report.scored[s.metric] += 1
                report.passed[s.metric] += bool(s.passed)
        pending += 1
        if pending >= part_size:
            writer.write_part(rows)
            rows, pending = {t: [] for t in writer.tables}, 0
            if progress:
                progress(report)
    if pending:
        writer.write_part(rows)
    report.seconds = time.perf_counter() - t0
    manifest.update(status="complete", ended_at=datetime.now(UTC).isoformat(),
                    seconds=round(report.seconds, 3),
                    counts={"conversations": report.conversations, "scores": report.scores,
                            "scored_against": dict(report.against),
                            "agent_versions": {v or "(none)": n for v, n in
                                               sorted(report.versions.items())}})
    write_manifest(run_dir, manifest)
    return report
