"""The fourth held-out labelled set (tests/data/evaluator_labels_fourth.jsonl) is well formed:
every line parses with the documented fields and types, it is big and varied enough to give a
figure (>= 300 turns, >= 3 sources), none of its turns is in the three earlier sets, and it is
exactly what its draw script gives plus the labels. Format only -- no recogniser runs here (the
lead scores the set once, after tuning)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data"
FOURTH = DATA / "evaluator_labels_fourth.jsonl"
EARLIER = ("evaluator_labels.jsonl", "evaluator_labels_holdout.jsonl",
           "evaluator_labels_fresh.jsonl")
LABELS = ("consent_asked", "success_claimed", "transfer", "cost_disclosed")
FIELDS = {"id", "source", "file", "locator", "text", "customer_before", "drawn_as", *LABELS,
          "split"}
SHARED = Path("/work/shared/data")


def _records(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:  # name the line, so a broken one is easy to find
            pytest.fail(f"{path.name} line {n}: not JSON ({e})")
    return out


def test_every_line_has_the_documented_fields_and_types() -> None:
    records = _records(FOURTH)
    assert len(records) >= 300
    assert len({r["source"] for r in records}) >= 3
    for n, r in enumerate(records, 1):
        where = f"{FOURTH.name} line {n}"
        assert FIELDS <= set(r) <= FIELDS | {"note"}, (where, sorted(set(r) ^ FIELDS))
        for k in LABELS:
            assert isinstance(r[k], bool), (where, k)
        for k in FIELDS - set(LABELS):
            assert isinstance(r[k], str), (where, k)
        assert r.get("note", "x") != "" and isinstance(r.get("note", ""), str), where
        assert r["split"] == "fourth", where
        assert r["text"].strip() and len(r["text"]) <= 600, where
        digest = hashlib.sha256(f"{r['file']}|{r['locator']}".encode()).hexdigest()[:8]
        assert r["id"] == f"{r['source']}-{digest}", where
    assert len({r["id"] for r in records}) == len(records)
    assert len({r["text"].strip().lower() for r in records}) == len(records)


@pytest.mark.parametrize("earlier", EARLIER)
def test_no_turn_of_an_earlier_set_is_in_it(earlier: str) -> None:
    old = _records(DATA / earlier)
    new = _records(FOURTH)
    assert not {r["id"] for r in old} & {r["id"] for r in new}
    assert not {(r["file"], r["locator"]) for r in old} & {
        (r["file"], r["locator"]) for r in new}
    assert not {r["text"].strip().lower() for r in old} & {
        r["text"].strip().lower() for r in new}


def test_positives_are_the_documented_counts() -> None:
    """tests/data/EVALUATOR_LABELS.md states these: a relabel must update the document."""
    records = _records(FOURTH)
    got = {k: sum(r[k] for r in records) for k in LABELS}
    assert got == {"consent_asked": 86, "success_claimed": 86, "transfer": 0,
                   "cost_disclosed": 64}
    doc = (DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")
    assert "evaluator_labels_fourth.jsonl" in doc and "**324 agent turns**" in doc


def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
    """Redraw (when the shared data copy is present) and compare everything but the labels."""
    if not (SHARED / "tau_bench").is_dir():
        pytest.skip("shared data copy /work/shared/data not present")
    spec = importlib.util.spec_from_file_location("make_fourth",
                                                  DATA / "make_evaluator_labels_fourth.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    drawn, _ = mod.draw(SHARED)
    keep = FIELDS - set(LABELS)
    assert [{k: r[k] for k in keep} for r in _records(FOURTH)] == [
        {k: r[k] for k in keep} for r in drawn]
