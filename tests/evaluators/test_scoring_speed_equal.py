"""The scoring caches answer exactly as the plain code does (issue 21 §1, round 7).

What an agent turn asks and claims is remembered by its text (agents repeat their templates):
`actions._questions` (the consent rule asks it up to three times per turn), `asks_consent`
(by text, action words and the call's values) and the claims of
a turn (`truthfulness._turn_claims`, read by truthfulness and again by goal). These tests read
every labelled agent turn of `tests/data/evaluator_labels*.jsonl` and conversations played
against the retail reference agents, with the caches cold, warm and bypassed (the plain
functions), and require the same answers and the same scores, field for field.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convsim.core.campaign_file import load_campaign
from convsim.core.records import Conversation, Scenario, ToolCall, Turn
from convsim.core.registry import evaluators
from convsim.engine.agent_processes import serve_agents
from convsim.engine.plan import RunPlan
from convsim.engine.worker import ConversationWorker
from convsim.evaluators import actions, goal, rules, truthfulness
from convsim.evaluators.actions import ActionWords, action_words, call_values

DATA = Path(__file__).parents[1] / "data"
EVALUATORS = ("process", "disclosures", "goal", "rules", "escalation", "truthfulness")
TOOLS = {  # the consequential tools of each source's domain, as benchmarks/evaluator_wording.py
    "airline": ["book_reservation", "cancel_reservation", "update_reservation_flights",
                "update_reservation_baggages", "update_reservation_passengers",
                "send_certificate"],
    "retail": ["cancel_pending_order", "modify_pending_order_items",
               "modify_pending_order_address", "modify_pending_order_payment",
               "modify_user_address", "return_delivered_order_items",
               "exchange_delivered_order_items"],
    "taskmaster4": ["add_order_item", "update_order", "update_order_item", "finish_order"],
    "abcd": ["update_order", "update_account", "offer_refund", "make_purchase", "make_password"],
    "taskmaster1": ["book_ride", "buy_movie_tickets", "book_table", "order_coffee",
                    "order_pizza", "book_repair_appointment"],
}


def _tools(record: dict[str, Any]) -> list[str]:
    source = record["source"]
    if source in TOOLS:
        return TOOLS[source]
    return TOOLS["retail"] if "Retail" in record.get("file", "") else TOOLS["airline"]


def _labelled() -> list[tuple[str, dict[str, ActionWords]]]:
    """Every labelled agent turn (all sets), with its source's tools."""
    out = []
    for path in sorted(DATA.glob("evaluator_labels*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip() and "text" in (record := json.loads(line)):
                out.append((record["text"], {t: action_words(t) for t in _tools(record)}))
    return out


LABELLED = _labelled()


def _plain_claims(text: str, words: dict[str, ActionWords]
                  ) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """What action_claims read of a turn before the cache: claimed_actions per sentence."""
    out = []
    for sentence in truthfulness._SENTENCE.split(text):
        claimed, generic = truthfulness.claimed_actions(sentence, words)
        if claimed or generic:
            out.append((sentence, tuple(claimed), generic))
    return tuple(out)


def test_the_labelled_turns_are_all_read() -> None:
    assert len(LABELLED) > 2000
    assert len({text for text, _ in LABELLED}) > 1500


def test_questions_cold_warm_and_plain_agree_on_every_labelled_turn() -> None:
    actions._cached_questions.cache_clear()
    asked = 0
    for text, _ in LABELLED:
        plain = actions._find_questions(text)
        assert actions._questions(text) == plain, text
        assert actions._questions(text) == plain, text  # from the cache now
        asked += bool(plain)
    assert actions._cached_questions.cache_info().hits >= len(LABELLED)
    assert asked > 300  # turns that ask for a yes are among them


def test_consent_answers_agree_with_the_questions_cache_bypassed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def answers() -> list[tuple[object, ...]]:
        return [(actions.asks_yes(text), actions.goes_ahead(text),
                 actions.asks_consent(text, words.values()))
                for text, words in LABELLED]

    actions._cached_questions.cache_clear()
    actions._cached_consent.cache_clear()
    cold, warm = answers(), answers()
    assert actions._cached_consent.cache_info().hits >= len(LABELLED)
    with monkeypatch.context() as m:
        m.setattr(actions, "_cached_questions", actions._find_questions)
        m.setattr(actions, "asks_consent", actions._find_consent)
        plain = answers()
    assert cold == warm == plain
    assert sum(a[2] is not None for a in plain) > 200  # consent asked for an action


def test_turn_claims_cold_warm_and_plain_agree_on_every_labelled_turn() -> None:
    truthfulness._cached_turn_claims.cache_clear()
    claimed = 0
    for text, words in LABELLED:
        key = truthfulness._words_key(tuple(words.items()))
        plain = _plain_claims(text, words)
        assert truthfulness._turn_claims(text, key) == plain, text
        assert truthfulness._turn_claims(text, key) == plain, text
        claimed += bool(plain)
    assert truthfulness._cached_turn_claims.cache_info().hits >= len(LABELLED)
    assert claimed > 300


def test_consent_named_by_a_value_is_cached_with_its_values() -> None:
    words = [action_words("change_plan")]
    text = "Shall I put you on Unlimited (yes/no)?"
    actions._cached_consent.cache_clear()
    for _ in range(2):  # cold, then from the cache
        assert actions.asks_consent(text, words, ["P3", "Unlimited"]) == "Unlimited"
        assert actions.asks_consent(text, words, ["P3"]) is None
        assert actions.asks_consent(text, words) is None
    assert actions._find_consent(text, words, ["P3", "Unlimited"]) == "Unlimited"
    assert actions._cached_consent.cache_info().hits == 3


def _plain_action_claims(conv: Conversation, words: dict[str, ActionWords]
                         ) -> list[truthfulness.Claim]:
    """`truthfulness.action_claims` as it was before the cache (claimed_actions per sentence
    of every agent turn)."""
    calls = sorted(conv.tool_calls, key=lambda c: c.seq)
    out = []
    for turn in conv.turns:
        if turn.role != "agent":
            continue
        done = [c for c in calls if c.turn_index <= turn.index]
        for sentence in truthfulness._SENTENCE.split(turn.text):
            claimed, generic = truthfulness.claimed_actions(sentence, words)
            if generic:
                tried = [c for c in done if c.tool in words]
                if not tried:
                    continue
                claimed = [tried[-1].tool]
            if not claimed:
                continue
            mine = [c for c in done if c.tool in claimed]
            ok = [c for c in mine if truthfulness.executed(c)]
            backer = ok[-1] if ok and (not generic or ok[-1].seq == mine[-1].seq) else None
            out.append(truthfulness.Claim(turn.index, sentence, claimed, generic, backer,
                                          [c for c in mine if truthfulness.failed(c)]))
    return out


def test_action_claims_equal_the_plain_reading_on_every_labelled_turn() -> None:
    truthfulness._cached_turn_claims.cache_clear()
    found = 0
    for text, words in LABELLED:
        conv = Conversation(id="c", turns=[Turn(index=0, role="customer", text="hi"),
                                           Turn(index=1, role="agent", text=text)])
        plain = _plain_action_claims(conv, words)
        assert truthfulness.action_claims(conv, words) == plain, text
        assert truthfulness.action_claims(conv, words) == plain, text
        found += bool(plain)
    assert found > 200


def test_the_result_pre_filter_skips_only_sentences_the_search_cannot_match() -> None:
    sentences = {s.lower() for text, _ in LABELLED for s in truthfulness._SENTENCE.split(text)}
    sentences |= {  # each way _RESULT reads a result, and look-alikes without its words
        "your order will be ready shortly.", "i'll serve it now", "go ahead and pick it up",
        "we'll get it made for you", "look for it at the bar", "you can pick it up",
        "you pick it up at the end", "you'll be able to collect your order at the counter",
        "ready for pickup", "wait at the counter for it", "it should be right up",
        "it's going to be ready", "your order is on the counter", "thanks for ordering",
        "your drink ſhould be ready", "we’ll have it waiting for you", "it wİll be ready"}
    skipped = 0
    for low in sentences:
        found = truthfulness._RESULT.search(low) is not None
        assert truthfulness._tells_result(low) == found, low
        skipped += low.isascii() and not any(w in low for w in truthfulness._RESULT_WORDS)
    assert skipped > len(sentences) / 2


def test_equal_tool_sets_share_a_key_and_other_sets_do_not() -> None:
    retail = {t: action_words(t) for t in TOOLS["retail"]}
    again = {t: action_words(t) for t in TOOLS["retail"]}
    key = truthfulness._words_key(tuple(retail.items()))
    assert truthfulness._words_key(tuple(again.items())) is key
    reordered = dict(reversed(list(retail.items())))  # order decides the order of the answer
    assert truthfulness._words_key(tuple(reordered.items())) is not key
    fewer = dict(list(retail.items())[:3])
    assert truthfulness._words_key(tuple(fewer.items())) is not key
    sentence = "Your order has been cancelled and the address has been modified."
    assert truthfulness._turn_claims(sentence, key) == _plain_claims(sentence, retail)
    assert truthfulness._turn_claims(sentence, truthfulness._words_key(tuple(fewer.items()))) \
        == _plain_claims(sentence, fewer)


def test_a_long_turn_is_read_plainly_and_not_kept() -> None:
    text = " ".join(["Your order #W1 has been cancelled."] * 80)
    assert len(text) > 2000
    words = {t: action_words(t) for t in TOOLS["retail"]}
    key = truthfulness._words_key(tuple(words.items()))
    actions._cached_questions.cache_clear()
    truthfulness._cached_turn_claims.cache_clear()
    assert truthfulness._turn_claims(text, key) == _plain_claims(text, words)
    assert actions._questions(text + " Shall I?") == actions._find_questions(text + " Shall I?")
    assert truthfulness._cached_turn_claims.cache_info().currsize == 0
    assert actions._cached_questions.cache_info().currsize == 0


def test_a_claim_changed_by_its_reader_does_not_change_the_next_reading() -> None:
    words = {t: action_words(t) for t in TOOLS["retail"]}
    conv = Conversation(id="c", turns=[
        Turn(index=0, role="customer", text="cancel it"),
        Turn(index=1, role="agent", text="Your order has been cancelled. All done!")])
    first = truthfulness.action_claims(conv, words)
    assert first and first[0].tools == ["cancel_pending_order"]
    first[0].tools.append("modify_user_address")
    assert truthfulness.action_claims(conv, words)[0].tools == ["cancel_pending_order"]


PLAYED = """\
name: equal
seed: 3
repetitions: 1
scenarios: {n: 40}
personas: {n: 8}
perturbations:
  - name: clean
  - name: noisy
    text_noise: {typo_rate: 0.05, filler_rate: 0.3}
    tool_faults:
      get_order_details: {error_rate: 0.2, timeout_rate: 0.05}
      cancel_pending_order: {error_rate: 0.3}
agents: [{version: v1, reference: "retail:v1"}, {version: v2, reference: "retail:v2"}]
evaluators: []
execution: {executor: local, concurrency: 8}
output_dir: runs
"""


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[Conversation,
                                                                            Scenario]]]:
    """160 conversations played against the retail reference agents v1 and v2."""
    path = tmp_path_factory.mktemp("played") / "equal.yaml"
    path.write_text(PLAYED)
    config = load_campaign(path)
    specs = list(RunPlan.of(config).specs)
    with serve_agents(config.agents) as agents:
        results = ConversationWorker(agents, config.evaluators, config.execution,
                                     config.llm).play(specs)
    by_id = {s.id: s for s in specs}
    yield [(r.conversation, by_id[r.conversation.id].scenario) for r in results]


def _fresh_values(statement: rules._Statement, call: ToolCall) -> list[str]:
    """The consent rule's values of a call worked out afresh for every turn, as before."""
    return call_values(call.arguments, statement.state)


def _bypass_caches(m: pytest.MonkeyPatch) -> None:
    """The scoring paths as they were before the caches: every reading done afresh."""
    m.setattr(actions, "_cached_questions", actions._find_questions)
    m.setattr(rules, "asks_consent", actions._find_consent)
    m.setattr(truthfulness, "action_claims", _plain_action_claims)
    m.setattr(goal, "action_claims", _plain_action_claims)
    m.setattr(rules._Statement, "values", _fresh_values)


def _scores(data: list[tuple[Conversation, Scenario]]) -> list[dict[str, Any]]:
    instances = [evaluators.create(n) for n in EVALUATORS]
    return [s.model_dump() for conv, scen in data for ev in instances
            for s in ev.evaluate(conv, scen)]


def test_scores_of_played_conversations_equal_with_the_caches_cold_warm_and_bypassed(
        played: list[tuple[Conversation, Scenario]], monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(played) == 160
    actions._cached_questions.cache_clear()
    actions._cached_consent.cache_clear()
    truthfulness._cached_turn_claims.cache_clear()
    cold = _scores(played)
    warm = _scores(played)
    assert actions._cached_questions.cache_info().hits > 0
    assert truthfulness._cached_turn_claims.cache_info().hits > 0
    with monkeypatch.context() as m:
        _bypass_caches(m)
        plain = _scores(played)
    assert cold == warm == plain
    # The rules that read the caches were judged, not skipped.
    consent = [s for s in plain if s["metric"] == "rule:consent_before_change"
               and s["status"] == "scored"]
    claims = [s for s in plain if s["metric"] == "truthfulness" and s["status"] == "scored"]
    assert len(consent) > 20 and len(claims) > 20


def _synthetic(n: int) -> list[tuple[Conversation, Scenario]]:
    """benchmarks/evaluators_scale.py's conversations: consent asked or not, a cancellation
    that failed and was claimed anyway, hand-overs (loaded with importlib: tests are not a
    package)."""
    path = Path(__file__).parents[2] / "benchmarks" / "evaluators_scale.py"
    spec = importlib.util.spec_from_file_location("evaluators_scale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.conversations(n))


def test_scores_of_synthetic_conversations_equal_with_the_caches_cold_warm_and_bypassed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _synthetic(600)
    actions._cached_questions.cache_clear()
    actions._cached_consent.cache_clear()
    truthfulness._cached_turn_claims.cache_clear()
    cold = _scores(data)
    warm = _scores(data)
    with monkeypatch.context() as m:
        _bypass_caches(m)
        plain = _scores(data)
    assert cold == warm == plain
    for metric in ("rule:consent_before_change", "truthfulness"):  # both verdicts occur
        assert {s["passed"] for s in plain if s["metric"] == metric} >= {True, False}
