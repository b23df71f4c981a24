"""Every module of the package over 400 lines says why in its docstring ("Size: ..."), so a
large module is a decision someone wrote down, not an accident (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "convsim"
LIMIT = 400


def test_large_modules_state_their_reason() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LIMIT:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "Size:" not in doc:
            unexplained.append(f"{path.relative_to(PACKAGE.parent)} ({text.count(chr(10))} lines)")
    assert not unexplained, "modules over 400 lines without a 'Size:' reason: " + ", ".join(
        unexplained)
