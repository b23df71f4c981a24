"""The scrubber on the kinds of gap the ninth probe showed, in sentences written here (none taken
from a probe). Recall: phones after "Best number:", "Or just", or before "works any time after
six" (when to call), written with a slash after the trunk 0's area code ("04/51 22 80 19"); a
number offered with no kind named ("Try 5821, I think that's it.", "Okay it says 330 912.",
"61902740 - that's it.", "Here's the number: 712004981."); handles after "customer number",
"member ID"; ids after an acronym said in capitals (BIS, ITIN, IRD, NHS, INN); a Luhn-valid card
after "Charge", whatever its issuer prefix; a street written name, type word, then number
("Avenida Corrientes 1234", "Ioannou II 17") before its postcode and town, with a seven-digit or an
Argentine CPA postcode; a Korean date of birth "1981. 7. 23." (or "1981년 7월 23일",
"1981年7月23日"). Precision: a barcode's EAN that is Luhn-valid is no card; "that's it" after a
business number, a total or a quantity; a street-type word alone before a number; a year-first
date with no birth cue. Values are random, made for this file with python-stdnum."""

from __future__ import annotations

import re

import pytest

from convsim.scenarios.pii import Scrubber


def _scrub_keeping(text: str, values: list[str]) -> tuple[str, list[str]]:
    """The scrubbed text, and those of `values` still a word of it."""
    scrubber = Scrubber("generalise-ninth")
    scrubber.begin([], [text])
    out = scrubber.scrub(text)
    return out, [v for v in values if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", out, re.IGNORECASE)]


PLANTED_TEXT = """
# phones after a cue before or after them, slashed after the trunk 0
Two flat whites to go. Best number: [0761 234 5581].
Best number: [0489 12 34 56], thanks.
Could you hold it for me? Or just [0612345678].
I'll wait outside. Or simply [9123 4567].
Any refund is fine. [0171 44 92 10] works any time after six.
One chai, please. [6291 8873] is best in the evenings.
My daytime number [0931 620 441], please.
Call me back. Best number: [04/51 22 80 19].
Best number: [0621/334 8802].
[089/21 87 44 65] works any time after six.
# a number offered with no kind named
I'd like to change the lamp I ordered. Try [5821], I think that's it.
Try [0940], that's it.
A small tea. Okay it says [330 912].
Hmm, it says [771204].
Sure. It reads [553 018].
Right, [61902740] - that's it.
I want a refund. [4402918835117] - that's it.
Here's the number: [712004981].
I need it by Friday. Here's my number: [30551872].
Alright. [02291180564] — that's it.
Maybe [4821]?
I think it's [7730].
It should be [582 019].
The text says [660193].
Number's [314077652].
The number: [90412230871].
# handles after a shop's customer cue
Hi, customer number [jvoronova77], can you look me up?
customer number [tkarimov90]
My member ID is [lbertolini04].
Client number: [ahosseini12]. I need the invoice.
Customer ID [omutasa55] please.
My account is [rkaplan84].
Account: [dbenedek07], if that helps.
# ids after an acronym in capitals (BIS, ITIN, IRD, NHS, INN)
They asked for my BIS number, so [02250260467].
BIS number: [57.26.04-940.28]
My ITIN is [951955729].
ITIN [921886280] if you need it for the refund.
The IRD number is [094489156].
NHS number [040 601 0315].
My INN: [925263596750].
# Luhn-valid cards after "Charge", any issuer prefix
Yes, that's right. Charge [3501 2875 7146 4685] please.
Charge [3510206418030292], thanks.
Charge [3377 7880 4025 9524] for both.
Please charge [1804 8950 7759 5477].
Charge [6390 4865 5752 4663] please, not the other one.
# streets written name, type word, number before postcode and town
Ship it to Avenida [Corrientes 1234], [C1043AAZ] Buenos Aires.
Send it to [Ioannou II 17], [3036] Limassol. Thanks!
The billing address is [Herzl Street 21], [6527604] Holon.
Ship it to [Baghramyan Avenue 9], [0019] Yerevan.
Deliver it to [Dizengoff Boulevard 88], [6433222] Tel Aviv.
Ship it to Av. [Rivadavia 5120], [C1424CEP] Caballito.
Deliver to [Chuo Dori 12], [100-0001] Chiyoda.
# Korean dates of birth
One cortado. my DOB is [1981. 7. 23].
Date of birth: [1969. 12. 2].
I was born [2001. 3. 14]. if that matters.
DOB [1975. 10. 30].
My birthday is [1990. 1. 9].
My date of birth is [1981년 7월 23일].
DOB: [1969年12月2日]
"""
LOOKALIKE_TEXT = """
# barcodes and EANs (Luhn-valid ones too) are products
The barcode says 6711892257045.
The EAN is 4006381333931.
Barcode: 5901234123457, same as on the box.
The UPC says 036000291452.
I also want the book with ISBN 9780306406157.
# "that's it" after a business number, a total or a quantity
The total is 1250 - that's it.
Order 84029321 - that's it.
The tracking number is 1Z999AA10123456784 - that's it.
I'll take 2 - that's it.
Invoice 20240518 - that's it.
# near misses of the new cues
My customer number is on the receipt.
Customer number please?
Or just 2 lattes.
Best number of shots is 3.
Take Avenue 5 north, then left.
Order 12, 555-1234 Main.
Table 4, 100-200 seats.
We open 2024. 4. 10. for sure.
The order shipped 2025年3月2日.
It says 2 items in the cart.
I was charged €2,135.00 twice.
Try 2 sugars.
Here's the number of items: 12.
Maybe 2 more?
I think it's 2024.
Probably 1500 dollars.
It should be 3 weeks.
The screen says 404.
I think it's order 48291.
My account is locked.
The account holder is away.
"""


def _sentences(block: str) -> list[tuple[str, list[str]]]:
    """One sentence a line (not the "#" headings); its planted values in [brackets]."""
    return [(line.replace("[", "").replace("]", ""), re.findall(r"\[([^]]+)\]", line))
            for line in block.strip().splitlines() if not line.startswith("#")]


@pytest.mark.parametrize(("text", "values"), _sentences(PLANTED_TEXT) + _sentences(LOOKALIKE_TEXT))
def test_planted_values_leave_and_lookalike_sentences_stay(text: str, values: list[str]) -> None:
    out, kept = _scrub_keeping(text, values)
    assert not kept and (values or out == text), out


def test_slashed_phone_keeps_its_shape() -> None:
    out, _ = _scrub_keeping("Call me back. Best number: 04/51 22 80 19.", [])
    phone = out.removeprefix("Call me back. Best number: ").removesuffix(".")
    assert re.fullmatch(r"\d\d/\d\d \d\d \d\d \d\d", phone) and phone != "04/51 22 80 19", out


def test_a_phone_read_whole_not_its_tail() -> None:
    """One region reads only "1699" of "03/221 1699": the number is replaced whole or not at all."""
    out, _ = _scrub_keeping("03/221 1699 works any time after six.", [])
    assert "221" not in out and "1699" not in out, out


def test_ean_survives_next_to_a_scrubbed_card() -> None:
    out, _ = _scrub_keeping("Charge 3501 2875 7146 4685 please. The barcode says 6711892257045.", [])
    assert out.endswith("The barcode says 6711892257045.") and "3501 2875 7146 4685" not in out, out
