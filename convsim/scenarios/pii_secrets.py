"""PINs, passcodes, passwords, one-time codes and security answers (used by `pii.Scrubber`).

A secret is found by what is said around it: its cue before ("my PIN is 4411", "It texted me
KP-793317", "I set it to 2861 last week") or after ("4411 is my PIN"), or a number said on its
own as the answer to a question ("It's 8784."). Numbers with a shape of their own (cards, ids,
phones) are `pii_detect`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from convsim.scenarios.pii_detect import Span, business_context, cue_before

SECRET_CUE = re.compile(
    r"\b(?:pin|pin code|pin number|passcode|pass code|password|passphrase|pass phrase|"
    r"security (?:code|pin|word|answer|question answer)|answer to (?:my|the|your) security question|"
    r"secret (?:word|answer|code)|"
    r"one[- ]time (?:code|password|passcode|pin)|otp|verification code|auth(?:entication)? code|"
    r"access code|memorable word|(?:mother'?s|mom'?s|mum'?s) maiden name|"
    r"(?:name of )?(?:my )?first pet(?:'?s name)?|"
    r"code (?:we|I|you|they) (?:just )?(?:sent|texted|got|received|emailed)(?: \w+){0,3}|"
    r"code (?:from|in|on|via) (?:the|your|my|this|that) (?:text|sms|message|e-?mail|app|authenticator)"
    r"(?: message)?|(?:login|log-in|sign[- ]in|signin|2fa|two[- ]factor|mfa|sms|confirmation) (?:code|pin)|"
    r"(?:\d|four|five|six|eight)[- ]digit (?:pin|code|passcode|number)|my code|(?:^|[.!?]\s+)code(?=['’]s)|"
    r"(?:got|received|been sent|was sent|sent me|texted me|emailed me|have)\s+(?:a|the|this|that|my)\s+"
    r"(?:\w+\s+)?code|"
    # a code said by how it came ("It texted me KP-793317") or a PIN by when it was set
    r"(?:^|[.!?]\s+)(?:it|they|the (?:app|bank|site|system))\s+(?:just\s+)?"
    r"(?:texted|sent|emailed|messaged)\s+me|"
    r"(?:^|[.!?]\s+)I\s+(?:set|changed|reset)\s+it\s+(?:back\s+)?to|"
    r"cvv2?|cvc2?|card verification (?:code|value|number)|"
    r"code-pin|code secret|geheimzahl|mot de passe|contraseña|clave)"
    r"(?:\s*(?:number|no\.?|#))?(?:['’]s)?(?:\s+(?:for|on|of|to)\s+(?:my|the|your|this)\s+\w+(?:\s+\w+)?)?"
    r"(?:\s+(?:you|we|they|I)\s+(?:just\s+)?(?:sent|texted|gave|got|received|set|chose|picked|"
    r"created|made|use|used|entered|registered|added|have|had)(?:\s+up)?"
    r"(?:\s+me)?)?(?:,?\s*(?:it['’]?s|it is|that['’]?s))?(?:\s*(?:is|was|would be|should be|=|:|to))?"
    r"\s*[:#]?\s*[\"'‘“]?$",
    re.IGNORECASE)
WORD_SECRET_CUE = re.compile(r"\b(?:answer|maiden name|pet|word|password|passphrase|pass phrase|"
                             r"mot de passe|contraseña|clave)\b", re.IGNORECASE)
# "the order code I received": a business code, unless a secret word is said too
BUSINESS_CODE = re.compile(r"\b(?:order|tracking|promo|discount|coupon|voucher|gift|product|confirmation|"
                           r"booking|reference|ref|invoice|ticket|postal|zip|area|country|dial|"
                           r"shipping|return)\s+code\b", re.IGNORECASE)
SECRET_WORD = re.compile(r"\b(?:pin|passcode|pass code|password|otp|one[- ]time|verification|security|"
                         r"auth|access code|memorable|log-?in code|sign[- ]?in code|2fa|two[- ]factor|mfa|"
                         r"cvv|cvc|"
                         r"code (?:from|in|on|via) (?:the|your|my|this|that) "
                         r"(?:text|sms|message|e-?mail|app))",
                         re.IGNORECASE)
# The cue after the digits: "I just got 340765 as the login code", "4411 is my PIN"
SECRET_CUE_AFTER = re.compile(
    r"\s*,?\s*(?:is|was|as|=)\s+(?:the|my|your|a|our)\s+(?:(?:new|latest|current|one[- ]time|login|log-in|"
    r"sign[- ]in|signin|verification|security|access|auth(?:entication)?|2fa|sms|text|temporary|6-digit|"
    r"four-digit|six-digit|\d-digit)\s+){1,2}(?:code|pin|passcode|password)\b|"
    r"\s*,?\s*(?:is|was|as)\s+(?:the|my|your|our)\s+(?:pin|passcode|pin code|otp)\b|"
    r"\s*,?\s*(?:the )?same as (?:my|the|your) (?:\w+ )?(?:pin|passcode|password|pin code)\b|"
    r"\s+(?:by|via|in an?|in the|over) (?:sms|text|text message|e-?mail)\b|"
    r"\s*,?\s*(?:that['’]?s|this is|it['’]?s|is) (?:what|the one that|the code that) (?:just )?(?:came|come|"
    r"arrived|popped up|showed up)(?: through| in| up)?\b", re.IGNORECASE)
# "Just received 879 941, does that work?": a six-digit code just received, said on its own
RECEIVED_CODE = re.compile(r"\b(?:just|I['’]ve|I have|I)\s+(?:just\s+)?(?:received|got)\s+$", re.IGNORECASE)
RECEIVED_VALUE = re.compile(r"\d{3}[ -]?\d{3}(?=\s*(?:[,.?!]|$))")
# Every cue above holds one of these: a text without any has no secret (most lines).
SECRET_HINT = re.compile(r"pin|pass|code|otp|secret|answer|maiden|pet|word|clave|contrase|geheim|digit|"
                         r"set it|changed it|reset it|sent me|texted me|emailed me|messaged me|"
                         r"cvv|cvc|"
                         r"memorable|auth|access|came through", re.IGNORECASE)
# ... or a code said with how it came ("I got 228 163 by SMS", "just received 879 941")
CODE_DIGITS = re.compile(r"\d{3}")
CODE_HINT = re.compile(r"sms|text|mail|received|got", re.IGNORECASE)
SENT_CODE = re.compile(r"code (?:we|I|you|they) (?:just )?(?:sent|texted|got|received|emailed)",
                       re.IGNORECASE)
SET_IT = re.compile(r"\bI\s+(?:set|changed|reset)\s+it\s+(?:back\s+)?to\s*$", re.IGNORECASE)
# what may follow a code said by how it came or when it was set: the clause's end, or when
CODE_END = re.compile(r"\s*(?:[.,;:!?)]|$)|\s+(?:last|yesterday|today|earlier|this|a (?:minute|moment|"
                      r"second|while|few)|an hour|just now|ago|when|after|before|on|if|but|and|so|"
                      r"because|since|I think|please)\b", re.IGNORECASE)
CAME_AS = re.compile(r"\b(?:texted|sent|emailed|messaged)\s+me\s*$", re.IGNORECASE)
QUANTITY_AFTER = re.compile(r"\s*(?:characters?|chars?|digits?|letters?|numbers?|times?|minutes?|mins?|"
                            r"hours?|hrs?|days?|weeks?|seconds?|secs?|attempts?|tries|%|percent|dollars?|"
                            r"euros?|pounds?|[ap]\.?m\b|items?|pieces?|units?|orders?)\b", re.IGNORECASE)
# a password may start with digits ("75wr783"), an ordinal may not ("2nd")
SECRET_VALUE = re.compile(r"\d+(?:[ -]\d+)*(?![\w-])|[^\W\d_][\w-]*|\d+[^\W\d_]+\d[\w-]*")


def find_secrets(text: str) -> Iterator[Span]:
    """PINs, passcodes, passwords, one-time codes and security answers after their cue
    ("my PIN is 4411", "the code we sent: 552 910", "mother's maiden name is Okafor")."""
    if not SECRET_HINT.search(text) and not (CODE_DIGITS.search(text) and CODE_HINT.search(text)):
        return
    for m in SECRET_VALUE.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        if m.group(0)[0].isdigit() and (QUANTITY_AFTER.match(text, m.end())
                                        or m.start() > 0 and text[m.start() - 1] in "$€£"):
            continue  # "change the passcode to 8 characters", "$40"
        if m.group(0)[0].isdigit() and 3 <= len(m.group(0)) <= 12 and SECRET_CUE_AFTER.match(text, m.end()) \
                and not business_context(text, m.start()):
            yield Span(m.start(), m.end(), "secret", m.group(0).lower())
            continue
        if RECEIVED_VALUE.fullmatch(m.group(0)) and RECEIVED_VALUE.match(text, m.start()) \
                and cue_before(RECEIVED_CODE, text, m.start(), 25):
            yield Span(m.start(), m.end(), "secret", m.group(0).lower())
            continue
        if not cue_before(SECRET_CUE, text, m.start(), 50):
            continue
        value = m.group(0)
        window = text[max(0, m.start() - 50):m.start()]
        if BUSINESS_CODE.search(window) and not SECRET_WORD.search(window):
            continue
        if not SECRET_WORD.search(window) and not WORD_SECRET_CUE.search(window) and not re.fullmatch(
                r"\d+(?:[ -]\d+)*", value) and not SENT_CODE.search(window) and not (
                CAME_AS.search(window) and re.fullmatch(r"[A-Z]{1,3}-?\d{4,8}", value)):
            continue  # after a bare "the code I got" only digits are a one-time code ("SAVE20" is not)
        if (SET_IT.search(window) or CAME_AS.search(window)) and not (
                4 <= sum(c.isdigit() for c in value) <= 8 and CODE_END.match(text, m.end())):
            continue  # "I set it to 1500 watts", "They sent me 12 cups": a setting, a quantity
        if len(value) < 2 and not value.isdigit():
            continue  # "the password I received": "I" is no answer
        if not any(c.isdigit() for c in value) and not WORD_SECRET_CUE.search(
                text[max(0, m.start() - 50):m.start()]):
            continue  # a word is a secret only after "answer", "password", "maiden name"...
        if value.lower() in ("is", "was", "the", "my", "a", "it", "that", "yes", "no", "ok"):
            continue
        # a word answer runs to the end of the clause (two words at most: "Fluffy Paws")
        end = m.end()
        nxt = re.match(r" ([A-Z][\w-]+)\b", text[end:])
        if not value[0].isdigit() and nxt:
            end += nxt.end()
        yield Span(m.start(), end, "secret", text[m.start():end].lower())


# A number said on its own as the answer to a question ("It's 8784.", "Okay, 629 933.", "Oh, and
# 96973033, that's the one to use."): in a customer's turn that is a PIN, a code, a phone or an id
# asked for — never a quantity (a unit follows), a year, a price ($) or a business number (cue).
LONE_LEAD = re.compile(r"(?:^|[.!?]\s+)(?:(?:ok(?:ay)?|sure|yes|yeah|yep|right|alright|all right|got it|"
                       r"here it is|here you go|here you are|it['’]?s|it is|that['’]?s|oh|and|so|um|uh|"
                       r"well|ah|hmm|hm|try|(?:let me |I['’]ll )try|or just|"
                       # hedged: "Maybe 4821?", "I think it's 4821.", "It should be 582 019."
                       r"maybe|probably|perhaps|I think|I believe|I guess|(?:it |that )?(?:could|should|"
                       r"would|might) be|(?:the |my )?(?:text|sms|message|app|phone|screen) "
                       r"(?:says|reads|shows)|it says|it reads|it shows|it came up as|"
                       r"(?:here['’]?s|that['’]?s) (?:the|my) (?:number|code|one)|"
                       r"(?:the |my )?number['’]?s|the number(?: is)?(?=\s*:))(?:\s*[,:]\s*|\s+))+$",
                       re.IGNORECASE)
# a lead that names the number itself ("Here's the number: 146040985", "Number's 146040985",
# "The number: 146040985"): any length
LONE_NUMBER_LEAD = re.compile(r"(?:here['’]?s (?:the|my) number|(?:^|[.!?]\s+)(?:the |my )?number['’]?s|"
                              r"(?:^|[.!?]\s+)the number)\s*:?\s*$", re.IGNORECASE)
LONE_VALUE = re.compile(r"(?<![\w:.,/#$€£+-])\d{2,}(?:[ -]\d{2,}){0,4}(?![\w:/-]|[.,]\d)")
LONE_END = re.compile(r"\s*(?:[.!?]|$)")
LONE_TAIL = re.compile(
    r"\s*,?\s*if you need (?:it|that|this|one)\b|"
    r"\s*,?\s*(?:that['’]?s|that is|it['’]?s|this is)\s+(?:the|my)\s+(?:one|pin|code|number|"
    r"passcode|otp|password)\b|\s+(?:if|when)\s+(?:anything|something)\s+comes?\s+up\b", re.IGNORECASE)
# "854325888622 - that's it.", "Try 6872, I think that's it.": a number offered, of no kind named
THATS_IT = re.compile(r"\s*(?:,|\s[-–—])\s*(?:I think |I guess |I believe )?that['’]?s it\b", re.IGNORECASE)

LONE_NOT = re.compile(r"\b(?:order\s*(?:number|no|id|#)|invoice|tracking|reference|ref|confirmation|"
                      r"ticket|booking|reservation|receipt|transaction|parcel|waybill|shipment|promo|"
                      r"coupon|voucher|gift card|total|"
                      r"price|cost|amount|charged?|pay|paid|balance|how many|how much|quantity|size|"
                      r"model|serial|item|product|sku|flight|room|year)s?\b", re.IGNORECASE)


def find_answers(text: str) -> Iterator[Span]:
    """Numbers of 4-14 digits said on their own as an answer (see LONE_LEAD): after a lead word
    and before the sentence's end 4-6 digits (or a phone's trunk 0), any length when named after
    ("..., that's the pin", "... if anything comes up")."""
    for m in LONE_VALUE.finditer(text):
        value = m.group(0)
        n = sum(c.isdigit() for c in value)
        if not 4 <= n <= 14 or (n == 4 and value[:2] in ("19", "20")):
            continue  # a year
        if business_context(text, m.start()):
            continue
        sentence = re.split(r"[.!?]\s", text[max(0, m.start() - 40):m.start()])[-1]
        if THATS_IT.match(text, m.end()) and not LONE_NOT.search(sentence):  # in its own sentence
            yield Span(m.start(), m.end(), "secret", value)
            continue
        if not LONE_TAIL.match(text, m.end()) and not (
                LONE_END.match(text, m.end()) and LONE_LEAD.search(text, max(0, m.start() - 40), m.start())
                and not LONE_NOT.search(text, max(0, m.start() - 40), m.start())
                and (n <= 6 or value[0] == "0" or LONE_NUMBER_LEAD.search(text, max(0, m.start() - 30),
                                                                          m.start()))):
            continue  # "Order number? It's 12345678.", "The total? It's 1500."; a longer number
            # said alone is a PIN-like code or a phone (trunk 0) only ("Here you go: 8404085535": an order?)
        yield Span(m.start(), m.end(), "secret", value)
