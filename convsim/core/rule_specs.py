"""The rule language: process, consent and policy rules a conversation must follow.

Core layer, like `records`: plain pydantic models, imports nothing from convsim.
A rule is written in YAML (a pack's `domain.yaml` `rules:`, a scenario's
`expectations.rules:`) or in Python, and checked by the `rules` evaluator
(`convsim/evaluators/rules.py`), one metric `rule:<name>` per rule.

    rules:
      - name: identify_first
        before: {first: [get_customer_by_phone, get_customer_by_id], then: [suspend_line]}
      - name: verified_first
        requires_result: {tool: find_user_id_*, before: [cancel_pending_order]}
      - name: consent_before_change
        requires_consent: {tool: [cancel_pending_order, modify_user_address]}
      - name: no_refund_of_pending
        only_if: {tool: return_delivered_order_items,
                  state: {"orders.{order_id}.status": delivered}}

Tool names may be globs (`find_user_id_*`); each must name (or match) a tool of
the pack, else the pack does not load. `intents:` limits a rule to scenarios of
those intents.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

Act = Literal["request", "confirm", "success", "failure", "transfer", "anything_else", "farewell",
              "inform"]
"""Agent dialog acts (kept equal to `convsim.core.acts.ACTS`; a test checks it)."""

KINDS = ("before", "requires_result", "requires_consent", "never", "at_most", "within_first",
         "only_if")


def _tool_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_ONE_OR_MORE = WithJsonSchema({"anyOf": [{"type": "string"}, {  # what YAML may say
    "type": "array", "items": {"type": "string"}}]})
Tools = Annotated[list[str], BeforeValidator(_tool_list), Field(min_length=1), _ONE_OR_MORE]
"""One tool name or a list; globs (`find_user_id_*`) allowed."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Before(_Body):
    """Every call of a `then` tool comes after a successful call of a `first` tool."""

    first: Tools
    """Tools (any of them) that must have succeeded first."""
    then: Tools
    """Tools that may be called only after one of `first` succeeded."""


class RequiresResult(_Body):
    """Every call of a `before` tool comes after a call of `tool` that returned the right thing.

    Without `field`, the call must have succeeded with a non-empty result (a lookup that
    found the customer); with `field`, that field of the result (a dotted path) must equal
    `equals`, or be truthy when `equals` is not given (`{field: verified, equals: true}`).
    """

    tool: Tools
    before: Tools
    field: str | None = None
    equals: Any = None


class RequiresConsent(_Body):
    """Every call of `tool` follows an explicit yes from the customer, given after the agent
    stated the action and asked, and before the call. The agent's turn asks for a yes (a
    yes/no question, "please confirm if you'd like to proceed", "(yes/no)") and names the
    action in its own words: a verb of the tool's name or description and the verbs people
    use for it (change: switch, move, upgrade; suspend: block, freeze; see
    `convsim/evaluators/actions.py`), or a value the call writes ("to Unlimited"); a go-ahead
    question may rely on the statement in another sentence of the turn or in the agent turn
    just before. `stated`, when given, replaces that recognition."""

    tool: Tools
    stated: str | None = None
    """Regular expression (case-insensitive) the agent's statement of the action must match."""

    @model_validator(mode="after")
    def _regex(self) -> RequiresConsent:
        if self.stated is not None:
            re.compile(self.stated)
        return self


class Never(_Body):
    """The agent never calls `tool` (an attempt counts, whatever the backend answered)."""

    tool: Tools


class AtMost(_Body):
    """`tool` is called at most `n` times."""

    tool: Tools
    n: int = Field(ge=0)
    count: Literal["executed", "attempted"] = "executed"
    """executed: calls the backend carried out (a retried fault does not count); attempted:
    every call."""


class WithinFirst(_Body):
    """Within the first `n` agent turns the agent calls `tool`, makes the dialog act `act`, or
    says something matching `says` (exactly one of the three)."""

    n: int = Field(ge=1)
    tool: Annotated[list[str], BeforeValidator(_tool_list), _ONE_OR_MORE] = Field(
        default_factory=list)
    act: Act | None = None
    says: str | None = None
    """Regular expression (case-insensitive)."""

    @model_validator(mode="after")
    def _one(self) -> WithinFirst:
        given = [k for k in ("tool", "act", "says") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'tool', 'act' or 'says'"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.says is not None:
            re.compile(self.says)
        return self


class OnlyIf(_Body):
    """`tool` is called only when the backend state, as it was just before the call, has the
    given values. Paths are dotted, with the call's arguments as `{name}` placeholders
    (`orders.{order_id}.status`); a list of values means any of them."""

    tool: Tools
    state: dict[str, Any] = Field(min_length=1)


class Rule(BaseModel):
    """One named rule: exactly one of the kinds below."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_][\w.\-]*$")
    """Becomes the metric `rule:<name>`."""
    description: str = ""
    """The policy sentence the rule encodes (shown in rationales)."""
    intents: list[str] | None = None
    """Only for scenarios of these intents (default: all)."""
    severity: Literal["normal", "critical"] = "normal"
    """critical: a never-event; the default gate fails a candidate on its own violations of
    the rule (`safety` in the gate policy), whatever the baseline did."""
    before: Before | None = None
    requires_result: RequiresResult | None = None
    requires_consent: RequiresConsent | None = None
    never: Never | None = None
    at_most: AtMost | None = None
    within_first: WithinFirst | None = None
    only_if: OnlyIf | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"rule {self.name!r}: give exactly one of {', '.join(KINDS)}"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def body(self) -> Any:
        return getattr(self, self.kind)

    def applies_to(self, intent: str | None) -> bool:
        return self.intents is None or intent in self.intents

    def tool_fields(self) -> dict[str, list[str]]:
        """Field path -> tool names (or globs) named there, for validation."""
        body = self.body
        out = {}
        for name in ("first", "then", "tool", "before"):
            value = getattr(body, name, None)
            if isinstance(value, list) and value:
                out[f"{self.kind}.{name}"] = value
        return out


def matches(tool: str, patterns: Collection[str]) -> bool:
    """Whether a tool name is one of `patterns` (names or globs)."""
    return any(tool == p or ("*" in p or "?" in p) and fnmatch.fnmatchcase(tool, p)
               for p in patterns)


def check_rules(rules: Collection[Rule], tools: Collection[str], where: str = "rules") -> list[str]:
    """Problems with rules against a pack's tool names: one line per unknown tool, naming the
    field (`rules[1] (consent).requires_consent.tool: unknown tool 'x'`)."""
    problems = []
    known = sorted(tools)
    for i, rule in enumerate(rules):
        for field, names in rule.tool_fields().items():
            for name in names:
                if not any(matches(t, [name]) for t in known):
                    hint = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
                    problems.append(f"{where}[{i}] ({rule.name}).{field}: unknown tool {name!r} "
                                    f"(tools: {hint or 'none'})")
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.name in seen:
            problems.append(f"{where}[{i}].name: rule {rule.name!r} is defined twice")
        seen.add(rule.name)
    return problems
