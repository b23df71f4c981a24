"""Person names in free text: a names dictionary, cue words and capitalisation.

Used by `pii.Scrubber`. The dictionary (convsim/core/data/names/, built from faker's
person providers in ~25 locales) says which words are first or last names; the
English word list says which of those are also ordinary words ("will", "grace",
"brown"), which then need a cue ("my name is Grace") or a neighbouring name.
Names the dictionary lacks are guessed from case and context: two unknown Title-case
words mid-sentence, an unknown word before a known name, one or two before a verb that
people do ("Ngozi called"), or a sign-on ("meseret demirci here"). Places (`pii_places`)
and words after a determiner ("the Garmin Fenix") are not names without a cue.

Size: over 400 lines because it holds the dictionary lookups and the context rules that
decide ambiguous words belong together (each rule is measured on the probes in tests/data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from convsim.core.names import DATA, english_words, first_names, last_names, read_words
from convsim.scenarios.pii_places import find_places, is_place

# A possessive 's is not part of the word: "calling for Maria's account" names Maria.
TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?(?<!['’][sS])")
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
# Names in the extra locales that are drinks on menus ("Chai Latte") or German words
NOT_NAMES = frozenset(("chai", "masala", "matcha", "boba", "mocha", "latte", "sencha", "oolong", "java",
                       "leider"))
# Nationality adjectives ("English Breakfast"): the word list has lower-case words only. Kept out
# of STOP, which also shapes the pool of fake names (pseudonyms would all shift).
NATIONALITY = frozenset("""
english french german spanish italian dutch irish scottish welsh british american canadian australian
indian chinese japanese korean mexican brazilian portuguese swiss swedish danish norwegian finnish
polish greek turkish russian thai vietnamese
""".split())  # noqa: SIM905

STRONG_CUE = re.compile(
    r"(?:\bmy name is|\bmy name's|\bname is|\bname's|\bname\s*:|\bnamed|\bcall me|\bsigned|"
    r"\bje m[’']appelle|\bmon nom est|\bme llamo|\bmi nombre es|\bich hei(?:ß|ss)e|"
    r"\bmein name ist|\bik heet|\bmijn naam is|\bmi chiamo|\bil mio nome è|\bme chamo|"
    r"\bmeu nome é|\b(?:passengers?|travell?ers?|guests?|account holder|cardholder)\s*\**\s*:"
    r"\s*\**(?:\s*(?:[-*•]|\d+\.))?|\bM\.|\b(?:mr|mrs|ms|miss|mx|dr|prof|herr|frau|monsieur|madame|mme|mlle|señor|"
    r"señora|sr|sra|srta|signor|signora|sig|dhr|mevr)\.?)\s*[:,]?\s+$", re.IGNORECASE)
# "provide your full name (Ama Owusu)"
PAREN_CUE = re.compile(r"\bname\s*\(\s*$", re.IGNORECASE)
# "a drink named Mocha", "a file named Report": "named" after a thing is no cue
THING_NAMED = re.compile(
    r"\b(?:drink|item|product|file|folder|document|song|app|dish|beverage|coffee|tea|latte|option|"
    r"feature|setting|model|device|plan|card|store|shop|restaurant|cafe|company|business|brand|"
    r"street|road|town|city|village|place|game|book|movie|film|show|band|thing|something|anything|"
    r"nothing|dog|cat|pet|horse|boat|ship|network|router|account|project|program|course)s?"
    r"\s+(?:was\s+|is\s+)?(?:named|called)\s*$", re.IGNORECASE)
# "Hope Ojo, a 33-year-old accountant": a person described by their age
AGE_APPOSITION = re.compile(r",\s+(?:a|an)\s+\d{1,3}[- ](?:year|yr)s?[- ]old\b", re.IGNORECASE)
# "a mocha for Nozizwe", "a latte under Bob please": the name an order is for, at its end
ORDER_FOR = re.compile(r"\b(?:for|under)\s+$", re.IGNORECASE)
ORDER_END = re.compile(r"\s*(?:[.!?,]|please\b|thanks?\b|thank you\b|$)", re.IGNORECASE)
# A list under a header of people: every item is a name ("Passengers:\n1. A B\n2. C D").
LABEL_TAIL = (r"(?:[ \t]+(?:on|in|for|of|the|this|that|your|my|our|reservation|booking|trip|flight|"
              r"order|listed|names?|details|are|is))*")
PEOPLE_LIST = re.compile(r"(?:passengers?|travell?ers?|guests?|attendees|names)" + LABEL_TAIL +
                         r"\s*\**\s*:\s*\**[ \t]*\n\s*"
                         r"((?:[ \t]*(?:\d+[.)]|[-*•])[ \t]+[^\n]*\n*)+)", re.IGNORECASE)
# "Passengers: Aarav Ahmed, Daiki Li": every name of the line after such a label
PEOPLE_INLINE = re.compile(r"(?:passengers?|travell?ers?|guests?|attendees|names)\s*\**\s*:\s*\**[ \t]*"
                           r"(?:[^\W\d_][\w'’-]*(?:[ \t]+|[ \t]*,[ \t]*|[ \t]+(?:and|&)[ \t]+))+$",
                           re.IGNORECASE)
PEOPLE_LABEL = re.compile(r"(?:passengers?|travell?ers?|guests?|attendees|names)" + LABEL_TAIL +
                          r"\s*\**\s*:", re.IGNORECASE)
LIST_ITEM = re.compile(r"^[ \t]*(?:\d+[.)]|[-*•])[ \t]+", re.MULTILINE)

# Words before a person's name ("to", "is", "behalf of", "contact"), not before a product.
PERSON_BEFORE = re.compile(r"\b(?:to|from|by|of|is|was|are|am|called|named|contact|ask|asked|tell|told|"
                           r"pay|paid|send|sent|transfer|holder|customer|passenger|member|user|"
                           r"speak to|spoke to|talk to|talked to|cc|dear|hi|hello|thanks|mr|mrs|ms)\s+$",
                           re.IGNORECASE)
RELATIVE_CUE = re.compile(r"\b(?:my|her|his|your|our) (?:husband|wife|son|daughter|mother|father|mom|mum|"
                          r"dad|brother|sister|partner|friend|colleague|boss|companion|spouse|fianc[ée]e?|"
                          r"child|kid|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|"
                          r"uncle|aunt|niece|nephew|cousin|roommate|flatmate|neighbou?r|"
                          r"stepson|stepdaughter|girlfriend|boyfriend|carer|caregiver)\s*,?\s+$",
                          re.IGNORECASE)
WEAK_CUE = re.compile(
    r"(?:\bi['’]m|\bi am|\bthis is|\bit['’]?s|\bit is|\bhere is|\bhi|\bhello|\bhey|\bdear|"
    r"\bthanks|\bthank you|\bsorry|\bok(?:ay)?|\bwelcome|\bbye|\bgoodbye|\bregards|\bcheers|"
    r"\bbest|\bsincerely|\b(?:speak|spoke|speaking|talk|talked|talking)\s+(?:to|with)|"
    r"\bask(?:ed)? for|\b(?:let|tell|told|ask|thank|cc|ping|text|email)|"
    r"\b(?:my|her|his|your) (?:husband|wife|son|daughter|mother|father|mom|mum|dad|"
    r"brother|sister|partner|friend|colleague|boss|companion|spouse|fianc[ée]e?|child|kid|"
    r"grandson|granddaughter|grandmother|grandfather|grandma|grandpa|uncle|aunt|niece|nephew|"
    r"cousin|roommate|flatmate|neighbou?r|stepson|stepdaughter|girlfriend|boyfriend|carer|caregiver)|"
    r"\bje suis|\bsoy|\bich bin|\bik ben|\bsono|"
    r"\bbonjour|\bhola|\bhallo|\bciao|\bmerci|\bgracias|\bdanke|\bgrazie|\bolá|\bobrigad[oa])"
    r"\s*[:,]?\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    english: frozenset[str]
    # names of the other faker locales: recognised, but `first`/`last` (the pseudonym pool, the
    # probe builders, mining) stay the main lists
    more_first: frozenset[str] = frozenset()
    more_last: frozenset[str] = frozenset()

    def is_name(self, word: str) -> bool:
        w = word.lower()
        return w in self.first or w in self.last or w in self.more_first or w in self.more_last

    def is_last(self, word: str) -> bool:
        w = word.lower()
        return w in self.last or w in self.more_last

    def ambiguous(self, word: str) -> bool:
        """An ordinary word too (or never a name): needs a cue to count as a name."""
        w = word.lower()
        return w in STOP or w in self.english

    def is_first(self, word: str) -> bool:
        return word.lower() in self.first or word.lower() in self.more_first


@cache
def lexicon() -> Lexicon:
    """The bundled names dictionary and English word list (loaded once)."""
    # names of the other faker locales, less towns of the gazetteer ("Atlanta") and ordinary
    # words of any language (faker's lorem word lists: "campo", "main", "kniha") or of English
    # ("Lavender Earl Grey" on a coffee menu is a tea, not a person)
    words = _lorem_words() | NOT_NAMES | english_words()
    more = [frozenset(w for w in read_words(DATA / f"{kind}_names_extra.txt")
                      if w not in words and not is_place(w)) for kind in ("first", "last")]
    return Lexicon(first_names(), last_names(), english_words(), more[0], more[1])


def _lorem_words() -> frozenset[str]:
    import importlib
    import pkgutil

    import faker.providers.lorem as lorem

    out: set[str] = set()
    for module in pkgutil.iter_modules(lorem.__path__):
        provider = importlib.import_module(f"faker.providers.lorem.{module.name}").Provider
        out.update(w.lower() for w in getattr(provider, "word_list", ()))
    return frozenset(out)


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


# Before a product or a thing, not a person: "the Garmin Fenix", "meine Kaffeemaschine".
DETERMINER = re.compile(
    r"\b(?:the|a|an|my|your|our|their|this|that|these|those|his|its|some|any|new|old|die|der|das|den|"
    r"dem|ein|eine|einen|einem|mein|meine|meinen|le|la|les|un|une|mon|ma|mes|el|los|las|il|lo|gli|het|"
    r"een|mijn|os|um|uma|meu|minha)\s+$", re.IGNORECASE)
PLACE_PREP = re.compile(r"\b(?:in|from|to|at|near|via|into|around|outside|nach|aus|von|à|en|desde|"
                        r"naar|uit|em|para)\s+$", re.IGNORECASE)
# What people do in a customer's story, and things do not: "Ngozi called", "Adebayo Dvorak said".
AGENT_VERB = frozenset("""
said says called calls told tells asked asks rang emailed wrote placed ordered paid bought wants
wanted needs needed thinks thought mentioned explained promised signed received picked booked
complained spoke talked phoned texted messaged replied answered confirmed agreed forgot insisted
""".split())  # noqa: SIM905
SPOKEN_DOMAIN = re.compile(r"\s+dot\s+[a-z]{2,3}\b", re.IGNORECASE)  # "otto dot de": a shop
CONTRACTION = re.compile(r"['’](?:m|s|ll|ve|d|re|t)$", re.IGNORECASE)
# What things are for: "spare parts for Lego Technic", "a charger compatible with Anker Nano"
PRODUCT_FOR = re.compile(r"\b(?:parts?|spares?|accessor(?:y|ies)|cases?|covers?|chargers?|cables?|"
                         r"batter(?:y|ies)|straps?|bands?|lids?|refills?|replacements?|filters?|"
                         r"manuals?|firmware|drivers?|compatible|fits?|adapters?|pods?|capsules?|"
                         r"cartridges?|blades?|heads?|brushes|screen protectors?)\s+(?:for|with)\s+$",
                         re.IGNORECASE)
AFTER_NUMBER = re.compile(r"\d{4,5}\s+$")  # "10115 Berlin": a city after a postcode


# Particles of phrasal verbs: after "signed", "call me", "named"... they end the verb,
# they are not a name ("signed up for", "call me back").
PARTICLE = frozenset(("up", "down", "out", "off", "on", "in", "over", "back", "away", "along",
                      "around", "through", "about", "for", "into", "onto", "upon"))


def _never(word: str) -> bool:
    w = word.lower()
    return (w in STOP or w in NATIONALITY or w in PARTICLE or len(word) < 2
            or bool(CONTRACTION.search(word)) or any(c.isdigit() for c in word))


def _accept_after_cue(word: str, strong: bool, lex: Lexicon, relative: bool = False) -> bool:
    if _never(word):
        return False
    if strong or relative and _capitalised(word) and lex.is_name(word):
        return True  # "my wife Maria": a name that is also a word, after a relation
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


def _title(word: str, shortest: int = 3) -> bool:
    """Title case, each part of a compound too ("Okafor", "Ni-Bhriain", "O'Sullivan")."""
    if len(word) < shortest or not word[0].isupper():
        return False
    if "'" not in word and "’" not in word and "-" not in word:
        return word[1:].islower()  # the common case, without a split
    parts = re.split(r"['’-]", word)
    return parts[0][1:].islower() and all(
        p[1:].islower() or not p[1:] for p in parts[1:] if p)


def _unknown(word: str, lex: Lexicon) -> bool:
    """Neither an ordinary word, a brand, nor a known name: maybe a name the dictionary lacks."""
    w = word.lower()
    return w not in STOP and w not in lex.english and not lex.is_name(w)


def _reads_english(text: str, lex: Lexicon) -> bool:
    """Most lower-case words are English: capitals then mark proper nouns (not German nouns)."""
    words = [w for w in TOKEN.findall(text) if w.islower() and len(w) > 1]
    return len(words) >= 2 and sum(w in lex.english for w in words) >= 0.75 * len(words)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n\"'(-–"


def _guess_unknown(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> int:
    """How many tokens from `i` make a name no dictionary knows (0: none), judged by case
    and context: "... to Ottoline Featherstonehaugh", "Ottoline Featherstonehaugh called",
    "Yesterday Ngozi told me"."""
    tok = tokens[i]
    known = lex.is_name(tok.group(0)) and not _never(tok.group(0))  # "Amir", "Maria": also words
    if not (_title(tok.group(0)) and (_unknown(tok.group(0), lex) or known)):
        return 0
    before = text[max(0, tok.start() - 30):tok.start()]
    if DETERMINER.search(before) or AFTER_NUMBER.search(before) or PRODUCT_FOR.search(before):
        return 0
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    # the second word unknown too, or a known name ("Mei Lee": "lee" is also a word)
    pair = nxt is not None and text[tok.end():nxt.start()] == " " and _title(nxt.group(0), 2) \
        and nxt.group(0).lower() not in STOP and (
            nxt.group(0).lower() not in lex.english or lex.is_name(nxt.group(0))) \
        and not (is_place(tok.group(0)) and is_place(nxt.group(0)))
    # a known name only before a word no dictionary has ("Amir Abdurahmonov")
    if not _unknown(tok.group(0), lex) and not (pair and nxt is not None and _unknown(nxt.group(0), lex)):
        return 0
    # a pair with a word that is also a name or a word ("Mei Lee", "White Backlight", "Ceylon
    # Black Tea") only where people are spoken of
    relaxed = pair and nxt is not None and not (_unknown(tok.group(0), lex) and _unknown(nxt.group(0), lex))
    third = tokens[i + 2] if pair and i + 2 < len(tokens) else None
    acts = third is not None and nxt is not None and text[nxt.end():third.start()] == " " \
        and third.group(0).lower() in AGENT_VERB  # "Ottoline Smith called"
    if relaxed and not PERSON_BEFORE.search(before) and not acts:
        pair = False
        if not _unknown(tok.group(0), lex):
            return 0
    start = _sentence_start(text, tok.start())
    after = tokens[i + (2 if pair else 1)] if i + (2 if pair else 1) < len(tokens) else None
    gap = text[(nxt if pair and nxt else tok).end():after.start()] if after else ""
    agent = after is not None and gap == " " and after.group(0).lower() in AGENT_VERB
    if pair and (not start or agent and _reads_english(text, lex)):
        return 2
    if not pair and agent and _reads_english(text, lex):
        return 1
    return 0


def _extend_back(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> int:
    """An unknown Title-case word right before a known name is its first part ("Abebe Smith")."""
    if i == 0 or text[tokens[i - 1].end():tokens[i].start()] != " ":
        return i
    prev = tokens[i - 1].group(0)
    if _title(prev) and (_unknown(prev, lex) or lex.is_name(prev) and not _never(prev)) \
            and not _sentence_start(text, tokens[i - 1].start()) and not any(
            p.search(text[max(0, tokens[i - 1].start() - 30):tokens[i - 1].start()])
            for p in (DETERMINER, PRODUCT_FOR)):
        return i - 1
    return i


HERE_END = re.compile(r"\s*(?:,|[.!]|\s[-–—])")  # "Jie Wan here, I called yesterday"


def _sign_on(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> int:
    """'meseret demirci here, ...' at the start of a message: a name the dictionary lacks."""
    if not any(i + n < len(tokens) and tokens[i + n].group(0).lower() == "here" for n in (2, 1)):
        return 0  # most tokens: no "here" after them
    first = not text[:tokens[i].start()].strip()
    if not first and not (_sentence_start(text, tokens[i].start()) and _title(tokens[i].group(0), 2)):
        return 0
    for n in (2, 1):
        run = tokens[i:i + n + 1]
        if len(run) == n + 1 and run[-1].group(0).lower() == "here" and all(
                text[a.end():b.start()] == " " for a, b in zip(run, run[1:], strict=False)) and all(
                not _never(t.group(0)) and (t.group(0).lower() not in lex.english or lex.is_name(t.group(0))
                                            # "Jie Wan here": a surname that is also a word
                                            or k == 1 and _title(t.group(0), 2) and not first
                                            and run[0].group(0).lower() not in lex.english)
                for k, t in enumerate(run[:-1])) and (first or HERE_END.match(text, run[-1].end())):
            return n
    return 0


OWNED = re.compile(r"['’]s\s+(?:account|line|card|phone|number|order|plan|subscription|profile|"
                   r"behalf|details|booking|reservation|policy|contract|sim|bill|address|email|"
                   r"payment|refund|delivery|appointment|claim|loan|mortgage|pension|prescription|"
                   r"membership|password|pin|login|records?|file|ticket|flight|passport|statement|"
                   r"balance|wallet|direct debit|tariff|meter|insurance|parcels?|packages?|"
                   r"shipments?|loyalty points|points|tab|standing order)\b", re.I)
# what people do with someone else's account ("check Olusegun's order", "regarding Thandiwe's")
OWNER_CUE = re.compile(r"\b(?:for|of|on|about|from|to|access|into|in|regarding|re|with|under|check|"
                       r"update|change|cancel|close|open|view|see|manage|reset|unlock|block|freeze|"
                       r"verify|confirm|add|remove|use|using|used|pull up|look up|find|is|was|"
                       r"at|onto|transfer|move|renew|pay|paying|paid|handle|handling)\s+$", re.I)


# what only a person has: "It was Akemi's idea", "Mark's wife called"
PERSON_OWNED = re.compile(r"['’]s\s+(?:idea|fault|decision|choice|suggestion|call|wife|husband|partner|"
                          r"son|daughter|mother|father|mum|mom|dad|sister|brother|kids?|children|"
                          r"boyfriend|girlfriend|fianc[ée]e?|birthday|name|signature|consent|"
                          r"permission|luggage|bags?|suitcase|seat|trip|visa|boarding pass|drinks?|coffee|"
                          r"usual|desk|lunch|breakfast)\b", re.I)
# A shop named after its founder: "cheaper at Kohl's though", "from Trader Joe's", "Lowe's website".
# Said bare after "at"/"from"/"than" (nothing owned follows), or owning what only shops have.
SHOP_WORDS = ("stores? shops? website site app locations? branch(?:es)? outlets? rewards receipts? online "
              "pharmacy bakery deli café cafe restaurant brand catalog(?:ue)? checkout self-checkout aisles? "
              "coupons? parking.lot customer.service own.brand gift.cards? ads? flyers? circulars? "
              "weekly.ad specials deals prices")
SHOP_OWNED = re.compile(r"['’]s\s+(?:" + SHOP_WORDS.replace(" ", "|") + r")\b", re.I)
SHOP_BEFORE = re.compile(r"\b(?:at|from|than|like|near|outside|inside|to|in)\s+(?:([A-Z][\w'’-]*)\s+)?$")
SHOP_BARE = re.compile(r"['’]s(?:\s*(?:[.,;:!?)]|$)|\s+(?:though|too|instead|again|now|today|tonight|"
                       r"yesterday|anymore|either|and|or|but|is|was|has|had|sells?|sold|does|did)\b)")


# a shop compared by what it offers, no noun after it: "Ben & Jerry's had a better deal"
SHOP_BETTER = re.compile(r"['’]s\s+(?:had|has|have|got|is|was|were)\s+(?:a\s+|the\s+)?(?:much\s+)?"
                         r"(?:better|cheaper|lower|best|bigger)\s+(?:deals?|prices?|offers?|sales?|"
                         r"selection|discounts?|coupons?|promos?|specials)\b", re.I)


def shop_possessive(text: str, start: int, end: int, lex: Lexicon) -> bool:
    """The Title-case word at text[start:end] names a shop, not a person (see SHOP_BEFORE); a
    first name before it makes it a person's home ("staying at Maria Lopez's")."""
    if SHOP_OWNED.match(text, end) or SHOP_BETTER.match(text, end):
        return True
    before = SHOP_BEFORE.search(text[max(0, start - 30):start]) if SHOP_BARE.match(text, end) else None
    return before is not None and not (before.group(1) and lex.is_first(before.group(1)))


def _possessive_owner(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> int:
    """"calling for Maria's account", "It was Akemi's idea", "Miki Ogawa's refund": a Title-case
    word owning an account or what only people have. How many words the owner has (0: none)."""
    tok = tokens[i]
    word = tok.group(0)
    if not (_title(word) and not _never(word) and (lex.is_name(word) or _unknown(word, lex))):
        return 0
    if PERSON_OWNED.match(text, tok.end()) and not _sentence_start(text, tok.start()):
        return 1
    if not OWNED.match(text, tok.end()) and not PERSON_OWNED.match(text, tok.end()):
        return 0
    if OWNER_CUE.search(text[max(0, tok.start() - 20):tok.start()]):
        return 1
    # "cancel Tao Gong's standing order", "using Lei Svea's login": the cue before the first name
    if i and text[tokens[i - 1].end():tok.start()] == " " and _title(tokens[i - 1].group(0), 2) \
            and not _never(tokens[i - 1].group(0)) and tokens[i - 1].group(0).lower() not in STOP \
            and (lex.is_name(word) or _unknown(tokens[i - 1].group(0), lex)) \
            and OWNER_CUE.search(text[max(0, tokens[i - 1].start() - 20):tokens[i - 1].start()]):
        return 2
    # a full name owning it: two Title-case words, neither an ordinary word ("Harto Halim's flight")
    if i and text[tokens[i - 1].end():tok.start()] == " ":
        prev = tokens[i - 1].group(0)
        if _title(prev) and not _never(prev) and (_unknown(prev, lex) or lex.is_name(prev)) \
                and prev.lower() not in lex.english and word.lower() not in lex.english:
            return 2
    return 0


def _listed(text: str) -> set[int]:
    """Where the items of a list of people start."""
    starts: set[int] = set()
    for m in PEOPLE_LIST.finditer(text):
        starts.update(m.start(1) + item.end() for item in LIST_ITEM.finditer(m.group(1)))
    return starts


def _described(text: str, tokens: list[re.Match[str]], lex: Lexicon) -> Iterator[tuple[int, int]]:
    """"Hope Ojo, a 33-year-old accountant": up to three Title-case words before the age."""
    for m in AGE_APPOSITION.finditer(text):
        run = [t for t in tokens if t.end() <= m.start()][-3:]
        words: list[re.Match[str]] = []
        for t in reversed(run):
            after = words[0].start() if words else m.start()
            if text[t.end():after] != ("" if not words else " ") or not _title(t.group(0), 2) \
                    or _never(t.group(0)):
                break
            if is_place(t.group(0)) or not (lex.is_name(t.group(0)) or _unknown(t.group(0), lex)):
                # a first name that is also a word, right after a label or "you are": "Rein Greco"
                if words and len(words) == 1 and INTRO.search(text[max(0, t.start() - 12):t.start()]):
                    words.insert(0, t)
                break
            words.insert(0, t)
        if words:
            yield words[0].start(), words[-1].end()


# Where a character is introduced: after a label, a line start, "you are", "I am".
INTRO = re.compile(r"(?:^|[:*\n]|\byou are|\bi am|\bi['’]m)\s*$", re.IGNORECASE)
# "You are Cook Best in zipcode 5111": a full name right after "you are" (persona briefs)
YOU_ARE = re.compile(r"\byou are\s+$", re.IGNORECASE)
# "Thank you for your patience, Yuki.": a name called at the end of a clause
VOCATIVE_END = re.compile(r"\s*(?:[.!?]|$)")
# ... in a clause that speaks to someone ("Thanks for that, Ngaio."; not "the decaf., Macchiato.")
ADDRESSING = re.compile(r"(?:^|[.!?\n]\s)[^.!?\n]*?\b(?:thanks|thank you|sorry|hi|hello|hey|dear|"
                        r"certainly|sure|no problem|of course|ok(?:ay)?|great|yes|welcome|bye|goodbye|"
                        r"appreciate|alright|absolutely|perfect|got it|understood|cheers|"
                        r"good (?:morning|afternoon|evening|night))\b[^.!?\n]*,\s$", re.IGNORECASE)
# "Is Shirin still handling my complaint?": someone at work, after a sentence-initial auxiliary
AUX_START = re.compile(r"(?:^|[.!?]\s+|\n)(?:is|was|has|did|does|can|could|will|would|should|"
                       r"have|isn['’]t|wasn['’]t|hasn['’]t)\s+$", re.IGNORECASE)
AT_WORK = re.compile(r"\s+(?:still\s+|already\s+|not\s+)?(?:handling|dealing with|looking into|"
                     r"helping|managing|in charge|on leave|on holiday|on vacation|in the office|"
                     r"back from|working on|taking care)\b", re.IGNORECASE)
# A name of a list ends where a field or separator follows: "Name: Dossetti Made | Phone: ..."
FIELD_END = re.compile(r"\s*(?:[|,;(\n]|$| [-–] )")
# "Your name is Nadia Rode.": a surname that is also a word ends the sentence after a strong cue
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
AND_FIELD = re.compile(r"\s+and\s+(?:my|your|his|her|their|the)\b", re.IGNORECASE)
# "your upcoming Houston to Denver trip": a place word that is also a surname, in a route
ROUTE_NEXT = re.compile(r"\s+(?:to|-|–|and)\s+([A-Z][\w'’.-]+)")
COORD = re.compile(r"^\s*(?:and|&)\s+$", re.IGNORECASE)


def _person_word(word: str, lex: Lexicon, place_ok: bool = False) -> bool:
    """Title case, no function word or place, and a name or a word no dictionary knows."""
    return (_title(word, 2) and not _never(word) and (place_ok or not is_place(word))
            and (lex.is_name(word) or _unknown(word, lex)))


def _context_name(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon, last_end: int) -> int:
    """Names told apart by the sentence around them, not by the dictionary: "you are Cook Best",
    "..., Yuki.", "Harita Terence and Daiki Li", "Wolfram said", "Is Shirin still handling"."""
    tok, word = tokens[i], tokens[i].group(0)
    if not word[:1].isupper() or _never(word):
        return 0
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    before = text[max(0, tok.start() - 30):tok.start()]
    spaced = nxt is not None and text[tok.end():nxt.start()] == " "
    if spaced and before.endswith(" ") and YOU_ARE.search(before) and nxt is not None and _title(word) \
            and _person_word(word, lex, place_ok=True) and _title(nxt.group(0)) \
            and (_person_word(nxt.group(0), lex, place_ok=True) or lex.is_name(nxt.group(0))) \
            and not (i + 2 < len(tokens) and text[nxt.end():tokens[i + 2].start()] == " "
                     and _title(tokens[i + 2].group(0))):
        return 2
    if last_end >= 0 and COORD.match(text[last_end:tok.start()]) and _person_word(word, lex):
        return 2 if spaced and nxt is not None and _person_word(nxt.group(0), lex) else 1
    if before.endswith(", ") and _title(word) and _unknown(word, lex) and not is_place(word) \
            and VOCATIVE_END.match(text, tok.end()) \
            and ADDRESSING.search(text[max(0, tok.start() - 80):tok.start()]):
        return 1
    if _sentence_start(text, tok.start()) and lex.is_first(word) and _title(word) and not _never(word) \
            and spaced and nxt is not None and nxt.group(0).lower() in AGENT_VERB \
            and _reads_english(text, lex):
        return 1
    if AUX_START.search(text[max(0, tok.start() - 12):tok.start()]) and _title(word) \
            and _unknown(word, lex) and not is_place(word) and AT_WORK.match(text, tok.end()):
        return 1
    return 0


def _order_for(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> int:
    """"a mocha for Nozizwe": an unknown Title-case word after "for"/"under" ending the order."""
    tok = tokens[i]
    if not (_title(tok.group(0)) and ORDER_FOR.search(text[max(0, tok.start() - 8):tok.start()])
            and (_unknown(tok.group(0), lex) or lex.is_name(tok.group(0)) and not _never(tok.group(0)))
            and not is_place(tok.group(0))):
        return 0
    if ORDER_END.match(text, tok.end()):
        return 1
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None  # "It's under Ujin Lee."
    return 2 if nxt is not None and text[tok.end():nxt.start()] == " " and _unknown(tok.group(0), lex) \
        and _title(nxt.group(0), 2) and (lex.is_name(nxt.group(0)) or _unknown(nxt.group(0), lex)) \
        and not _never(nxt.group(0)) and ORDER_END.match(text, nxt.end()) \
        and not PRODUCT_FOR.search(text[max(0, tok.start() - 30):tok.start()]) else 0


def _full_name(text: str, tokens: list[re.Match[str]], i: int, lex: Lexicon) -> bool:
    """A first name then a last name, both Title case, where people are spoken of ("to Jack
    Hunt", "holder is Amber Brooks"), even when both are also ordinary words ("Earl Grey" is not)."""
    tok, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
    return (nxt is not None and text[tok.end():nxt.start()] == " " and _title(tok.group(0))
            and _title(nxt.group(0)) and lex.is_first(tok.group(0))
            and bool(PERSON_BEFORE.search(text[max(0, tok.start() - 30):tok.start()]))
            and lex.is_last(nxt.group(0)) and not _never(nxt.group(0))
            and not _sentence_start(text, tok.start()) and not is_place(nxt.group(0)))


def _route(text: str, end: int) -> bool:
    m = ROUTE_NEXT.match(text, end)
    return m is not None and is_place(m.group(1))


def find_names(text: str) -> Iterator[tuple[int, int]]:
    """Spans of person names (one or more words) in `text`."""
    lex = lexicon()
    tokens = list(TOKEN.finditer(text))
    places = list(find_places(text))
    people = PEOPLE_LABEL.search(text) is not None  # lists of people: only where a label is
    listed = _listed(text) if people else set()
    yield from _described(text, tokens, lex)
    i, last_end = 0, -1
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group(0)
        before = text[max(0, tok.start() - 40):tok.start()]
        line = text[max(text.rfind("\n", 0, tok.start()) + 1, tok.start() - 120):tok.start()] \
            if people else ""
        strong = (bool(STRONG_CUE.search(before))
                  or before.rstrip().endswith("(") and bool(PAREN_CUE.search(before))
                  or tok.start() in listed or people and bool(PEOPLE_INLINE.search(line))) \
            and not THING_NAMED.search(before)
        cued = strong or bool(WEAK_CUE.search(before))
        if not strong and shop_possessive(text, tok.start(), tok.end(), lex):
            i += 1
            continue
        place = next(((s, e) for s, e in places if s <= tok.start() < e), None)
        if place and not strong:  # "Costa Rica", "Dar es Salaam": never a name without a cue
            while i < len(tokens) and tokens[i].start() < place[1]:
                i += 1
            continue
        owner = 0 if cued else _possessive_owner(text, tokens, i, lex)
        hit = cued and _accept_after_cue(word, strong, lex, bool(RELATIVE_CUE.search(before))) \
            or owner > 0
        if not hit and (n := _sign_on(text, tokens, i, lex) or _guess_unknown(text, tokens, i, lex)
                        or _order_for(text, tokens, i, lex) or _context_name(text, tokens, i, lex, last_end)):
            yield tok.start(), tokens[i + n - 1].end()
            last_end = tokens[i + n - 1].end()
            i += n
            continue
        if not hit and not cued:  # a dictionary name (not also a word, or a full name), no thing or place
            short = before[-30:]
            hit = (len(word) > 2 and lex.is_name(word)
                   and (not lex.ambiguous(word) or _full_name(text, tokens, i, lex))
                   and not (word.isupper() and len(word) <= 4)  # "BOS", "MIA": codes
                   and not _never(word) and not AFTER_NUMBER.search(before)
                   and (_capitalised(word) or lex.is_first(word))
                   and not DETERMINER.search(short) and not PRODUCT_FOR.search(short)
                   and not SPOKEN_DOMAIN.match(text, tok.end())
                   and not (is_place(word) and (PLACE_PREP.search(short) or _route(text, tok.end()))))
        if not hit:
            i += 1
            continue
        first = tokens[i - 1 if owner == 2 else _extend_back(text, tokens, i, lex) if not cued else i]
        end, j = tok.end(), i + 1
        while j < len(tokens) and j - i < 3:
            gap = text[end:tokens[j].start()]
            nxt = tokens[j].group(0)
            closes = FIELD_END.match(text, tokens[j].end()) or j == i + 1 and (
                SENTENCE_END.match(text, tokens[j].end()) or AND_FIELD.match(text, tokens[j].end()))
            # after a strong cue, a surname that is also a word ("Your name is Övün Seven and your
            # email ..."), or one typed in lower case ("Simola volk"), closing the name
            surname = strong and not _never(nxt) and closes and (
                _title(nxt, 2) or j == i + 1 and nxt.islower() and len(nxt) > 2
                and nxt not in lex.english and _capitalised(word))
            if gap not in (" ", "-") or not (_accept_next(nxt, word, lex) or surname):
                break
            end, j = tokens[j].end(), j + 1
        yield first.start(), end
        last_end = end
        i = j


USER_ID = re.compile(r"(?<![\w@.])(?<!\w['’])"  # "'mia_kim_4397'" quoted, not "o'brien_..."
                     r"([^\W\d_]+(?:['’][^\W\d_]+)*(?:[-_.][^\W\d_]+(?:['’][^\W\d_]+)*)*)_"
                     r"(?:[^\W\d_]+_)?(\d{2,6})(?![\w@])")
# the handle a shop knows a customer by: "username", "customer number aabdalyan91", "member ID"
_HANDLE_CUE = (r"\b(?:user\s*id|username|user name|login|log(?:ged)? in as|sign(?:ed)? in as|handle|"
               r"(?P<shop>(?:customer|client|member|account|shopper)"
               r"(?P<named>\s*(?:number|no\.?|id|handle))?))\b\W{0,6}"
               r"(?:is\W+)?")
USER_ID_CUE = re.compile(_HANDLE_CUE + "$", re.IGNORECASE)
# A handle right after these is a shop's code, not a person's id
CODE_CUE = re.compile(r"\b(?:promo(?:tion(?:al)?)?|discount|coupon|voucher|referral|gift|offer|deal|"
                      r"campaign|code)s?\b(?:\s+(?:code|number|no\.?))?\s*(?:is|was|:|#)?\s*[\"'‘“]?$",
                      re.IGNORECASE)
NOT_IN_IDS = frozenset(("card", "gift", "credit", "debit", "certificate", "paypal", "bank", "account",
                        "order", "item", "product", "voucher", "coupon", "test", "user", "admin"))


# Any handle right after a user-id cue: "Username: florinda-candia", "my login is k.novak"
CUED_HANDLE = re.compile(_HANDLE_CUE + r"(?P<id>[^\W_][\w.-]*[^\W_])(?![\w@-])", re.IGNORECASE)
# Who the customer is on the app: "I'm CX-306676 on the app" (a handle with a digit or a separator)
ON_APP = re.compile(r"\b(?:I['’]?m|I am)\s+(?=[\w.-]{4})"
                    r"(?P<id>[^\W_][\w.-]*\d[\w.-]*|[^\W_]+[._-][\w.-]*[^\W_])"
                    r"(?=\s+(?:on|in) (?:the|your) (?:app|site|website)\b)", re.IGNORECASE)


def find_user_ids(text: str) -> Iterator[tuple[int, int]]:
    """Ids built from a person's name ("mia_kim_4397", "marja-liisa_heikkinen_5380"): the
    words are names or words no dictionary knows, none an ordinary English word; after a
    user-id cue, any handle that is not an ordinary word."""
    lex = lexicon()
    yield from ((m.start("id"), m.end("id")) for m in ON_APP.finditer(text))
    for m in CUED_HANDLE.finditer(text):
        handle = m.group("id")
        plain = handle.lower()
        if m.group("shop") and not (re.search(r"[a-z]{3}", handle)
                                    and (m.group("named") or re.search(r"\d", handle))):
            continue  # "account number 79927398713", "customer id ACC-20931": the shop's numbers;
            # "my account is locked" (after a bare "account" only a handle with a digit)
        if len(handle) >= 3 and plain not in STOP and (re.search(r"[\d._-]", handle) or (
                plain not in lex.english or lex.is_name(handle))):
            yield m.start("id"), m.end("id")
    for m in USER_ID.finditer(text):
        words = [w for w in re.split(r"[-_.'’]", m.group(0)) if w and not w.isdigit()]
        if len(words) < 2 or any(w.lower() in NOT_IN_IDS for w in words):
            continue
        if USER_ID_CUE.search(text[max(0, m.start() - 25):m.start()]):
            yield m.start(), m.end()  # "my user ID is horea_mazilescu_2037", "ayelet_ben-ami_60"
        elif CODE_CUE.search(text[max(0, m.start() - 30):m.start()]):
            continue  # "the promo code fresh_vip_2026", "voucher spring_deal_25": a code, not a person
        elif any(w.lower() in STOP for w in words):
            continue
        elif all(lex.is_name(w) or w.lower() not in lex.english for w in words) and (
                any(lex.is_name(w) for w in words) or all(len(w) > 2 for w in words)):
            yield m.start(), m.end()  # names, or words no dictionary knows ("mei_kovacs_8020")


def name_parts(name: str) -> list[str]:
    """The words of a name worth replacing wherever they occur."""
    return [w for w in re.findall(r"[^\W_][\w'’-]*", name or "")
            if len(w) > 1 and w.lower() not in STOP | NATIONALITY and not w.isdigit()]


def looks_like_person(value: str) -> bool:
    """A short run of name-like words: no digits or underscores, no ordinary English word
    that is not also a name ("Zelda Quixote" yes, "Desk Lamp" and "authenticate" no)."""
    words = TOKEN.findall(value)
    if not 1 <= len(words) <= 4 or re.search(r"[\d_@/]", value):
        return False
    lex = lexicon()
    return all(w.lower() not in STOP and (lex.is_name(w) or w.lower() not in lex.english)
               for w in words)
