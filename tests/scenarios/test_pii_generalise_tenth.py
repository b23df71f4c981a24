"""The scrubber on the kinds of gap the tenth probe showed, in sentences written here (none taken
from a probe). Recall: romanised Chinese given names (faker's zh_CN/zh_TW romanised lists,
recognition only); a romanised name signing on mid-message ("Minjun Seo here, I rang earlier") or
said after "under" ("It's under Haeun Baek."); a two-word owner after its cue ("using Soyeon Bae's
login"); ids with letters and dashes after an id acronym, "voter ID" or a sentence that is only
"Number ..."; one-time codes said by how they came ("It texted me QX-204518"), PINs by when they
were set ("I set it to 5093 last week"), passwords that start with digits ("password 39kd021");
Malaysian streets ("14 Jalan Ampang"). Precision: year spans after "member"; serial numbers after
"SN"; a gift card's scratch code; shops compared by their deals ("Ben & Jerry's had a better
deal") or named for their ads ("the one from Lowe's ad"). Values are made up here."""

from __future__ import annotations

import re

import pytest

from tests.scenarios.test_pii_generalise_ninth import _scrub_keeping, _sentences

PLANTED_TEXT = """
# a name signing on mid-message, or after "under"
One flat white, please. [Minjun] [Seo] here, I rang earlier.
Thanks for waiting. [Haeun] [Kwon] here - is my order ready?
Sorry about that. [Xiuying] [Zhou] here, calling back.
Can I add a muffin? [Jisoo] [Yoon] here.
Hello again! [Zhiwei] [Luo] here, about the refund.
I'd like a cortado. It's under [Haeun] [Baek].
Two lattes to go. Put it under [Seojun] [Lim], please.
The pickup is under [Xiaoming] [Tan].
# romanised Chinese given names (faker's zh_CN/zh_TW lists), no cue
Can [Jie] pick it up?
Did [Guiying] call you?
Is [Jing] around today?
Does [Yong] have the receipt?
Sure, [Jie] can sign for it.
# a two-word owner after its cue
I'm using [Soyeon] [Bae]'s login today.
Please check [Dongmin] [Kang]'s order.
Can you update [Yuxuan] [Liang]'s address?
# ids with letters and dashes after a cue
The NRT on file should be [K-417203-B].
My NRT is [A-558102-Z].
For the form, my voter ID is [QRT4409183].
Her voter card is [MZB8830125].
The voter ID on file should be [XKL5521904].
Number [W402871553].
Coffee to go. Number [B286614097C].
Number [7731042-9].
Number [G-610294-K].
# codes said by how they came, PINs by when they were set, passwords starting with digits
It texted me [QX-204518].
It texted me [771204].
They sent me [ZT-55821] a minute ago.
The app just texted me [508813].
It emailed me [H-920417].
I set it to [5093] last week.
I changed it to [8-1-8-1] yesterday.
I set it to [40217] when I signed up.
It texted me [4821] just now.
I set it to [6630], I think.
password [39kd021]
My password [81zz730], if you need it.
# Malaysian streets
Deliver to [14 Jalan Ampang], 50450 Kuala Lumpur.
I live at [88 Jalan Sultan Ismail] now.
Send it to [3 Lorong Kulit], 11700 Gelugor.
My address is [120 Jalan Bukit Bintang].
Ship to [7 Persiaran Gurney], 10250 Penang.
"""
LOOKALIKE_TEXT = """
# year spans after "member", serial numbers, gift-card scratch codes
I was a member 2009-2015.
We were members 1998-2004 and loved it.
I was a member 2016-2023, then moved.
Member 2001-2008, a long time ago.
She was a member 2011-2019.
The blender's SN 5521-8830-17 is on the back.
SN 7203-4418-92 is printed under the lid.
The kettle SN 6610-2295-41 needs a repair.
My grinder, S/N 3308-1174-65, broke.
The machine's SN 9014-7723-08 is worn off.
The scratch code on the gift card is 0541-9923.
The scratch code is 0772-3108.
The gift card is 0813-5527.
# shops compared by their deals, or named for their ads
Ben & Jerry's had a better deal.
Moe's had a cheaper price last week.
Wendy's has better deals on Fridays.
Denny's had the best offers.
Auntie Anne's was a better deal.
Is it the one from Lowe's ad?
I saw it in Kohl's flyer.
It was in Macy's weekly ad.
Nathan's specials are better.
# near misses of the new cues
Customer Service here, how can I help?
Thanks. Big Fan here, love the mocha.
It's under New Management.
Do you sell spare parts for Lego Technic?
I set it to 20 degrees.
I changed it to 3 shots.
They sent me 3 boxes instead of 2.
They sent me 1200 cups by mistake.
I set it to 1500 watts.
It texted me 2 reminders.
I set it to 2024 mode.
Wrong PIN 2nd time.
It texted me twice.
They sent me a parcel.
Number 5 is my favourite.
My voter registration is done.
The NRT office is closed.
Jalan means road.
Is Long Beach on the route?
Can Gang members get a discount?
Did Wing Stop close?
The queue was long, so I left.
Does Pan Am still fly there?
"""


@pytest.mark.parametrize(("text", "values"), _sentences(PLANTED_TEXT) + _sentences(LOOKALIKE_TEXT))
def test_tenth_structures_leave_and_lookalikes_stay(text: str, values: list[str]) -> None:
    out, kept = _scrub_keeping(text, values)
    assert not kept and (values or out == text), out


def test_lettered_id_keeps_its_shape() -> None:
    out, kept = _scrub_keeping("The NRT on file should be K-417203-B.", ["K-417203-B"])
    assert not kept and re.search(r"be [A-Z]-\d{6}-[A-Z]\.$", out), out
