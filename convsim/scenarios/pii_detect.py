"""Detectors of personal values in text, each yielding `Span`s (used by `pii.Scrubber`).

Maintained libraries do what they can: `phonenumbers` finds phone numbers in many
countries' formats, `python-stdnum` validates IBANs, Luhn-checked cards and national
ids. By hand here: emails (written and spoken), spoken digits, dates of birth (a date
near a birth cue, or a full date too old to be an order date), IP addresses, and
cue-word identifiers (passport, account). Addresses and postcodes: `pii_address`; PINs,
passcodes and one-time codes: `pii_secrets`.

Size: over 400 lines because it holds one small detector per kind of personal value;
together so the order in which the scrubber applies them reads in one place.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.dk import cpr as dk_cpr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.id import nik
from stdnum.in_ import aadhaar
from stdnum.in_ import pan as in_pan
from stdnum.is_ import kennitala
from stdnum.it import codicefiscale
from stdnum.lv import pvn as lv_pvn
from stdnum.mx import curp
from stdnum.mx import rfc as mx_rfc
from stdnum.my import nric as my_nric
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import cc as pt_cc
from stdnum.se import personnummer
from stdnum.th import pin as th_pin
from stdnum.us import ssn
from stdnum.za import idnr as za_idnr


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    key: str
    """Normalised value: the same key gets the same pseudonym."""


PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "BR", "MX", "CA", "IE",
                 "BE", "CH", "AT", "SE", "PL", "PT")
# Tried only for a number right after a phone cue ("call me on 24 67 63 80") that no region
# above accepts: the rest of Europe and the Americas, and New Zealand, South Africa, Singapore.
CUED_PHONE_REGIONS = ("DK", "NO", "FI", "IS", "LU", "CZ", "SK", "HU", "SI", "HR", "RO", "BG", "GR",
                      "EE", "LV", "LT", "RS", "UA", "TR", "CY", "MT", "AR", "CL", "CO", "PE", "UY",
                      "PY", "BO", "EC", "VE", "CR", "PA", "GT", "DO", "PR", "NZ", "ZA", "SG")
# Numbers right after these words are business references, not personal data.
NOT_PERSONAL = re.compile(
    r"\b(?:order|tracking|track|invoice|ref|reference|confirmation|ticket|case|model|serial|sku|"
    r"item|product|part|version|build|parcel|shipment|package|receipt|transaction|booking|"
    r"reservation|flight|promo|coupon|voucher|rma|return|code|bestellung|commande|pedido|ordine|"
    r"room|lot|batch|utr|vat|eori|barcode|bar code|ean|upc|gtin|isbn|sn|s/n|gift card|scratch code|"
    r"[a-z]+_id|id)s?[\s_-]*(?:number|no\.?|num|id|code|#)?[\"']?\s*(?:is|was|shows|showed|reads|says|:|=|#)?"
    r"\s*\[?\s*[\"']?"
    r"\s*[#:]?\s*$", re.IGNORECASE)


def business_context(text: str, start: int) -> bool:
    return bool(NOT_PERSONAL.search(text[max(0, start - 40):start]))


def cue_before(cue: re.Pattern[str], text: str, start: int, window: int = 40) -> bool:
    return bool(cue.search(text[max(0, start - window):start]))


def id_tail(text: str, start: int) -> bool:
    """The number at `start` continues a code word with digits ("RF12 3453 1253 ...", "AB12 3456")."""
    previous = text[max(0, start - 12):start].split()
    return bool(previous) and previous[-1][-1].isalnum() and any(ch.isdigit() for ch in previous[-1]) \
        and text[start - 1] == " "


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


# ----------------------------------------------------------------------------- email

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_SEP = r"(?:\s+(?:dot|underscore|dash|hyphen|punto|punkt|point|tiret|guion)\s+|[._-])"
_DOT = r"(?:\s+(?:dot|punto|punkt|point)\s+|\s*[\[(<]\s*dot\s*[\])>]\s*)"
_AT = r"(?:\s+(?:at|arroba|arobase|chez)\s+|\s*[\[(<]\s*at\s*[\])>]\s*|\s*@\s*)"
_TLD = (r"(?:com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|be|ch|at|ca|au|in|br|mx|info|biz|me|eu|us|"
        r"ie|pt|se|dk|no|fi|pl)")
SPOKEN_EMAIL = re.compile(rf"\b[a-z0-9]+(?:{_SEP}[a-z0-9]+)*{_AT}[a-z0-9-]+(?:(?:{_DOT}|\.)[a-z0-9-]+)*?"
                          rf"{_DOT}{_TLD}\b", re.IGNORECASE)
_WORDS = {"dot": ".", "punto": ".", "punkt": ".", "point": ".", "underscore": "_", "dash": "-",
          "hyphen": "-", "tiret": "-", "guion": "-", "at": "@", "arroba": "@", "arobase": "@",
          "chez": "@"}


def spoken_email_key(value: str) -> str:
    """'john dot smith at gmail dot com' -> 'john.smith@gmail.com'."""
    out = re.sub(r"[\[(<]\s*(at|dot)\s*[\])>]", lambda m: f" {m.group(1)} ", value.lower())
    return "".join(_WORDS.get(w, w) for w in out.split())


EMAIL_CUE = re.compile(r"\b(?:e-?mail|mail|address|inbox|correo|courriel|adresse|posta|reach me|"
                       r"write to|send it to|contact me)\b", re.IGNORECASE)
_USER = re.compile(rf"^[a-z0-9]+(?={_AT})", re.IGNORECASE)


def _mailbox_like(text: str, m: re.Match[str]) -> bool:
    """The part before 'at' names a mailbox: several parts ("john dot smith"), digits or a
    word that is not ordinary English, or an email cue before it. "I ordered it at amazon dot
    com" and "I only shop at ikea dot de" name shops, not mailboxes."""
    from convsim.scenarios.pii_names import lexicon

    user = _USER.match(m.group(0))
    if user is None or cue_before(EMAIL_CUE, text, m.start(), 40):
        return True
    word = user.group(0).lower()
    if not word.isalpha():
        return True
    return word not in _NOT_MAILBOX and (word not in lexicon().english or lexicon().is_name(word))


_NOT_MAILBOX = frozenset("""
it i you we they he she me us them him her this that what who one ordered shop bought looked look
buy sold paid order
""".split())  # noqa: SIM905


def find_emails(text: str) -> Iterator[Span]:
    for m in EMAIL.finditer(text):
        yield Span(m.start(), m.end(), "email", m.group(0).lower())
    for m in SPOKEN_EMAIL.finditer(text):
        if not EMAIL.fullmatch(m.group(0)) and _mailbox_like(text, m):
            yield Span(m.start(), m.end(), "email", spoken_email_key(m.group(0)))


# ----------------------------------------------------------------------------- phones

PHONE_CUE = re.compile(r"\b(?:phone|call|cell|mobile|tel|telephone|my number|reach me|text me|"
                       r"whatsapp|handy|telefon|téléphone|portable|teléfono|móvil|telefono|ring me|"
                       r"landline|contact number|ring|give me a ring|buzz me|"
                       r"if it['’]?s late|if I['’]?m late|"
                       r"(?:^|[.!?]\s+)number is|(?:^|[.!?]\s+)or (?:just|simply)|"
                       r"(?:best|quickest|easiest|preferred|daytime|evening|backup|other) number|"
                       r"number to (?:use|call|try|reach me)|"
                       r"telefonnummer|handynummer|mobilnummer|rufnummer|"
                       r"telefone|telemóvel|celular|cellulare|puhelin|natel|gsm|tlf|numer telefonu|"
                       r"mobiel|telefoonnummer|mobilní|telefonszám)\b",
                       re.IGNORECASE)
_DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "null": "0",
                "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6",
                "sieben": "7", "acht": "8", "neun": "9", "zéro": "0", "deux": "2", "trois": "3",
                "quatre": "4", "cinq": "5", "sept": "7", "huit": "8", "neuf": "9", "cero": "0",
                "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
                "siete": "7", "ocho": "8", "nueve": "9"}
_DW = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
SPOKEN_DIGITS = re.compile(rf"\b(?:(?:double|triple)\s+)?(?:{_DW}|\d)\b(?:[\s,.-]+(?:(?:double|triple)"
                           rf"\s+)?(?:{_DW}|\d)\b)+", re.IGNORECASE)


def spoken_digits(value: str) -> str:
    out, times = [], 1
    for w in re.findall(r"[^\W_]+", value.lower()):
        if w in ("double", "triple"):
            times = 2 if w == "double" else 3
            continue
        d = _DIGIT_WORDS.get(w, w if w.isdigit() else "")
        out.append(d * times)
        times = 1
    return "".join(out)


# A phone cue after the number: "0763 060 569 is the best number to reach me", "..., my mobile"
PHONE_CUE_AFTER = re.compile(
    r"\s*[,(–-]?\s*(?:(?:is|was|that['’]?s|it['’]?s)\s+)?(?:(?:my|our)\s+(?:(?:phone|mobile|cell|contact|"
    r"landline|home|work|whatsapp|daytime|new|old|direct)\s+){0,2}(?:number|phone|mobile|cell|landline|whatsapp)\b|"
    r"the\s+(?:best\s+|right\s+|quickest\s+|easiest\s+)?(?:number|phone|way)\s+(?:to\s+(?:reach|call|"
    r"contact|text|ring|get hold of|get in touch with)|for\s+me\b|I\s+can\s+be\s+reached)|"
    r"(?:where|how)\s+(?:you\s+can\s+|to\s+)reach\s+me)|"
    r"\s*\(\s*(?:mobile|mob|cell|home|work|landline|whatsapp|tel|phone)\s*\)|"
    r"\s+(?:if|when|should)\s+(?:anything|something|there['’]?s (?:a|any) (?:problem|issue))\s+comes? up\b|"
    r"\s+(?:if|when) (?:you|the courier|the driver) (?:need|needs|can['’]?t find) (?:to reach )?me\b|"
    # "0597/237 452 works any time after six", "... is best in the evenings": when to call
    r"\s+(?:works|is best|is fine|is good|is easiest)\s+(?:any ?time|all day|after|before|until|during|"
    r"between|from|in the (?:morning|afternoon|evening)s?|on weekdays|weekdays|evenings|mornings)\b|"
    r"\s*,?\s*(?:in case|if|when|should) (?:the |your )?(?:driver|courier|rider)s? (?:gets? lost|"
    r"can['’]?t find (?:me|the place|us))\b",
    re.IGNORECASE)
# a slash only after a trunk 0's area code, as people write them ("0151/2345678", "03/811-1284")
PHONE_CANDIDATE = re.compile(r"(?<![\w+/])(?:\+|0\d{1,4}/)?\(?\d(?:[\d ()-]|\.(?!\s)){5,24}\d(?![\w/])")


def find_phones(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> Iterator[Span]:
    # phonenumbers' matcher is slow on long texts full of ids: run it on candidates only.
    for c in PHONE_CANDIDATE.finditer(text):
        raw = c.group(0)
        cued = cue_before(PHONE_CUE, text, c.start(), 30) or bool(PHONE_CUE_AFTER.match(text, c.end()))
        if sum(ch.isdigit() for ch in raw) < 7 or business_context(text, c.start()) or (
                not cued and not raw.startswith("+") and raw.isdigit()):
            continue  # a bare run of digits is a phone number only after a cue; "ticket 212-55-0199" never
        if id_tail(text, c.start()):
            continue  # the tail of a longer id ("AB12 3456 7890 1234")
        for region in regions:
            found = False
            for pm in phonenumbers.PhoneNumberMatcher(raw, region, phonenumbers.Leniency.VALID):
                if any(p.fullmatch(pm.raw_string) for p in DATES) or sum(
                        ch.isdigit() for ch in pm.raw_string) < 7:
                    continue  # a date; the "1699" tail of "03/221 1699" read in one region
                if not pm.raw_string.startswith("+") and not cued and pm.raw_string.isdigit():
                    continue
                found = True
                key = phonenumbers.format_number(pm.number, phonenumbers.PhoneNumberFormat.E164)
                yield Span(c.start() + pm.start, c.start() + pm.end, "phone", key)
            if found:
                break
        else:
            # written with a trunk "0" and separators ("0903 123 456"), a number of the other
            # regions needs no cue either
            trunk = raw[:1] == "0" and not raw.isdigit() and sum(ch.isdigit() for ch in raw) >= 8
            if (cued or trunk) and not raw.startswith("+"):
                yield from _cued_phone(raw, c.start())
    for m in SPOKEN_DIGITS.finditer(text):
        number = spoken_digits(m.group(0))
        if len(number) >= 7 and not m.group(0).replace(" ", "").isdigit():
            yield Span(m.start(), m.end(), "phone", number)


def _cued_phone(raw: str, offset: int) -> Iterator[Span]:
    """A number after a phone cue, valid in one of the other regions: parsed once per region
    (no matcher pass), the whole candidate or nothing."""
    for region in CUED_PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and not any(p.fullmatch(raw) for p in DATES):
            key = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            yield Span(offset, offset + len(raw), "phone", key)
            return


# ----------------------------------------------------------------------------- numbers

# not inside a word ("RF51 2409 ...", a creditor reference, is no card); groups of any size
CARD = re.compile(r"(?<![\w-])\d(?:[ .-]?\d){12,22}(?!\d)")
# Visa, Mastercard, Amex, Diners, JCB (3528-3589), Discover, UnionPay, Maestro
CARD_PREFIX = re.compile(r"^(?:4|5[0-5]|2[2-7]|3[47]|3[0689]|35(?:2[89]|[3-8])|6(?:011|5|4[4-9]|2|7))")
IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,32}")
SSN_FORMAT = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
SSN_CUE = re.compile(r"\b(?:ssn|social security|social|soc sec)\b[^.\n]{0,20}$", re.IGNORECASE)
ID_CUE = re.compile(
    r"\b(?:national (?:id|insurance|identity)|id (?:number|no)|identity (?:card|number)|"
    r"ni number|nino|nhs|tax (?:id|number)|tin|steuer-?id|steueridentifikationsnummer|idnr|"
    r"personalausweis|ausweis|dni|nie|nif|nir|sécurité sociale|securite sociale|insee|"
    r"carte d'identité|codice fiscale|bsn|burgerservicenummer|sofi|pesel|cpf|aadhaar|sin|"
    r"social insurance|personnummer|passport|ssn|social security|personal (?:id|identity|"
    r"identification|number|code)|identification number|id code|citizen (?:id|number)|"
    r"resident (?:id|number)|national number|rijksregisternummer|cédula|cedula|curp|rfc|rut|nric|"
    r"carn[eé]t? de identidad|carn[eé]t? (?:de )?identidade?|tax file number|"
    r"hkid|my number|emirates id|cnp|egn|oib|amka|jmbg|isikukood|asmens kodas|henkilötunnus|hetu|"
    r"fødselsnummer|cpr|kennitala|kimlik|(?:my|her|his|your|their) (?:id|social)|"
    r"ahv|avs|cuit|cuil|rfc|nif|nic|pps|cnp|ruc|nit|nrt|cui|dpi|svnr|sv-nummer|voter (?:id|card)|"
    r"sozialversicherungs(?:nummer)?|versicherungsnummer|insurance number|"
    r"(?:national|civil|population) regist(?:er|ry)(?: number)?|register number|"
    r"numéro (?:national|d'assurance sociale|de sécurité sociale)|número (?:nacional|de identidad|"
    r"de seguridad social|fiscal)|registre national|rijksregister|cartão de cidadão|citizen card|"
    r"seguridad social|rodné číslo|emšo|personas kods|birth (?:number|no)|personal (?:identity )?code|"
    r"identity code|rodné|osobní číslo|tc(?: kimlik)?(?: no)?|tckn|sss(?: number| no)?|philhealth|umid|"
    r"philsys|taj(?: szám)?|személyi szám|adóazonosító(?: jel)?|afm|jmbg|matični broj|"
    r"social (?:insurance|security) (?:number|no)|nik|ic(?: number| no)?|mykad|nric|"
    r"(?:teudat |mispar )?zehut|"
    r"rnokpp|rntrc|individual (?:number|tax number)|identity (?:no|document)|resident registration|"
    r"(?:south african|sa|israeli|indonesian|malaysian|ukrainian|bulgarian|estonian|lithuanian) id)"
    r"\b[^.\n]{0,20}$",
    re.IGNORECASE)
# "PAN" only in capitals ("a frying pan" is none); "that's the ID you asked for" after the value
# and other id acronyms that are words in lower case ("inn", "nid")
PAN_CUE = re.compile(r"\b(?:PAN|PAN card|PAN number|[Pp]ermanent [Aa]ccount [Nn]umber|INN|SNILS|NID|IRD|CNIC|"
                     r"NICOP|PPSN|PNF|LNCh|NUIP|NUI|CIN|CNI|TFN|BIS|ITIN|DNI|NIT|IRD|EGN|NHS|PESEL|RUT|CUIL|CUIT)\b[^.\n]{0,20}$")
ID_CUE_AFTER = re.compile(
    r"\s*[,;:–-]?\s*(?:(?:that|this|it)['’]?s|that is|this is|it is|is)\s+(?:the|my)\s+"
    r"(?:(?:national|personal|identity|citizen|resident|tax|civil|government)\s+)?"
    r"(?:id|identity (?:number|card number)|id number|id card number|identification(?: number)?)\b"
    r"(?!\s+(?:of|for|on)\s+(?:the|my|your|this|that)\s+(?:order|parcel|item|booking|ticket|product))|"
    r"\s*\(\s*(?:my\s+|her\s+|his\s+)?(?:national\s+|personal\s+|tax\s+)?"
    r"(?:id|identity number|id number)\s*\)",
    re.IGNORECASE)
# Bare ids whose written shape is distinctive with their checksum or date: a Thai id
# "1-2345-67890-12-1", a Danish CPR / Icelandic kennitala "DDMMYY-NNNN".
THAI_ID = re.compile(r"(?<![\w-])\d-\d{4}-\d{5}-\d{2}-\d(?![\w-])")
PAN_SHAPE = re.compile(r"(?<![\w-])[A-Z]{5}\d{4}[A-Z](?![\w-])")
DATE_DASH_ID = re.compile(r"(?<![\w-])[0-3]\d[01]\d{3}-\d{4,5}(?![\w-])")  # and a Latvian "DDMMYY-NNNNN"
# A Mexican RFC of a person: four letters of the name, the birth date, a three-character homoclave
RFC_SHAPE = re.compile(r"(?<![\w-])[A-Z]{4}\d{2}[01]\d[0-3]\d[A-Z\d]{2}[A-Z\d](?![\w-])")
# "0897300EA is the number on my card": an id only with its checksum (a loyalty card is said so too)
ID_CARD_AFTER = re.compile(r"\s+is the number on my (?:id |identity |national )?card\b", re.IGNORECASE)
NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2}"
                  r" ?[A-D]\b", re.IGNORECASE)
CHUNK = re.compile(r"[A-Za-z0-9]+")
def _pt_cc(value: str) -> bool:
    """A Portuguese citizen card number: its two check letters make the shape distinctive."""
    return any(c.isalpha() for c in value) and pt_cc.is_valid(value)


def _my_nric(value: str) -> bool:
    """A Malaysian MyKad number written YYMMDD-PB-NNNN: the hyphens make it distinctive."""
    return bool(re.fullmatch(r"\d{6}-\d{2}-\d{4}", value)) and my_nric.is_valid(value)


# (validator, needs a cue word): strong checksums stand alone, weak ones need "BSN", "SIN"...
NATIONAL_IDS: tuple[tuple[Callable[[str], bool], bool], ...] = (
    (dni.is_valid, False), (nie.is_valid, False), (nir.is_valid, False),
    (codicefiscale.is_valid, False), (cpf.is_valid, False), (aadhaar.is_valid, False),
    (personnummer.is_valid, False), (idnr.is_valid, True), (bsn.is_valid, True),
    (sin.is_valid, True), (pesel.is_valid, True), (nhs.is_valid, True), (curp.is_valid, False),
    (_pt_cc, False), (_my_nric, False))
# Bare digits (no cue) whose structure is distinctive enough to stand alone: a South African
# ID (birth date, citizenship digit, Luhn) and an Indonesian NIK (region code, birth date).
BARE_IDS: tuple[Callable[[str], bool], ...] = (za_idnr.is_valid, nik.is_valid)
# After an id cue word, a number valid in any of these personal-id systems of Europe and the
# Americas (python-stdnum's checksums) is an id: AHV, Belgian national number, CUIT, CPR...
CUED_ID_MODULES = (
    "ad.nrt", "ar.cuit", "ar.dni", "at.vnr", "be.nn", "be.bis", "bg.egn", "ch.ssn", "cl.rut",
    "co.nit", "cr.cpf", "cz.rc", "dk.cpr", "do.cedula", "ec.ci", "ee.ik", "fi.hetu", "gr.amka",
    "hr.oib", "ie.pps", "is_.kennitala", "li.peid", "lt.asmens", "mx.rfc", "no.fodselsnummer",
    "pe.cui", "pt.nif", "py.ruc", "ro.cnp", "si.emso", "sk.rc", "uy.rut", "ve.rif", "gt.nit", "tr.tckimlik",
    "in_.pan", "th.pin", "kr.rrn", "cn.ric", "bg.pnf", "cr.cr", "mu.nid", "nl.identiteitskaartnummer",
    "ru.inn", "fr.nif", "nz.ird")
# ... and every other python-stdnum module whose own description says it numbers persons
# (identity, citizen, resident, social security, personal/individual tax numbers), not
# companies, VAT registrations, securities or devices.
PERSONAL_DOC = re.compile(r"person|individual|identity|identification card|citizen|resident|"
                          r"social security|social insurance|national (?:number|registration)|"
                          r"public service|patient|birth|population|tax file|taxpayer|mispar zehut",
                          re.IGNORECASE)
NOT_PERSONAL_DOC = re.compile(r"\b(?:company|companies|enterprise|business|vat|organi[sz]ations?|corporate|"
                              r"entity|entities|legal|bank|security identif|stock|equipment|subscriber|"
                              r"school|pupil|educational|trade register|employer|preparer|jur[ií]dica|"
                              r"accise|excise)\b",
                              re.IGNORECASE)
_cued_validators: list[Callable[[str], bool]] = []


def _personal_id_modules() -> list[str]:
    """`CUED_ID_MODULES` and python-stdnum's other personal-id modules (first docstring line)."""
    from stdnum.util import get_number_modules

    names = list(CUED_ID_MODULES)
    for module in get_number_modules():
        name = str(getattr(module, "__name__", "")).removeprefix("stdnum.")
        head = str(getattr(module, "__doc__", None) or "").strip().split("\n")[0]
        if name not in names and hasattr(module, "is_valid") and PERSONAL_DOC.search(head) \
                and not NOT_PERSONAL_DOC.search(head):
            names.append(name)
    return names


def cued_id_valid(value: str) -> bool:
    """Valid in one of python-stdnum's personal-id systems (imported on first use)."""
    if not _cued_validators:
        import importlib

        _cued_validators.extend(importlib.import_module(f"stdnum.{name}").is_valid
                                for name in _personal_id_modules())
    return any(valid(value) for valid in _cued_validators)


def _longest_valid(text: str, start: int, end: int, ok: Callable[[str], bool]) -> int | None:
    """End of the longest prefix of text[start:end] that `ok` accepts (word-aligned)."""
    for stop in range(end, start, -1):
        if (stop == len(text) or not text[stop].isalnum()) and ok(text[start:stop]):
            return stop
    return None


def _card_ok(value: str) -> bool:
    d = digits(value)
    return 13 <= len(d) <= 19 and bool(CARD_PREFIX.match(d)) and luhn.is_valid(d)


def _cued_card_ok(value: str) -> bool:
    d = digits(value)
    return 13 <= len(d) <= 19 and luhn.is_valid(d)


# After a card cue any Luhn-valid number is a card, whatever its issuer prefix
CARD_CUE = re.compile(r"\b(?:card|visa|mastercard|amex|jcb|discover|diners|maestro|credit|debit|karte|carte|"
                      r"tarjeta|carta|kaart|kort|karta|kartı|cartão|charge (?:it|that|this|them)? ?to|charge|"
                      r"long number|number on the front|pay(?:ing)? with|"
                      r"put (?:it|that|this|them|the rest) on)\b"
                      r"[^.\n\d]{0,25}$", re.IGNORECASE)
# A loyalty, stamp or member card's number is no payment card, Luhn-valid or not
LOYALTY_CUE = re.compile(r"\b(?:stamp|loyalty|rewards?|member(?:ship)?|points|club|bonus|frequent flyer|"
                         r"library|store|gift|punch|coffee|nectar|clubcard|fidelity)\s+(?:card|account)\b"
                         r"[^.\n\d]{0,25}$", re.IGNORECASE)


def find_numbers(text: str) -> Iterator[Span]:
    """Cards, IBANs, SSNs and national ids."""
    for m in CARD.finditer(text):
        cued = cue_before(CARD_CUE, text, m.start(), 40)
        if not cued and business_context(text, m.start()) or id_tail(text, m.start()) \
                or cue_before(LOYALTY_CUE, text, m.start(), 40):
            continue  # "Courier tracking: 4785 ...", "order number 5289 ...": Luhn-valid by chance
        ok = _cued_card_ok if cued else _card_ok
        stop = _longest_valid(text, m.start(), m.end(), ok)
        if stop:
            yield Span(m.start(), stop, "card", digits(text[m.start():stop]))
    pos = 0
    while found := IBAN.search(text, pos):
        m = found
        # A valid IBAN ends the search there, not at the end of the (greedy) match: a
        # compact IBAN right before a spaced one ("DE89...3000 GB29 NWBK ...") is two.
        stop = _longest_valid(text, m.start(), m.end(), iban.is_valid)
        if stop:
            yield Span(m.start(), stop, "iban", iban.compact(text[m.start():stop]))
        pos = stop or m.start() + 1
    for m in SSN_FORMAT.finditer(text):
        area, group, serial = m.group(1), m.group(3), m.group(4)
        plausible = area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"
        if (plausible and not business_context(text, m.start())) or cue_before(SSN_CUE, text, m.start()):
            yield Span(m.start(), m.end(), "ssn", digits(m.group(0)))
    for m in NINO.finditer(text):
        if m.group(0).isupper() or cue_before(ID_CUE, text, m.start()):
            yield Span(m.start(), m.end(), "national_id", re.sub(r"\s", "", m.group(0).upper()))
    for m in PAN_SHAPE.finditer(text):  # an Indian PAN: four digits only, so not in the windows
        if (cue_before(PAN_CUE, text, m.start()) or cue_before(ID_CUE, text, m.start())
                or ID_CUE_AFTER.match(text, m.end())) and in_pan.is_valid(m.group(0)):
            yield Span(m.start(), m.end(), "national_id", m.group(0))
    for m in THAI_ID.finditer(text):
        if th_pin.is_valid(m.group(0)) and not business_context(text, m.start()):
            yield Span(m.start(), m.end(), "national_id", digits(m.group(0)))
    for m in DATE_DASH_ID.finditer(text):
        if (dk_cpr.is_valid(m.group(0)) or kennitala.is_valid(m.group(0)) or lv_pvn.is_valid(m.group(0))) \
                and not business_context(text, m.start()) and not cue_before(PHONE_CUE, text, m.start(), 30):
            yield Span(m.start(), m.end(), "national_id", digits(m.group(0)))
    for m in RFC_SHAPE.finditer(text):
        if mx_rfc.is_valid(m.group(0)) and not business_context(text, m.start()):
            yield Span(m.start(), m.end(), "national_id", m.group(0))
    for start, end in _windows(text):
        value = text[start:end]
        if ID_CARD_AFTER.match(text, end) and not _card_ok(value) \
                and not cue_before(LOYALTY_CUE, text, start) \
                and (cued_id_valid(value) or any(valid(value) for valid, _ in NATIONAL_IDS)):
            yield Span(start, end, "national_id", re.sub(r"[\s.-]", "", value.upper()))
            continue
        cued = cue_before(ID_CUE, text, start) or cue_before(PAN_CUE, text, start) \
            or bool(ID_CUE_AFTER.match(text, end)) or cue_before(NUMBER_LEAD, text, start, 12)
        if not cued and ("/" in value or business_context(text, start) or GOES_ON.match(text, end)
                         or cue_before(LOYALTY_CUE, text, start)):
            continue  # "235116/9942" after "birth number"; a date or a fraction without; the head
            # of a longer number ("9799 4089 2223" of a stamp card's "9799 4089 2223 1016")
        if cued and len(digits(value)) == 9 and ssn.is_valid(digits(value)):
            yield Span(start, end, "ssn", digits(value))
        elif (cued or not value.isdigit()) and any(valid(value) and (cued or not weak)
                                                   for valid, weak in NATIONAL_IDS):
            yield Span(start, end, "national_id", re.sub(r"[\s.-]", "", value.upper()))
        elif value.isdigit() and len(value) in (13, 16) and not _card_ok(value) \
                and any(valid(value) for valid in BARE_IDS):
            yield Span(start, end, "national_id", value)
        elif cued and (LETTERED_ID.fullmatch(value) or cued_id_valid(value)
                       or GROUPED_ID.fullmatch(value) and 6 <= len(digits(value)) <= 14
                       and not cue_before(PHONE_CUE, text, start, 30)):  # "my number is (646) 828-3471"
            # right after "national id", "tax number"...: trusted without a checksum
            yield Span(start, end, "national_id", value.upper())


# after a cue: "ABN6470207", "A190804405215C", an Andorran NRT "F-680872-A"
LETTERED_ID = re.compile(r"[A-Za-z]{0,3}\d{6,14}[A-Za-z]?|[A-Za-z]{1,3}-\d{5,10}-[A-Za-z\d]{1,2}")
# "Number V127752903.": a sentence that is only a number named "Number"
NUMBER_LEAD = re.compile(r"(?:^|[.!?]\s+)Number\s*:?\s*$")
GROUPED_ID = re.compile(r"\d{2,}(?:[ -]\d+){1,4}[A-Za-z]?")  # "34-1234567-8", "123 456 789" after a cue
GOES_ON = re.compile(r"[ .-]\d")
INNER_CUT = re.compile(r"[-/.][A-Za-z0-9]")  # the window stops inside "978-2-39456-557-0"


def _windows(text: str, most: int = 6) -> Iterator[tuple[int, int]]:
    """Runs of 1..`most` alphanumeric chunks joined by single separators, with >= 6 digits."""
    chunks = list(CHUNK.finditer(text))
    for i, first in enumerate(chunks):
        if not any(c.isdigit() for c in first.group(0)) and len(first.group(0)) > 1:
            continue  # ids start with a digit, or mix letters and digits, or one letter (NIE)
        if first.start() and text[first.start() - 1] in "'’" and not first.group(0)[0].isdigit():
            continue  # the "s" of "it's" starts no id
        if i and any(c.isdigit() for c in chunks[i - 1].group(0)) and \
                text[chunks[i - 1].end():first.start()] in (" ", ".", "-", "/"):
            continue  # the tail of a longer number ("RF51 2409 0322 2693", "978-2-39456-557-0")
        end = first.end()
        for j in range(i, min(i + most, len(chunks))):
            if j > i:
                if text[end:chunks[j].start()] not in (" ", ".", "-", "/"):
                    break
                end = chunks[j].end()
            if sum(c.isdigit() for c in text[first.start():end]) >= 6 and not INNER_CUT.match(text, end):
                yield first.start(), end


# ----------------------------------------------------------------------------- cue words

PASSPORT_CUE = re.compile(
    r"\b(?:passport|reisepass|passeport|pasaporte|passaporto|paspoort|driver'?s licen[cs]e|"
    r"driving licen[cs]e|licen[cs]e|führerschein|permis de conduire|carnet de conducir|id card|"
    r"identity card|personalausweis|carte d'identité)(?:\s*(?:number|no\.?|num|#|nummer|numéro|"
    r"número))?(?:\s*(?:is|was|ist|est|es))?\s*[:#]?\s*$", re.IGNORECASE)
ACCOUNT_CUE = re.compile(
    r"\b(?:account|acct|a/c|routing|sort code|member(?:ship)?|customer|policy|kontonummer|konto|"
    r"compte|cuenta|conto|rekeningnummer|rekening|client|subscriber|subscription|contract|loyalty|"
    r"rewards|frequent flyer|patient|kundennummer|kunden|klantnummer|cliente|abonné|abonnement)"
    r"(?:\s*(?:number|no\.?|num|#|id|nummer|numéro|número))?(?:\s*(?:is|was|ist|est|es))?\s*[:#]?\s*$",
    re.IGNORECASE)
CUE_VALUE = re.compile(r"(?<![\w-])(?=[A-Za-z]*-?\d)[A-Za-z0-9]+(?:[ -]\d+)*")


def _year_span(value: str) -> bool:
    m = re.fullmatch(r"((?:19|20)\d\d)[-–]((?:19|20)\d\d)", value)
    return m is not None and 0 < int(m.group(2)) - int(m.group(1)) <= 60


def find_cued(text: str) -> Iterator[Span]:
    """Passport and driving licence numbers, bank and customer account numbers."""
    for m in CUE_VALUE.finditer(text):
        value = m.group(0)
        n_digits = sum(c.isdigit() for c in value)
        if n_digits < 4 or len(value) > 24 or _year_span(value):
            continue  # "I was a member 2012-2014": years
        if n_digits >= 1 and len(value) >= 6 and cue_before(PASSPORT_CUE, text, m.start()):
            yield Span(m.start(), m.end(), "passport", value.upper())
        elif cue_before(ACCOUNT_CUE, text, m.start()):
            yield Span(m.start(), m.end(), "account", digits(value) or value)


# ----------------------------------------------------------------------------- dates of birth

MONTHS = {
    **dict.fromkeys(("january", "jan", "januar", "janvier", "enero", "gennaio", "januari", "jänner"), 1),
    **dict.fromkeys(("february", "feb", "februar", "février", "fevrier", "febrero", "febbraio",
                     "februari", "févr"), 2),
    **dict.fromkeys(("march", "mar", "märz", "maerz", "mars", "marzo", "maart", "mrz"), 3),
    **dict.fromkeys(("april", "apr", "avril", "abril", "aprile"), 4),
    **dict.fromkeys(("may", "mai", "mayo", "maggio", "mei"), 5),
    **dict.fromkeys(("june", "jun", "juni", "juin", "junio", "giugno"), 6),
    **dict.fromkeys(("july", "jul", "juli", "juillet", "julio", "luglio"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout", "agosto", "augustus"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre", "septiembre", "settembre"), 9),
    **dict.fromkeys(("october", "oct", "oktober", "octobre", "octubre", "ottobre", "okt"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "noviembre"), 11),
    **dict.fromkeys(("december", "dec", "dezember", "décembre", "decembre", "diciembre",
                     "dicembre", "dez"), 12),
}
# Month names of Central, Eastern and Northern Europe and Turkey (nominative and genitive forms)
for _number, _names in enumerate((
        "ocak leden ledna januára stycznia siječanj siječnja januar januarja január tammikuuta ianuarie "
        "janeiro",
        "şubat subat únor února februára lutego veljača veljače februar februarja február helmikuuta "
        "februarie fevereiro",
        "mart březen března marca marzec ožujak ožujka marec marca március maaliskuuta martie março marco",
        "nisan duben dubna apríla kwietnia travanj travnja aprila április huhtikuuta aprilie abril",
        "mayıs mayis květen května mája maja svibanj svibnja maj május toukokuuta maio",
        "haziran červen června júna czerwca lipanj lipnja junij junija június kesäkuuta iunie junho",
        "temmuz červenec července júla lipca srpanj srpnja julij julija július heinäkuuta iulie julho",
        "ağustos agustos srpen srpna augusta sierpnia kolovoz kolovoza avgust avgusta augusztus "
        "elokuuta agosto",
        "eylül eylul září septembra września rujan rujna septembra szeptember syyskuuta septembrie "
        "setembro",
        "ekim říjen října októbra października listopad listopada oktobra október lokakuuta "
        "octombrie outubro",
        "kasım kasim listopadu novembra studeni studenoga novembra november marraskuuta noiembrie "
        "novembro",
        "aralık aralik prosinec prosince decembra grudnia prosinac prosinca decembra december "
        "joulukuuta decembrie dezembro desember",
), start=1):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
DATES = (
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})(?P<s>[./-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?!\d|\.\d)"),
    # "14. 3. 1979" (cs, sk, hr, sl)
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.\s(?P<m>\d{1,2})\.\s(?P<y>\d{4})(?!\d)"),
    # "1984-11-18", "1984.11.18" (hu, lt), "1984/11/18"
    re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<ys>[-./])(?P<m>\d{1,2})(?P=ys)(?P<d>\d{1,2})\.?(?![\d.]\d|\d)"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|\.|º)?(?:\s+(?:of|de))?\s+(?P<mon>{_MON})\.?"
               rf"(?:\s+de|,)?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b",
               re.IGNORECASE),
    # "19-Aug-2002", "3/mar/1990"
    re.compile(rf"(?<![\w-])(?P<d>\d{{1,2}})(?P<s2>[-/])(?P<mon>{_MON})(?P=s2)(?P<y>\d{{4}})(?![\w-])",
               re.IGNORECASE),
    # Korean: "1977. 4. 10.", "1977년 4월 10일"; Japanese and Chinese "1977年4月10日"
    re.compile(r"(?<![\d.])(?P<y>\d{4})\.\s(?P<m>\d{1,2})\.\s(?P<d>\d{1,2})\.?(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})\s?[년年]\s?(?P<m>\d{1,2})\s?[월月]\s?(?P<d>\d{1,2})\s?[일日]"),
    # Hungarian: "1980. március 15."
    re.compile(rf"(?<![\d.])(?P<y>\d{{4}})\.\s+(?P<mon>{_MON})\s+(?P<d>\d{{1,2}})\.?(?!\d)", re.IGNORECASE),
)
BIRTH_CUE = re.compile(
    r"\b(?:born|birth|birthday|dob|d\.o\.b|geboren|geburtsdatum|geburtstag|née?|naissance|"
    r"nacimiento|nac[ií]d[oa]|nac[ií]|nato|nata|nascita|geboortedatum|birthdate|doğum|dogum|"
    r"narozen\w*|narodenia|narodil\w*|narodena|narodený|rođen\w*|roden\w*|rojen\w*|rojstva|született|"
    r"születési|syntynyt|syntymä\w*|născut\w*|nascut\w*|nașterii|nasterii|urodzon\w*|urodzenia|"
    r"nascid[oa]|nascimento|født|fødselsdato|född|födelsedatum)\b", re.IGNORECASE)


# An old date that is not a birthday: "first released on 12 May 1979", "opened on ...".
NOT_BIRTH_CUE = re.compile(
    r"\b(?:released|release|founded|opened|established|built|published|launched|issued|made|"
    r"manufactured|recorded|premiered|since|erschienen|gegründet|eröffnet|sorti|fondé|ouvert|"
    r"publicado|fundado|abierto|inaugurad[oa]|uscito|fondato|aperto)\b", re.IGNORECASE)


REFERENCE_YEAR = 2026
"""The year the date rules count from (a two-digit year's century, the latest birth year, 16
years for an old date), fixed rather than read from the clock: the same transcript scrubs
the same whatever the day it is ingested (read from the clock, 'dated 03/04/2011' became a
date of birth on 1 January 2027)."""


def _date_parts(m: re.Match[str]) -> tuple[int, int, int] | None:
    g = m.groupdict()
    month = MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
    day, year = int(g["d"]), int(g["y"])
    if g.get("m") and g.get("s") and month > 12 and day <= 12:
        day, month = month, day  # US month/day order
    if year < 100:
        year += 1900 if year > REFERENCE_YEAR % 100 else 2000
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= REFERENCE_YEAR):
        return None
    return year, month, day


YEAR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")


def find_birth_dates(text: str) -> Iterator[Span]:
    """Dates of birth: a date with a birth cue nearby, or a full date 16 years before
    `REFERENCE_YEAR` or earlier."""
    taken: list[tuple[int, int]] = []
    # every pattern but the first needs a four-digit year: most texts have none
    for pattern in DATES if YEAR_DIGITS.search(text) else DATES[:1]:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            parts = _date_parts(m)
            if parts is None:
                continue
            # The cue belongs to this date: nothing date-like or a sentence end in between.
            before = re.split(r"\d{4}|[.!?;]\s", text[max(0, m.start() - 40):m.start()])[-1]
            after = re.split(r"\d|[.!?;,]\s", text[m.end():m.end() + 25])[0]
            near = before + " " + after
            old = parts[0] <= REFERENCE_YEAR - 16 and len(m.group("y")) == 4
            if BIRTH_CUE.search(near) or old and not NOT_BIRTH_CUE.search(before):
                taken.append((m.start(), m.end()))
                yield Span(m.start(), m.end(), "dob", "{:04d}-{:02d}-{:02d}".format(*parts))


# ----------------------------------------------------------------------------- IP addresses

IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
VERSION_CUE = re.compile(r"\b(?:version|ver|v|firmware|build|release|update|app|ios|android|"
                         r"windows|macos|software|patch|step|section|clause|chapter|paragraph|page|"
                         r"article|rule|item|point)\.?\s*$", re.IGNORECASE)


def find_ips(text: str) -> Iterator[Span]:
    for pattern, kind in ((IPV4, ipaddress.IPv4Address), (IPV6, ipaddress.IPv6Address)):
        for m in pattern.finditer(text):
            try:
                address = kind(m.group(0))
            except ValueError:
                continue
            if kind is ipaddress.IPv4Address and cue_before(VERSION_CUE, text, m.start(), 20):
                continue
            yield Span(m.start(), m.end(), "ip", str(address))
