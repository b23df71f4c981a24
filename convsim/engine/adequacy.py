"""`convsim adequacy`: which defects would the campaign and its gate catch?

Mutation testing of a campaign. The campaign's baseline agent runs once, unmutated; then,
for each mutation operator (a `convsim.mutations` plug-in, one realistic defect), a mutant
— the `mutant` connector in front of the same agent — plays the same specs, and the
campaign's gate policy judges it against the baseline, paired spec by spec.

Fast by construction: until an operator fires, the mutant's conversation is the
baseline's, turn for turn (same spec, seed, customer, faults). So the baseline run says in
which conversations each operator would fire (`MutationOperator.would_fire` on what the
unmutated agent did); only those are played again, the others are the baseline's
conversations, reused (copied into the mutant's run under its version). An operator that
fires nowhere costs nothing. `all_specs=True` plays every spec (to check that claim).

Per operator the report gives the conversations it fired in, the gate's failed checks the
baseline does not fail (which metric caught it, its p-value or violation count), and for an
operator not caught, why: never fired (what would exercise it), fired but not significant
(pairs `plan-size` says are needed), or no metric sees it (which evaluator or rule to add).
The engine reaches the operators and the mutant connector through the registry only.
Size: over 400 lines because it is one command's whole loop (plan, play, judge, explain
each miss, render: ~600 lines); the operators and the mutant connector are in
simulator/mutations, and the markdown goes to its own module if it grows.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from convsim.core.config import AgentConfig, CampaignConfig, ConfigError
from convsim.core.llm import for_run
from convsim.core.packs.discovery import find_domain
from convsim.core.records import ConversationSpec, ToolCall, stable_hash
from convsim.core.redact import redactor_for
from convsim.core.registry import PluginError, installed, mutations
from convsim.core.results import SCHEMAS, TABLES, Packing, ResultWriter, write_manifest
from convsim.decisions import analytics as an
from convsim.decisions.gate import GatePolicy, GateVerdict, RuleResult, gate_run
from convsim.decisions.power import plan_size_command, required_pairs
from convsim.engine.agent_processes import serve_agents
from convsim.engine.campaign import build_population, iter_specs, run_campaign
from convsim.engine.executors import make_executor

MARK = "mutation:"
"""Prefix of the turn perturbation a mutant puts on the replies it changed."""
Status = Literal["caught", "never_fired", "not_significant", "not_seen", "no_verdict"]


class AdequacyError(ValueError):
    """The campaign cannot be mutation-tested (exit 2): unknown operator, no verdict on the
    baseline, a version that is not in the campaign."""


class Catch(BaseModel):
    """One failed gate check of a mutant that the baseline passes."""

    rule: str
    """safety, regression, threshold, error_ceiling."""
    metric: str
    segment: str | None = None
    p_value: float | None = None
    """Adjusted one-sided p-value of a regression; None for a safety or threshold check."""
    violations: int | None = None
    """Safety rules: the mutant's violations."""
    message: str


class OperatorResult(BaseModel):
    """What the campaign made of one operator."""

    name: str
    description: str
    source: str
    """Where the operator comes from (`module:attr` and distribution)."""
    required: bool
    status: Status
    fired: int = 0
    """Conversations in which the operator changed something."""
    pairs: int = 0
    """Specs of the campaign (pairs with the baseline)."""
    played: int = 0
    """Conversations played for this mutant (the rest reused from the baseline)."""
    reused: int = 0
    seconds: float = 0.0
    """Wall time: the mutant's conversations, the copy of the reused ones and its gate."""
    gate_status: str | None = None
    caught_by: list[Catch] = Field(default_factory=list)
    reason: str = ""
    """Why not caught (empty when caught)."""
    advice: str = ""
    """What to add to the campaign so that it catches this operator."""
    run_dir: str | None = None


class AdequacyReport(BaseModel):
    """`adequacy.json`: the campaign's mutation score and every operator's result."""

    campaign: str
    baseline: str
    policy: str
    executor: str
    evaluators: list[str]
    baseline_run: str
    baseline_conversations: int
    baseline_seconds: float
    mutants_seconds: float = 0.0
    """Wall time of the one executor session that played every mutant (operators' own
    `seconds` overlap at their edges: batches of two operators may be in flight at once)."""
    mutants_played: int = 0
    baseline_failures: list[str] = Field(default_factory=list)
    """Checks the unmutated baseline already fails (not counted as catching a mutant)."""
    operators: list[OperatorResult]
    caught: int
    score: float
    """Caught operators / operators."""
    required_missed: list[str]
    exit_code: int
    seconds: float
    notes: list[str] = Field(default_factory=list)


ProgressFn = Callable[[str], None]


def _source(name: str) -> str:
    for s in installed("mutations"):
        if s.name == name and not s.shadowed_by:
            return f"{s.value} ({s.distribution})"
    return name


def _replies(run_dir: Path) -> tuple[dict[str, list[tuple[str, bool, bool, list[ToolCall]]]],
                                       dict[str, bool]]:
    """Per pair: the agent's replies (text, handoff, end, tool calls) in order; and per pair
    whether the conversation is usable (no infrastructure or simulator error)."""
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet",
                           columns=["conversation_id", "pair_id", "outcome", "error"])
    turns = pl.read_parquet(run_dir / "turns" / "*.parquet",
                            columns=["conversation_id", "turn_index", "role", "text",
                                     "clean_text"]).filter(pl.col("role") == "agent")
    calls = pl.read_parquet(run_dir / "tool_calls" / "*.parquet",
                            columns=["conversation_id", "seq", "turn_index", "tool",
                                     "arguments_json", "result", "status", "injected_fault"])
    by_turn: dict[tuple[str, int], list[ToolCall]] = {}
    for c in calls.sort("conversation_id", "seq").iter_rows(named=True):
        by_turn.setdefault((c["conversation_id"], c["turn_index"]), []).append(
            ToolCall.model_construct(
                seq=c["seq"], turn_index=c["turn_index"], tool=c["tool"],
                arguments=json.loads(c["arguments_json"] or "{}"), result=c["result"],
                status=c["status"], injected_fault=c["injected_fault"], latency_ms=0.0))
    said: dict[str, list[tuple[int, str]]] = {}
    for t in turns.sort("conversation_id", "turn_index").iter_rows(named=True):
        said.setdefault(t["conversation_id"], []).append(
            (t["turn_index"], t["clean_text"] or t["text"] or ""))
    out: dict[str, list[tuple[str, bool, bool, list[ToolCall]]]] = {}
    usable: dict[str, bool] = {}
    for row in conv.iter_rows(named=True):
        cid, outcome = row["conversation_id"], row["outcome"]
        replies = said.get(cid, [])
        out[row["pair_id"]] = [
            (text, i == len(replies) - 1 and outcome == "transferred",
             i == len(replies) - 1 and outcome == "agent_ended", by_turn.get((cid, index), []))
            for i, (index, text) in enumerate(replies)]
        usable[row["pair_id"]] = row["error"] is None
    return out, usable


def _copy_reused(base_dir: Path, writer: ResultWriter, keep: set[str], version: str,
                 run_id: str) -> int:
    """The baseline's conversations of the pairs in `keep`, written into the mutant's run
    under its version and run id (identical conversations: the mutant never fired there)."""
    conv = pq.read_table(base_dir / "conversations", columns=["conversation_id", "pair_id"])
    ids = [c for c, p in zip(conv.column(0).to_pylist(), conv.column(1).to_pylist(), strict=True)
           if p in keep]
    if not ids:
        return 0
    wanted = pa.array(ids, type=pa.string())
    tables = {}
    for table in TABLES:
        data = pq.read_table(base_dir / table)
        data = data.filter(pc.is_in(data.column("conversation_id"), value_set=wanted))
        for column, value in (("agent_version", version), ("run_id", run_id)):
            i = data.schema.get_field_index(column)
            data = data.set_column(i, column, pa.array([value] * data.num_rows, pa.string()))
        tables[table] = data.select(SCHEMAS[table].names).cast(SCHEMAS[table])
    writer.write_tables(tables)
    return len(ids)


def _fired(run_dir: Path, name: str) -> int:
    turns = pl.scan_parquet(run_dir / "turns" / "*.parquet").select(
        "conversation_id", "perturbations")
    return int(turns.explode("perturbations").filter(pl.col("perturbations") == MARK + name)
               .select(pl.col("conversation_id").n_unique()).collect().item())


def _catches(verdict: GateVerdict, baseline_failed: set[tuple[str, str]],
             metrics: Sequence[str]) -> list[Catch]:
    import fnmatch

    new = [r for r in verdict.rules if r.status == "fail" and (r.rule, r.name) not in
           baseline_failed]

    def catch(r: RuleResult) -> Catch:
        n = r.numbers
        seg = f"{n.get('segment')}={n.get('value')}" if n.get("segment") else None
        p = n.get("p_adjusted")
        bad = n.get("violations")
        return Catch(rule=r.rule, metric=str(n.get("metric") or r.name), segment=seg,
                     p_value=float(p) if isinstance(p, int | float) else None,
                     violations=int(bad) if isinstance(bad, int | float) else None,
                     message=r.message)

    found = [catch(r) for r in new]

    def rank(c: Catch) -> tuple[int, int, float]:
        own = any(fnmatch.fnmatchcase(c.metric, m) for m in metrics)
        return (0 if own else 1, 0 if c.segment is None else 1,
                c.p_value if c.p_value is not None else 0.0)

    return sorted(found, key=rank)


def _why_not(verdict: GateVerdict, op: Any, facts: Any, evaluators: Sequence[str],
             policy: GatePolicy, fired: int, pairs: int) -> tuple[Status, str, str]:
    """Why a mutant that fired was not caught, and what would catch it."""
    def count(r: RuleResult, key: str) -> float:
        value = r.numbers.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    worse = [r for r in verdict.rules if r.rule == "regression" and not r.numbers.get("segment")
             and count(r, "discordant_worse") > count(r, "discordant_better")]
    if not worse:
        return ("not_seen", f"fired in {fired} conversations, but no metric of the campaign "
                f"({', '.join(evaluators)}) scored any of them worse than the baseline",
                op.catch_hint(facts, list(evaluators)))
    best = min(worse, key=lambda r: count(r, "p_adjusted"))
    n = best.numbers
    p0, p1 = count(best, "baseline_rate"), count(best, "candidate_rate")
    drop = p0 - p1
    reg = policy.regression
    metric = str(n.get("metric"))
    where = (f"{metric} {p0:.1%} -> {p1:.1%} ({n.get('discordant_worse')} worse / "
             f"{n.get('discordant_better')} better, {reg.correction if reg else 'holm'} "
             f"p={count(best, 'p_adjusted'):.2g})")
    if reg is None:
        return ("not_significant", f"{where}; the policy compares no versions (regression: null)",
                "set `regression:` in the gate policy, or a threshold or safety rule on "
                f"{metric}")
    if drop <= reg.max_drop:
        return ("not_significant",
                f"{where}: a drop within the tolerance max_drop {reg.max_drop:.1%} (it fired in "
                f"{fired} of {pairs} conversations)",
                f"exercise it in a larger share of conversations ({op.exercise_hint(facts)}), "
                f"lower max_drop, or make {metric} a safety metric (`safety.metrics`) so "
                "one violation fails")
    need = required_pairs(p0, drop, reg.power, reg.alpha)
    return ("not_significant",
            f"{where}: not significant with {pairs} pairs",
            f"about {need.pairs} pairs at this drop "
            f"({plan_size_command(p0, round(drop, 3), reg.power, reg.alpha)}); or exercise it "
            f"more: {op.exercise_hint(facts)}")


def _chunks(specs: Sequence[ConversationSpec], size: int) -> Iterator[list[ConversationSpec]]:
    for i in range(0, len(specs), size):
        yield list(specs[i:i + size])


def _mutant_spec(spec: ConversationSpec, version: str) -> ConversationSpec:
    return spec.model_copy(update={
        "agent_version": version,
        "id": f"c-{stable_hash({'pair': spec.pair_id, 'agent': version})}"})


class _Plan:
    """One operator's mutant: the specs it plays, the pairs it reuses, where it writes."""

    def __init__(self, name: str, op: Any, facts: Any, version: str,
                 specs: list[ConversationSpec], reuse: set[str]) -> None:
        self.name, self.op, self.facts, self.version = name, op, facts, version
        self.specs, self.reuse = specs, reuse
        self.run_id = ""
        self.run_dir: Path | None = None
        self.writer: ResultWriter | None = None
        self.seconds = 0.0
        """Wall time from its first batch sent to its last batch back."""
        self._first: float | None = None

    def started(self) -> None:
        if self._first is None:
            self._first = time.perf_counter()

    def finished(self) -> None:
        if self._first is not None:
            self.seconds = time.perf_counter() - self._first


def _play(plans: list[_Plan], inner: dict[str, Any], disclosures: tuple[list[str], list[str]],
          config: CampaignConfig, execution: Any, base_run_id: str, out: Path,
          red: Any, say: ProgressFn) -> None:
    """Every mutant's conversations in one executor session (one Ray start): batches hold
    one operator's specs each, in operator order, and each goes to its operator's run."""
    agents = []
    owner: dict[str, _Plan] = {}
    for plan in plans:
        key = {"base": base_run_id, "op": plan.name, "n": len(plan.specs)}
        plan.run_id = f"{plan.name}-{stable_hash(key, 6)}"
        plan.run_dir = out / "mutants" / plan.name
        if plan.run_dir.exists():
            shutil.rmtree(plan.run_dir)
        plan.run_dir.mkdir(parents=True)
        plan.writer = ResultWriter(plan.run_dir, plan.run_id)
        agents.append(AgentConfig(version=plan.version, connector="mutant", options={
            "operator": plan.name, "inner": inner, "disclosures": disclosures[0],
            "disclosure_examples": disclosures[1]}))
        owner.update({s.id: plan for s in plan.specs})

    def batches() -> Iterator[list[ConversationSpec]]:
        for plan in plans:
            say(f"{plan.name}: playing {len(plan.specs)} conversations")
            for batch in _chunks(plan.specs, execution.batch_size):
                plan.started()
                yield batch

    # One run id for the session; each batch's rows are re-stamped with its mutant's run id.
    made = make_executor(execution.executor, agents, config.evaluators, execution,
                         for_run(config.llm, out / "mutants"), config.judge)
    for packed in made.run(batches(), Packing(run_id="mutants", redact=red)):
        if not packed.played:
            continue
        plan = owner[packed.played[0].conversation_id]
        if packed.tables and plan.writer is not None:
            plan.writer.write_tables({t: _stamp(data, plan.run_id)
                                      for t, data in packed.tables.items()})
        plan.finished()


def _stamp(data: pa.Table, run_id: str) -> pa.Table:
    i = data.schema.get_field_index("run_id")
    if i < 0:
        return data
    return data.set_column(i, data.schema.field(i), pa.array([run_id] * data.num_rows,
                                                             data.schema.field(i).type))


def _judge(plan: _Plan, config: CampaignConfig, base_cfg: CampaignConfig, info: Any,
           policy: GatePolicy, policy_source: str, baseline: str,
           base_failed: set[tuple[str, str]], name_required: set[str], pairs: int,
           all_specs: bool) -> OperatorResult:
    """Copy the reused conversations into the mutant's run, gate it, say why."""
    t1 = time.perf_counter()
    op, facts, name = plan.op, plan.facts, plan.name
    result = OperatorResult(name=name, description=getattr(op, "description", ""),
                            source=_source(name), required=name in name_required,
                            status="never_fired", pairs=pairs, reused=pairs)
    if plan.run_dir is None or plan.writer is None:
        result.reason = ("never fired: in no conversation of the baseline did the agent do "
                         "what this operator changes")
        result.advice = op.exercise_hint(facts)
        return result
    run_dir = plan.run_dir
    reused = _copy_reused(info.run_dir, plan.writer, plan.reuse, plan.version, plan.run_id)
    write_manifest(run_dir, {
        "campaign": config.name, "run_id": plan.run_id, "status": "complete",
        "config": base_cfg.model_copy(update={"agents": [AgentConfig(
            version=plan.version, connector="mutant", options={"operator": name})]}
                                      ).model_dump(mode="json"),
        "domain": config.scenarios.domain, "agent_versions": [plan.version],
        "adequacy": {"operator": name, "baseline_run": str(info.run_dir),
                     "played": len(plan.specs), "reused": reused, "all_specs": all_specs}})
    result.played, result.reused, result.run_dir = len(plan.specs), reused, str(run_dir)
    result.fired = _fired(run_dir, name)
    if result.fired == 0:
        result.reason = ("never fired: the baseline's conversations suggested it would in "
                         f"{len(plan.specs)}, but it changed nothing when played")
        result.advice = op.exercise_hint(facts)
    else:
        verdict = gate_run(an.load_runs([info.run_dir, run_dir]), policy,
                           candidate=plan.version, baseline=baseline,
                           policy_source=policy_source)
        result.gate_status = verdict.status
        caught = _catches(verdict, base_failed, getattr(op, "metrics", ()))
        if verdict.status == "no_verdict":
            result.status, result.reason = "no_verdict", f"no verdict: {verdict.reason}"
        elif caught:
            result.status, result.caught_by = "caught", caught
        else:
            result.status, result.reason, result.advice = _why_not(
                verdict, op, facts, config.evaluators, policy, result.fired, pairs)
    result.seconds = round(plan.seconds + time.perf_counter() - t1, 3)
    return result


def run_adequacy(config: CampaignConfig, *, out_dir: str | Path,
                 policy: GatePolicy | None = None, policy_source: str = "default policy",
                 operators: Sequence[str] | None = None, required: Sequence[str] | None = None,
                 baseline: str | None = None, executor: str | None = None,
                 all_specs: bool = False, progress: ProgressFn | None = None) -> AdequacyReport:
    """Run the campaign's baseline, then each operator's mutant, and gate each.

    Args:
        config: the campaign (its evaluators, perturbations, execution settings).
        out_dir: where the runs, `adequacy.md` and `adequacy.json` go.
        policy: the gate policy the mutants are judged by (default: the built-in one).
        operators: operator names (default: every installed `convsim.mutations` plug-in).
        required: operators the campaign must catch (default: those marked `required`).
        baseline: the agent version to mutate (default: the campaign's first).
        executor: `local`, `ray`, ... (default: the campaign's).
        all_specs: play every spec for every mutant, not only those where it can fire.

    Raises:
        AdequacyError: unusable input (unknown operator or version, no verdict on the
            baseline). CampaignError / ConfigError from running the campaign.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    policy = policy or GatePolicy()
    names = list(operators) if operators else mutations.names()
    unknown = [n for n in names if not mutations.knows(n)]
    if unknown:
        raise AdequacyError(f"--operators: {mutations.describe_unknown(unknown[0])}")
    try:
        ops = {n: mutations.create(n) for n in names}
    except PluginError as exc:
        raise AdequacyError(str(exc)) from None
    bad = [n for n, op in ops.items() if not callable(getattr(op, "would_fire", None))]
    if bad:
        raise AdequacyError(f"mutation operator {bad[0]!r}: not a MutationOperator "
                            "(convsim.simulator.mutations.MutationOperator)")
    chosen = [a for a in config.agents if baseline in (None, a.version)]
    if not chosen:
        raise AdequacyError(f"--baseline: version {baseline!r} is not in the campaign "
                            f"({', '.join(a.version for a in config.agents)})")
    base_agent = chosen[0]
    execution = config.execution if executor is None else config.execution.model_copy(
        update={"executor": executor})
    base_cfg = config.model_copy(update={"agents": [base_agent], "execution": execution})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    say(f"baseline {base_agent.version}: running the campaign unmutated")
    info = run_campaign(base_cfg, out_dir=out / "runs")
    baseline_seconds = info.seconds
    base_runs = an.load_runs(info.run_dir)
    base_verdict = gate_run(base_runs, policy, candidate=base_agent.version,
                            policy_source=policy_source)
    if base_verdict.status == "no_verdict":
        raise AdequacyError(f"the baseline {base_agent.version} gets no verdict under "
                            f"{policy_source}: {base_verdict.reason}; a mutant could not get "
                            f"one either (results in {info.run_dir})")
    base_failed = {(r.rule, r.name) for r in base_verdict.rules if r.status == "fail"}
    notes = []
    if base_failed:
        notes.append(f"the unmutated baseline already fails {len(base_failed)} checks of the "
                     "policy; a mutant failing them too does not count as caught")

    domain = find_domain(config.scenarios.domain)
    scenarios, personas = build_population(base_cfg)
    patterns = list(dict.fromkeys(p for s in scenarios for d in s.expectations.disclosures
                                  for p in d.patterns))
    examples = list(dict.fromkeys(e for s in scenarios for d in s.expectations.disclosures
                                  for e in getattr(d, "examples", [])))
    specs = list(iter_specs(base_cfg, scenarios, personas))
    replies, usable = _replies(info.run_dir)
    red = redactor_for(config.agents)
    required_set = set(required) if required is not None else {
        n for n, op in ops.items() if getattr(op, "required", True)}

    # Which pairs each operator can fire in, read off the baseline's conversations.
    plans: dict[str, _Plan] = {}
    for name, op in ops.items():
        facts = op.pack_facts(domain, patterns, examples)
        firing = {s.pair_id for s in specs if all_specs or not usable.get(s.pair_id, False)
                  or op.would_fire(replies.get(s.pair_id, []), facts)}
        version = f"{base_agent.version}~{name}"
        plans[name] = _Plan(name, op, facts, version, [
            _mutant_spec(s, version) for s in specs if s.pair_id in firing],
            {s.pair_id for s in specs} - firing)
    todo = [p for p in plans.values() if p.specs]
    say(f"mutants: playing {sum(len(p.specs) for p in todo)} conversations for {len(todo)} "
        f"operators ({len(plans) - len(todo)} never fire); the rest reused from the baseline")
    t_mutants = time.perf_counter()
    if todo:
        with serve_agents([base_agent.with_environment()]) as served:
            inner = served[0].model_dump(mode="json", exclude_none=True)
            _play(todo, inner, (patterns, examples), config, execution, info.run_id, out, red,
                  say)
    mutants_seconds = time.perf_counter() - t_mutants

    results: list[OperatorResult] = []
    for plan in plans.values():
        results.append(_judge(plan, config, base_cfg, info, policy, policy_source,
                              base_agent.version, base_failed, name_required=required_set,
                              pairs=len(specs), all_specs=all_specs))
        r = results[-1]
        say(f"{r.name}: {r.status.replace('_', ' ')} (fired in {r.fired}, {r.played} played, "
            f"{r.seconds:.1f}s)")

    n_caught = sum(r.status == "caught" for r in results)
    missed = [r.name for r in results if r.required and r.status != "caught"]
    report = AdequacyReport(
        campaign=config.name, baseline=base_agent.version, policy=policy_source,
        executor=execution.executor, evaluators=list(config.evaluators),
        baseline_run=str(info.run_dir), baseline_conversations=info.written + info.skipped,
        baseline_seconds=round(baseline_seconds, 3), mutants_seconds=round(mutants_seconds, 3),
        mutants_played=sum(len(p.specs) for p in todo),
        baseline_failures=sorted(f"{rule} {name}" for rule, name in base_failed),
        operators=results, caught=n_caught, score=n_caught / len(results) if results else 0.0,
        required_missed=missed, exit_code=1 if missed else 0,
        seconds=round(time.perf_counter() - t0, 3), notes=notes)
    write_report(report, out)
    return report


def write_report(report: AdequacyReport, out: Path) -> None:
    """`adequacy.md` and `adequacy.json` in `out`."""
    (out / "adequacy.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (out / "adequacy.md").write_text(markdown(report), encoding="utf-8")


_LABEL = {"caught": "caught", "never_fired": "never fired", "not_significant":
          "fired, not significant", "not_seen": "fired, no metric sees it",
          "no_verdict": "no verdict"}


def markdown(report: AdequacyReport) -> str:
    """The report: the mutation score, one row per operator, then why each miss was missed."""
    n = len(report.operators)
    verdict = ("every required operator is caught" if not report.required_missed else
               f"required operators not caught: {', '.join(report.required_missed)}")
    lines = [f"# Adequacy of campaign `{report.campaign}` (baseline {report.baseline})", "",
             f"**Mutation score: {report.caught}/{n} operators caught ({report.score:.0%})** — "
             f"{verdict} (exit {report.exit_code}).", "",
             f"Gate policy: {report.policy}; evaluators: {', '.join(report.evaluators)}; "
             f"executor: {report.executor}. Baseline: {report.baseline_conversations} "
             f"conversations in {report.baseline_seconds:.1f}s ({report.baseline_run}); "
             f"mutants: {report.mutants_played} conversations played in "
             f"{report.mutants_seconds:.1f}s (the others reused from the baseline); total "
             f"{report.seconds:.1f}s.", ""]
    lines += [f"> {note}" for note in report.notes] + ([""] if report.notes else [])
    lines += ["| operator | required | result | fired in | caught by | p / violations | "
              "played | reused | seconds |", "|---|---|---|---|---|---|---|---|---|"]
    for r in report.operators:
        first = r.caught_by[0] if r.caught_by else None
        by = (f"{first.rule}: {first.metric}" + (f" [{first.segment}]" if first.segment else "")
              if first else "")
        p = ("" if first is None else f"p={first.p_value:.2g}" if first.p_value is not None
             else f"{first.violations} violations" if first.violations is not None else "")
        lines.append(f"| {r.name} | {'yes' if r.required else 'no'} | {_LABEL[r.status]} | "
                     f"{r.fired}/{r.pairs} | {by} | {p} | {r.played} | {r.reused} | "
                     f"{r.seconds:.1f} |")
    misses = [r for r in report.operators if r.status != "caught"]
    if misses:
        lines += ["", "## Not caught: why, and what to add", ""]
        for r in misses:
            lines += [f"- **{r.name}** ({r.description}): {r.reason}.",
                      f"  To catch it: {r.advice}." if r.advice else ""]
    caught = [r for r in report.operators if r.status == "caught"]
    if caught:
        lines += ["", "## Caught: the gate's checks that failed on the mutant (not on the "
                  "baseline)", ""]
        for r in caught:
            lines.append(f"- **{r.name}** ({r.description}), fired in {r.fired} conversations:")
            lines += [f"  - {c.message}" for c in r.caught_by[:3]]
            if len(r.caught_by) > 3:
                lines.append(f"  - ... and {len(r.caught_by) - 3} more checks")
    lines += ["", "Operators come from the `convsim.mutations` entry points: "
              + "; ".join(f"{r.name} = {r.source}" for r in report.operators) + "."]
    return "\n".join(line for line in lines if line is not None) + "\n"


def load_config(path: str | Path) -> CampaignConfig:
    """The campaign file (ConfigError naming the file and field)."""
    from convsim.core.campaign_file import load_campaign

    try:
        return load_campaign(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
