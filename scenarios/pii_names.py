"""Person names in free text: a names dictionary, cue words and capitalisation.

Used by `pii.Scrubber`. The dictionary (scenarios/data/names/, built from faker's
person providers in ~25 locales) says which words are first or last names; the
English word list says which of those are also ordinary words ("will", "grace",
"brown"), which then need a cue ("my name is Grace") or a neighbouring name.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "names"

TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?")
# Never names, whatever the dictionary says: function words of the supported languages,
# forms of address without a name, customer-service vocabulary, and brands.
STOP = frozenset("""
a an the and or but nor so yet if then than that this these those there here where when what who whom
which why how is am are was were be been being do does did done have has had having would shall
should can could might must not no yes yeah yep nope ok okay sure fine please thanks thank you
your yours my mine me we us our ours they them their he him his she her hers it its i im to of in on
at by for from with about into over under again also just only still even really very too all any
some every each both either neither none one two three four five six seven eight nine ten hi hello
hey dear bye goodbye welcome sorry regards cheers best sincerely kind warm greetings morning afternoon
evening night day today tomorrow yesterday week month year sir madam maam miss mister team everyone
everybody anyone someone somebody nobody folks guys customer client support service agent bot
assistant representative manager supervisor human person operator staff order orders account card
refund return payment delivery package parcel item items product store shop app website email mail
phone number address name calling call chat help issue problem question thing stuff way time
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december
der die das den dem des ein eine einen einem und oder aber ich du er sie es wir ihr mein meine bin
bist ist sind war hallo danke bitte nicht herr frau le la les un une des et ou mais je tu il elle
nous vous ils elles mon ma mes suis est sont bonjour merci monsieur madame el los las uno una y o
pero yo tu ella nosotros mi mis soy es son hola gracias señor señora il lo gli una e ma io sono
ciao grazie signor signora het een en maar ik jij hij zij wij mijn ben hoi dank meneer mevrouw
da do dos del della van von de du di le
apple samsung galaxy iphone ipad macbook pixel kindle echo alexa nike adidas sony dell lenovo asus
acer xbox playstation nintendo switch bose dyson ikea amazon google microsoft windows android
netflix spotify visa mastercard amex paypal ups fedex dhl usps verizon comcast vodafone airpods
mercedes toyota honda tesla audi bmw volkswagen ford chevrolet nokia huawei xiaomi oneplus
""".split())  # noqa: SIM905

STRONG_CUE = re.compile(
    r"(?:\bmy name is|\bmy name's|\bname is|\bname's|\bname\s*:|\bnamed|\bcall me|\bsigned|"
    r"\bje m[’']appelle|\bmon nom est|\bme llamo|\bmi nombre es|\bich hei(?:ß|ss)e|"
    r"\bmein name ist|\bik heet|\bmijn naam is|\bmi chiamo|\bil mio nome è|\bme chamo|"
    r"\bmeu nome é|\bM\.|\b(?:mr|mrs|ms|miss|mx|dr|prof|herr|frau|monsieur|madame|mme|mlle|señor|"
    r"señora|sr|sra|srta|signor|signora|sig|dhr|mevr)\.?)\s*[:,]?\s+$", re.IGNORECASE)
WEAK_CUE = re.compile(
    r"(?:\bi['’]m|\bi am|\bthis is|\bit['’]s|\bit is|\bhere is|\bhi|\bhello|\bhey|\bdear|"
    r"\bthanks|\bthank you|\bsorry|\bok(?:ay)?|\bwelcome|\bbye|\bgoodbye|\bregards|\bcheers|"
    r"\bbest|\bsincerely|\b(?:speak|spoke|speaking|talk|talked|talking)\s+(?:to|with)|"
    r"\bask(?:ed)? for|\b(?:my|her|his) (?:husband|wife|son|daughter|mother|father|mom|mum|dad|"
    r"brother|sister|partner|friend|colleague|boss)|\bje suis|\bsoy|\bich bin|\bik ben|\bsono|"
    r"\bbonjour|\bhola|\bhallo|\bciao|\bmerci|\bgracias|\bdanke|\bgrazie|\bolá|\bobrigad[oa])"
    r"\s*[:,]?\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    english: frozenset[str]

    def is_name(self, word: str) -> bool:
        w = word.lower()
        return w in self.first or w in self.last

    def ambiguous(self, word: str) -> bool:
        """An ordinary word too (or never a name): needs a cue to count as a name."""
        w = word.lower()
        return w in STOP or w in self.english

    def is_first(self, word: str) -> bool:
        return word.lower() in self.first


def _read(path: Path) -> frozenset[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip() and not line.startswith("#"))


@cache
def lexicon() -> Lexicon:
    """The bundled names dictionary and English word list (loaded once)."""
    return Lexicon(_read(DATA / "first_names.txt"), _read(DATA / "last_names.txt"),
                   _read(DATA / "english_words.txt.gz"))


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


CONTRACTION = re.compile(r"['’](?:m|s|ll|ve|d|re|t)$", re.IGNORECASE)
AFTER_NUMBER = re.compile(r"\d{4,5}\s+$")  # "10115 Berlin": a city after a postcode


def _never(word: str) -> bool:
    return word.lower() in STOP or len(word) < 2 or bool(CONTRACTION.search(word))


def _accept_after_cue(word: str, strong: bool, lex: Lexicon) -> bool:
    if _never(word):
        return False
    if strong:
        return True
    if lex.is_name(word) and not lex.ambiguous(word):
        return True
    return len(word) > 2 and word.lower() not in lex.english


def _accept_next(word: str, first: str, lex: Lexicon) -> bool:
    """Does `word`, right after the name part `first`, continue the name?"""
    if _never(word):
        return False
    if lex.is_name(word) and (_capitalised(word) or not lex.ambiguous(word)):
        return True
    same_case = _capitalised(word) == _capitalised(first)
    return same_case and word.lower() not in lex.english


def _title(word: str) -> bool:
    return len(word) > 2 and word[0].isupper() and word[1:].islower()


def _unknown_pair(text: str, tok: re.Match[str], nxt: re.Match[str], lex: Lexicon) -> bool:
    """Two Title-case words that are neither ordinary words nor brands, mid-sentence
    ("... to Ottoline Featherstonehaugh"): a name the dictionary does not know."""
    a, b = tok.group(0), nxt.group(0)
    if text[tok.end():nxt.start()] != " " or not (_title(a) and _title(b)):
        return False
    if any(w.lower() in STOP or w.lower() in lex.english for w in (a, b)):
        return False
    before = text[:tok.start()].rstrip()
    return bool(before) and before[-1] not in ".!?:\n\"'" and not AFTER_NUMBER.search(before + " ")


def find_names(text: str) -> Iterator[tuple[int, int]]:
    """Spans of person names (one or more words) in `text`."""
    lex = lexicon()
    tokens = list(TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group(0)
        before = text[max(0, tok.start() - 40):tok.start()]
        strong = bool(STRONG_CUE.search(before))
        cued = strong or bool(WEAK_CUE.search(before))
        if cued:
            hit = _accept_after_cue(word, strong, lex)
        elif i + 1 < len(tokens) and _unknown_pair(text, tok, tokens[i + 1], lex):
            yield tok.start(), tokens[i + 1].end()
            i += 2
            continue
        else:  # no cue: a dictionary name that is not also an ordinary word
            hit = (len(word) > 2 and lex.is_name(word) and not lex.ambiguous(word)
                   and not _never(word) and not AFTER_NUMBER.search(before)
                   and (_capitalised(word) or lex.is_first(word)))
        if not hit:
            i += 1
            continue
        end, j = tok.end(), i + 1
        while j < len(tokens) and j - i < 3:
            gap = text[end:tokens[j].start()]
            if gap not in (" ", "-") or not _accept_next(tokens[j].group(0), word, lex):
                break
            end, j = tokens[j].end(), j + 1
        yield tok.start(), end
        i = j


def name_parts(name: str) -> list[str]:
    """The words of a name worth replacing wherever they occur."""
    return [w for w in re.findall(r"[^\W_][\w'’-]*", name or "")
            if len(w) > 1 and w.lower() not in STOP and not w.isdigit()]


def looks_like_person(value: str) -> bool:
    """A short run of name-like words: no digits or underscores, no ordinary English word
    that is not also a name ("Zelda Quixote" yes, "Desk Lamp" and "authenticate" no)."""
    words = TOKEN.findall(value)
    if not 1 <= len(words) <= 4 or re.search(r"[\d_@/]", value):
        return False
    lex = lexicon()
    return all(w.lower() not in STOP and (lex.is_name(w) or w.lower() not in lex.english)
               for w in words)
