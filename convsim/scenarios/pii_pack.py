"""Identifier shapes a domain pack relies on, so pseudonyms keep matching them.

`convsim ingest --domain PACK` scrubs with these rules: every slot that names a
`pattern`, and every id-like slot whose values are in the pack's tables (a slot with
a `field` of the customer's row, or a column of the same name), gets an identifier
rule. An inferred pattern keeps the values' length, layout (digit, letter, the rest
literally) and fixed prefix: the leading letters and separators all values share,
plus the first digit when all values share it ("KM-40117", "KM-40268" -> `KM-4\\d{4}`;
"41234567", "40012345" -> `4\\d{7}`). The scrubber gives a value that matches a rule a
pseudonym that matches it too.
"""

from __future__ import annotations

import os
import re
from typing import Any

from convsim.core.packs.model import Domain
from convsim.scenarios.pii import IdentifierRule

MIN_VALUES = 2
"""Fewest distinct values of a column to infer its shape from."""
PERSONAL_TYPES = ("id",)


def _class(ch: str) -> str:
    return r"\d" if ch.isdigit() else "[A-Za-z]" if ch.isascii() and ch.isalpha() else re.escape(ch)


def infer_pattern(values: list[str]) -> str | None:
    """A regex of the common shape of `values` (see the module doc), or None when they do
    not share one (different lengths or layouts) or hold no digit."""
    values = sorted({v for v in values if v})
    if len(values) < MIN_VALUES or len({len(v) for v in values}) != 1:
        return None
    if not all(any(c.isdigit() for c in v) for v in values):
        return None
    layouts = {tuple(_class(c) if c.isalnum() else re.escape(c) for c in v) for v in values}
    if len(layouts) != 1:
        return None
    prefix = os.path.commonprefix(values)
    keep = len(re.match(r"[^\d]*", prefix).group(0))  # type: ignore[union-attr]
    if keep < len(prefix) and prefix[keep].isdigit():
        keep += 1  # the first digit, when every value starts with it
    layout = next(iter(layouts))
    parts = [re.escape(c) for c in prefix[:keep]] + list(layout[keep:])
    compact: list[str] = []
    for part in parts:  # \d\d\d -> \d{3}
        if compact and compact[-1].split("{")[0] == part and part in (r"\d", "[A-Za-z]"):
            base, _, count = compact[-1].partition("{")
            compact[-1] = f"{base}{{{int(count.rstrip('}') or 1) + 1}}}"
        else:
            compact.append(part)
    return "".join(compact)


def _column(domain: Domain, field: str) -> list[str]:
    out: list[str] = []
    for rows in domain.tables.values():
        for row in rows.values():
            value: Any = row.get(field) if isinstance(row, dict) else None
            if isinstance(value, str | int) and not isinstance(value, bool):
                out.append(str(value))
    return out


def pack_shapes(domain: Domain) -> tuple[dict[str, IdentifierRule], list[str]]:
    """(identifier rules, shapes) of the pack's id-like slots (explicit `pattern` first).

    Every pattern is a shape: a value matching it keeps matching it once pseudonymised.
    A distinctive one (a literal prefix with two letters, six characters or more, e.g.
    `KM-4\\d{4}`) also detects the value anywhere; a plain `\\d{4}` (a PIN) does not,
    or every year and amount would be replaced.
    """
    rules: dict[str, IdentifierRule] = {}
    shapes: list[str] = []
    for name, slot in domain.slots.items():
        pattern = slot.pattern
        if pattern is None and slot.type in PERSONAL_TYPES:
            field = (slot.field or name).split(".")[-1]
            pattern = infer_pattern(_column(domain, field))
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"domain {domain.name}: slots.{name}.pattern: not a regular "
                             f"expression ({exc})") from None
        shapes.append(pattern)
        literal = re.match(r"(?:[A-Za-z]|\\?[-#/])+", pattern)
        letters = sum(c.isalpha() for c in literal.group(0)) if literal else 0
        if letters >= 2 and not re.fullmatch(pattern, "x" * 5):
            # whole tokens only: the pattern must not match inside a longer id
            rules[f"slot:{name}"] = IdentifierRule(
                pattern=rf"(?<![\w-])(?:{pattern})(?![\w-])", keep_letters=True)
    return rules, shapes
