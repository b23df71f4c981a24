"""Whether a replay failed on convsim's side: the backend state rebuilt from its transcript
lacks a record the transcript had.

`convsim scenarios from-transcript` (convsim.scenarios.replay_state) notes in a
regression scenario's `provenance['state']` what it rebuilt, what is missing, and the
calls that found their record in the transcript. The engine calls
`missing_state_failure` on every replayed conversation: such a failure is outcome
`simulator_error`, never scored against the agent. Pure: records in, a reason out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

NOT_FOUND = re.compile(r"not found|no such|(?:does|do)(?: not|n't) (?:exist|match)|not in table|"
                       r"\bno [a-z_]+ \S", re.I)
"""A tool's answer that a record is not there (the declarative packs' `NAME: not found`,
'account number and PIN do not match', 'no line L-1')."""


EMPTY = ("[]", "{}", "null")
"""A successful answer holding no record (an empty listing)."""


def _plain_args(arguments: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in arguments.items()}


def missing_state_failure(tool_calls: Sequence[Any], state: dict[str, Any]) -> str | None:
    """Why a replay failed on convsim's side, or None: a call the transcript made
    successfully (same tool, the same argument values) failed here, or, when the rebuilt
    state is known to lack records (`state['missing']`), a tool answered that a record is
    not there (an error saying so, or an empty listing). Injected faults are the
    campaign's own and never count. `tool_calls` are the replay's ToolCall records,
    `state` the scenario's `provenance['state']`."""
    found = [(f.get("tool"), _plain_args(f.get("arguments") or {}))
             for f in state.get("found") or [] if isinstance(f, dict)]
    missing = [str(m) for m in state.get("missing") or []]
    for call in tool_calls:
        if call.injected_fault:
            continue
        answer = " ".join(str(call.result or "").split())[:160]
        empty = call.status == "ok" and answer in EMPTY  # a listing that found nothing
        if call.status == "ok" and not empty:
            continue
        args = _plain_args(call.arguments or {})
        for tool, then in found:
            if tool == call.tool and args and args.items() <= then.items():
                return (f"the rebuilt state lacks a record the transcript had: {call.tool}"
                        f"({', '.join(f'{k}={v}' for k, v in args.items())}) found it then and "
                        f"answered {answer!r} in the replay")
        if missing and empty:
            return (f"{call.tool} found nothing ({answer}), and the state could not be "
                    f"rebuilt from the transcript: missing {'; '.join(missing)}")
        if missing and not empty and NOT_FOUND.search(answer):
            return (f"{call.tool} answered {answer!r}, and the state could not be rebuilt "
                    f"from the transcript: missing {'; '.join(missing)}")
    return None
