"""Pseudonyms that keep their shape, one pseudonym per value across an ingest, secrets
scrubbed, and no phrasal verb, possessive or product taken wrongly.

Through `convsim ingest --domain` on two user packs worded differently: Kite Mobile
(tests/data/packs/kite, accounts `KM-4xxxx` with a 4-digit PIN; chats from
tests/data/replay) and Harbor Bank (tests/data/packs/bank, phone numbers, dates of
birth); and through the Scrubber's library API for single sentences.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from stdnum import iban, luhn
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.scenarios.pii import PiiConfig, Scrubber

DATA = Path(__file__).resolve().parents[1] / "data"
KITE, BANK = DATA / "packs" / "kite", DATA / "packs" / "bank"
CHATS = DATA / "replay" / "kite_chats.jsonl"
ORIGINAL_ACCOUNTS = {"KM-48812", "KM-47305", "KM-49021", "KM-45560", "KM-46118", "KM-44790"}
ORIGINAL_PINS = {"5590", "1184", "6043", "3371", "9025", "2468"}


def ingest(tmp_path: Path, source: Path, pack: Path) -> Path:
    out = tmp_path / f"ingested-{pack.name}"
    result = CliRunner().invoke(app, ["ingest", str(source), "--format", "openai", "--domain",
                                      str(pack), "--out", str(out)],
                                env={"CONVSIM_PII_SALT": "shapes"})
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def kite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingest(tmp_path_factory.mktemp("kite"), CHATS, KITE)


def test_kite_accounts_keep_the_packs_shape_and_one_pseudonym_each(kite: Path) -> None:
    turns = pl.read_parquet(kite / "turns" / "*.parquet")
    calls = pl.read_parquet(kite / "tool_calls" / "*.parquet")
    text = "\n".join(turns["text"]) + "\n".join(calls["arguments_json"]) + "\n".join(
        calls["result"].fill_null(""))
    for original in ORIGINAL_ACCOUNTS | ORIGINAL_PINS:
        assert original not in text
    # the pack's accounts are KM-4 and four digits: so are the pseudonyms
    said = re.findall(r"KM-\d+", "\n".join(turns["text"]))
    assert said and all(re.fullmatch(r"KM-4\d{4}", a) for a in said)
    verify = calls.filter(pl.col("tool") == "verify_caller")
    for cid, args in verify.select("conversation_id", "arguments_json").iter_rows():
        args = json.loads(args)
        assert re.fullmatch(r"KM-4\d{4}", args["account_number"])
        assert re.fullmatch(r"\d{4}", args["pin"])
        # what the customer typed and what the tool was called with agree
        typed = " ".join(turns.filter(pl.col("conversation_id") == cid)["text"])
        assert args["account_number"] in typed and args["pin"] in typed
    # one production account, one pseudonym across the whole ingest
    per_subscriber = {}
    for args, result in verify.select("arguments_json", "result").iter_rows():
        per_subscriber.setdefault(json.loads(result)["subscriber_id"], set()).add(
            json.loads(args)["account_number"])
    assert len(per_subscriber) == 6 and all(len(v) == 1 for v in per_subscriber.values())


def test_kite_line_numbers_stay_valid_phone_numbers(kite: Path) -> None:
    calls = pl.read_parquet(kite / "tool_calls" / "*.parquet").filter(
        pl.col("tool") == "list_lines")
    numbers = [line["number"] for r in calls["result"] for line in json.loads(r)]
    assert len(numbers) > 10 and not any(n.startswith("773-555-") for n in numbers)
    for n in numbers:
        assert re.fullmatch(r"\d{3}-\d{3}-\d{4}", n)
        assert phonenumbers.is_valid_number(phonenumbers.parse(n, "US")), n


def test_bank_pack_phones_valid_and_customer_keys_kept(tmp_path: Path) -> None:
    out = ingest(tmp_path, BANK / "transcripts.jsonl", BANK)
    calls = pl.read_parquet(out / "tool_calls" / "*.parquet")
    phones = [json.loads(a)["phone"] for a in calls["arguments_json"] if '"phone"' in a]
    raw = [json.loads(line) for line in (BANK / "transcripts.jsonl").read_text().splitlines()]
    raw_phones = [p for r in raw for m in r["messages"] for tc in m.get("tool_calls") or []
                  if (p := json.loads(tc["function"]["arguments"]).get("phone"))]
    assert phones and len(phones) == len(raw_phones)
    assert not set(phones) & set(raw_phones)

    def valid(p: str) -> bool:
        return phonenumbers.is_valid_number(phonenumbers.parse(p, "US"))
    # the bank's made-up numbers are mostly not valid (area codes like 922): a valid one
    # stays valid, an invalid one need not become valid
    assert sum(map(valid, phones)) >= sum(map(valid, raw_phones)) > 0
    assert all(re.fullmatch(r"\d{3}-\d{3}-\d{4}", p) for p in phones)


def scrub(text: str, **config: object) -> str:
    scrubber = Scrubber("unit", PiiConfig.model_validate(config) if config else None)
    scrubber.begin([], [text])
    return scrubber.scrub(text)


@pytest.mark.parametrize("text", [
    "I signed up for the Unlimited plan last month.",
    "Please call me back after five.",
    "I was signed in on the app when it happened.",
    "Hey, so I want to switch to Plus 20GB.",
    "Thanks, that's all for today.",
])
def test_no_phrasal_verb_product_or_opener_is_a_name(text: str) -> None:
    assert scrub(text) == text


@pytest.mark.parametrize(("text", "secret"), [
    ("My PIN is 4411", "4411"),
    ("passcode: 829201", "829201"),
    ("the one-time code is 552910", "552910"),
    ("The verification code you sent is 730 112", "730 112"),
    ("my security answer is Fluffy", "Fluffy"),
    ("my mother's maiden name is Okafor", "Okafor"),
    ("my password is hunter2", "hunter2"),
])
def test_pins_passcodes_codes_and_security_answers_are_scrubbed(text: str, secret: str) -> None:
    out = scrub(text)
    assert secret not in out
    assert len(out) == len(text)  # the same shape (digits for digits)


def test_possessive_names_cued_ids_and_ibans_in_a_list() -> None:
    out = scrub("Hi, I'm calling for Maria's account, and on Dana Whitfield's behalf too.")
    assert "Maria" not in out and "Dana" not in out and "Whitfield" not in out
    assert "'s account" in out
    out = scrub("My national id is 8812034417 and my tax number 77123409X.")
    assert "8812034417" not in out and "77123409X" not in out
    compact, spaced = "DE89370400440532013000", "GB29 NWBK 6016 1331 9268 19"
    out = scrub(f"Two accounts: {compact} {spaced}, and FR1420041010050500013M02606.")
    assert compact not in out and spaced not in out and "FR1420041010050500013M02606" not in out
    fakes = re.findall(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})+(?: ?[A-Z0-9]{1,3})?", out)
    assert len(fakes) == 3 and all(iban.is_valid(f) for f in fakes), out


def test_ids_keep_length_layout_prefix_and_luhn() -> None:
    scrubber = Scrubber("unit", PiiConfig(identifiers={"acct": r"(?<![\w-])4\d{7}(?![\w-])"}))
    scrubber.begin([])
    out = scrubber.scrub("my account number is 41234567")
    fake = out.rsplit(" ", 1)[1]
    assert fake != "41234567" and re.fullmatch(r"4\d{7}", fake)
    # the same number under a tool argument gets the same pseudonym
    assert scrubber.scrub_value({"account_number": "41234567"}) == {"account_number": fake}
    luhn_id = "79927398713"  # Luhn-valid
    out = scrubber.scrub(f"account number: {luhn_id}")
    fake = out.rsplit(" ", 1)[1]
    assert fake != luhn_id and len(fake) == len(luhn_id) and luhn.is_valid(fake)
    out = scrubber.scrub("customer id ACC-20931")
    assert re.fullmatch(r"customer id ACC-\d{5}", out) and "20931" not in out
    email = scrubber.scrub("mail me at dana.w@kite-mail.com")
    assert re.search(r"[\w.+-]+@[\w-]+\.\w+", email) and "dana.w" not in email
