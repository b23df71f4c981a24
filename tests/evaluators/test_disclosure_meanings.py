"""Disclosures written as a meaning with examples: recognised in the agent's own wording
without a regular expression, the same verdict under five rewordings, near misses refused,
and a pack that writes one badly gets one clear line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from convsim.core.config import ConfigError
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.records import Disclosure
from convsim.evaluators.disclosures import stated
from convsim.evaluators.meanings import StatementMatcher, figures

_spec = importlib.util.spec_from_file_location("eval_builders", Path(__file__).with_name("builders.py"))
b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(b)  # type: ignore[union-attr]

KITE = Path(__file__).parents[1] / "data" / "packs" / "kite"

REFUND_TIMING = Disclosure(
    name="refund_timing", meaning="when the refund reaches the customer",
    examples=["Refunds take 5-7 business days.",
              "You'll see the money back on your card in about a week."],
    before_tool="cancel_order")
# Five rewordings of "when the refund arrives" (none is an example) and five sentences that
# come close without saying it (a refund without when, a delay that is not the refund's).
REFUND_SAID = [
    "Your refund should arrive within 5 to 7 business days.",
    "Expect the money back in roughly a week.",
    "It usually takes 3-5 working days for the refund to show on your statement.",
    "The refund will reach your original payment method in about seven days.",
    "Please allow up to 10 business days for the refunded amount to appear.",
]
REFUND_NOT_SAID = [
    "I'll refund the order to your card.",
    "Your order has been delivered 3 days ago.",
    "Shall I cancel order #W1 and refund it (yes/no)?",
    "The refund amount is $45.20.",
    "Shipping takes about a week.",
]

PLAN_SAID = [  # the Kite bot's own notice, then four rewordings
    "Just so you know: the new price starts with your next bill, and unused data does not "
    "roll over.",
    "The new rate kicks in on your next statement.",
    "Heads up: you'll pay the Unlimited price from the next billing period onwards.",
    "Billing for the new plan begins with your next monthly bill.",
    "The change is immediate, but the new price only shows up on your following invoice.",
]
PLAN_NOT_SAID = [  # the skip_notice build's confirmation, and other Kite replies
    "Unlimited is $60/month (you pay $40/month on Plus 20GB today). Shall I switch you from "
    "Plus 20GB to Unlimited ($60/month)? (yes/no)",
    "Which plan would you like to switch to? We have Starter 5GB, Plus 20GB, Unlimited and "
    "Unlimited Max.",
    "You've used 12.4 GB on the line ending 0142 this cycle (Plus 20GB); it resets on "
    "2026-01-01.",
    "A 5-day Travel Pass for Europe is $10/day, $50 in total on your next bill.",
    "Your next bill is due on the 5th.",
]


def _kite_notice() -> Disclosure:
    (template,) = [t for t in load_domain_folder(KITE).scenarios if t.intent == "switch_plan"]
    (disc,) = template.expectations.disclosures
    assert not disc.patterns and disc.meaning and len(disc.examples) >= 2
    return disc


def _verdict(disc: Disclosure, text: str) -> bool | None:
    """The disclosures evaluator on: customer asks, agent says `text`, customer agrees, the
    agent makes the call the disclosure must precede."""
    tool = disc.before_tool or "any_tool"
    conv = b.conversation(("customer", "Please do it."), ("agent", text),
                          ("customer", "yes"), ("agent", "Done.", b.call(tool)))
    scen = b.scenario("any", "any", disclosures=[disc])
    return b.scores("disclosures", conv, scen)[f"disclosure:{disc.name}"].passed


@pytest.mark.parametrize(("disc", "said", "not_said"), [
    (REFUND_TIMING, REFUND_SAID, REFUND_NOT_SAID),
    (None, PLAN_SAID, PLAN_NOT_SAID),
], ids=["refund_timing", "kite_plan_switch_notice"])
def test_five_rewordings_same_verdict_and_near_misses_refused(
        disc: Disclosure | None, said: list[str], not_said: list[str]) -> None:
    disc = disc or _kite_notice()
    assert [_verdict(disc, t) for t in said] == [True] * 5
    assert [_verdict(disc, t) for t in not_said] == [False] * 5


def test_rationale_quotes_the_sentence_and_the_example() -> None:
    conv = b.conversation(("customer", "cancel it"),
                          ("agent", "Sure. Your refund should arrive within 5 to 7 business "
                                    "days. Shall I cancel?"),
                          ("customer", "yes"), ("agent", "Done.", b.call("cancel_order")))
    score = b.scores("disclosures", conv, b.scenario("retail", "cancel_order",
                                                     disclosures=[REFUND_TIMING]))
    got = score["disclosure:refund_timing"]
    assert got.passed is True and got.evidence == [1]
    assert "'Your refund should arrive within 5 to 7 business days.'" in got.rationale
    assert "'Refunds take 5-7 business days.'" in got.rationale


def test_said_only_after_the_call_is_too_late() -> None:
    conv = b.conversation(("customer", "cancel it"), ("agent", "Shall I cancel #W1?"),
                          ("customer", "yes"),
                          ("agent", "Cancelled. Refunds take 5-7 business days.",
                           b.call("cancel_order")))
    got = b.scores("disclosures", conv, b.scenario("retail", "cancel_order",
                                                   disclosures=[REFUND_TIMING]))
    assert got["disclosure:refund_timing"].passed is False
    assert "when the refund reaches the customer" in got["disclosure:refund_timing"].rationale


def test_figures_of_the_example_are_required() -> None:
    assert figures("Refunds take 5-7 business days.") == {"duration"}
    assert figures("There is no fee, it is $0 extra.") == {"money", "negation"}
    fee = StatementMatcher(("The change fee is $25.", "You'll be charged a $25 fee."))
    assert fee.find("A $30 fee applies to this change.") is not None
    assert fee.find("A change fee applies to this change.") is None  # no amount said
    no_fee = StatementMatcher(("There is no fee for this change.",))
    assert no_fee.find("There is a fee for this change.") is None  # the "no" is missing
    assert no_fee.find("This change comes with no fee at all.") is not None


def test_not_examples_refuse_a_near_miss() -> None:
    examples = ("The new price applies from your next bill.",
                "You'll pay the new rate starting with your next invoice.")
    plain = StatementMatcher(examples)
    near = "Your next bill will show the new price of the plan."
    assert plain.find(near) is not None
    guarded = StatementMatcher(examples, ("Your next bill will show the price of the plan.",))
    assert guarded.find(near) is None
    assert guarded.find("The new rate starts with your next invoice.") is not None


def test_patterns_and_meaning_either_counts() -> None:
    both = Disclosure(name="x", patterns=[r"\bRMA\b"], meaning="how to send it back",
                      examples=["Print the label and drop the box at any post office.",
                                "Send it back with the prepaid label."])
    assert stated(both, "Your RMA is 123.") == "pattern '\\\\bRMA\\\\b'"
    assert "prepaid label" in (stated(both, "Use the prepaid label to ship it back.") or "")
    assert stated(both, "Thanks for waiting.") is None


def test_a_disclosure_needs_patterns_or_two_examples() -> None:
    with pytest.raises(ValidationError, match="needs `patterns` or `meaning`"):
        Disclosure(name="x")
    with pytest.raises(ValidationError, match="at least two"):
        Disclosure(name="x", meaning="when it starts", examples=["From your next bill."])


def test_a_pack_with_a_bad_disclosure_names_its_file(tmp_path: Path) -> None:
    pack = tmp_path / "kite"
    pack.mkdir()
    for f in KITE.iterdir():
        if f.is_file():
            (pack / f.name).write_bytes(f.read_bytes())
    if (KITE / "fixtures").is_dir():
        (pack / "fixtures").mkdir()
        for f in (KITE / "fixtures").iterdir():
            (pack / "fixtures" / f.name).write_bytes(f.read_bytes())
    templates = yaml.safe_load((pack / "scenarios.yaml").read_text())
    templates[0]["expectations"]["disclosures"][0]["examples"] = ["only one way to say it"]
    (pack / "scenarios.yaml").write_text(yaml.safe_dump(templates, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_domain_folder(pack)
    assert "scenarios.yaml" in str(err.value) and "at least two" in str(err.value)
    assert "\n" not in str(err.value).strip()


def test_same_words_same_verdict_in_a_fresh_matcher() -> None:
    text = "Expect the money back in roughly a week. Anything else?"
    first = StatementMatcher(tuple(REFUND_TIMING.examples)).find(text)
    again = StatementMatcher(tuple(REFUND_TIMING.examples)).find(text)
    assert first is not None and first == again
