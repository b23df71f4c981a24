"""Street addresses and postcodes (US, UK, DE, FR, ES, IT, NL, CA), by pattern and cue words.

No maintained library finds addresses in free text offline, so these are hand
written: a house number next to a street type ("1234 Maple Street", "12 rue de la
Paix", "Hauptstraße 5", "Calle Mayor 3"), and postcodes either in a shape that is
unambiguous (UK, Canada) or next to a city, a state or a cue word ("zip code 90210",
"10115 Berlin", "1012 AB Amsterdam"). A street with no street-type word ("Ilica 5",
"Kapušianska 366") is found from what is next to it: the postcode and town after it, a town
of the gazetteer after it, or an address cue before it. Used by `pii.Scrubber`.

Size: just over 400 lines because it holds the street and postcode shapes of many countries
as one table of patterns with their anchors; split by country they would share every helper.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from convsim.scenarios.pii_detect import Span, business_context, cue_before
from convsim.scenarios.pii_names import STOP, lexicon
from convsim.scenarios.pii_places import is_place, is_place_name

_CAP = r"[A-ZÀ-ÝÄÖÜ][\w'’.-]*"
_WORD = r"[A-Za-zÀ-ÿ][\w'’.-]*"
US_SUFFIX = (r"street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|place|pl|"
             r"terrace|ter|circle|cir|parkway|pkwy|highway|hwy|close|crescent|cres|gardens|grove|"
             r"square|sq|row|mews|hill|trail|trl|plaza|loop|alley|walk|green|park")
# The other street suffixes of USPS Publication 28 (appendix C1) and Indian street words:
# most are ordinary words too, so the street name before them must be written with capitals.
USPS_SUFFIX = ("allee|anex|annex|arcade|bayou|beach|bend|bluffs?|bottom|branch|bridge|brooks?|burgs?|"
               "bypass|camp|canyon|cape|causeway|centers?|circles|cliffs?|club|commons?|corners?|"
               "course|courts|coves?|creek|crest|crossing|crossroad|curve|dale|dam|divide|drives|"
               "estates?|expressway|extensions?|falls?|ferry|fields?|flats?|fords?|forest|forges?|"
               "forks?|fort|freeway|garden|gateway|glens?|greens|groves|harbou?rs?|haven|heights|"
               "hills|hollow|inlet|islands?|isle|junctions?|keys?|knolls?|lakes?|landing|lights?|"
               "locks?|lodge|mall|manors?|meadows?|mills?|mission|motorway|mount|mountains?|neck|"
               "orchard|oval|overpass|parks|parkways|pass|passage|path|pike|pines?|plains?|points?|"
               "ports?|prairie|radial|ramp|ranch|rapids?|rest|ridges?|river|roads|route|run|shoals?|"
               "shores?|skyway|springs?|spurs?|squares|station|stravenue|stream|streets|summit|"
               "throughway|trace|track|trafficway|tunnel|turnpike|underpass|unions?|valleys?|via|"
               "viaduct|views?|villages?|ville|vista|walks|wall|ways|wells?|"
               "marg|nagar|chowk|ganj|gali|colony|layout|salai|bazaa?r|peth|puram")
US_STREET = re.compile(
    rf"(?<![\w/-])(?:(?:h\.?\s?no\.?|house\s+no\.?|flat|studio|unit)\s*)?\d{{1,5}}[A-Za-z]?"
    rf"(?:[-/]\d{{1,5}})?,?\s+(?P<name>(?:{_WORD}\s+){{1,4}}?)"
    rf"(?:{US_SUFFIX}|{USPS_SUFFIX})\b\.?(?:,?\s*(?:apt|apartment|suite|ste|unit|flat|#)\.?\s*#?[\w-]+)?",
    re.IGNORECASE)
DE_NL_STREET = re.compile(
    rf"\b(?:{_CAP}\s+)?[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|"
    rf"ufer|chaussee|steig|pfad|straat|laan|plein|gracht|kade|singel|dijk|markt|"
    rf"hof|steeg|dreef|lei|baan|kaai|vest|gade|vej|stræde|torv|plads|gata|gatan|vägen|veien|gaten|"
    rf"katu|tie|polku|kuja|väylä|gränd|stigen|torget|backen|vegen)"
    rf"\s+\d{{1,4}}(?:\s?[a-zA-Z]\b)?(?![\w.,]\d)")
# "Konrad-Adenauer-Straße 4", "Kurt-Zahn-Gasse 8/7"
DE_HYPHENATED = re.compile(r"\b(?:[A-ZÄÖÜ][\wäöüß]*-)+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|"
                           r"Damm|Ufer|Chaussee|Steig|Pfad|Markt)\s+\d{1,4}(?:\s?[a-zA-Z]\b)?(?:[/-]\d{1,4})?")
DE_TWO_WORDS = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]+\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|"
                          r"Ring|Damm)\s+\d{1,4}[a-z]?\b")
FR_STREET = re.compile(
    rf"(?<![\w-])\d{{1,5}}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|allée|allee|"
    rf"allé|chemin|impasse|quai|cours|route|square|passage|rang|montée|côte|croissant|promenade|"
    rf"terrasse|jalan|jln\.?|lorong|lebuh|persiaran|lebuhraya)\s+(?:(?:de|du|des|la|le|les|d['’]|l['’])\s*)*"
    rf"{_CAP}(?:[\s-]+(?:(?:de|du|des|la|le|les|d['’]|l['’])\s*)*{_CAP})*")
ES_IT_STREET = re.compile(
    rf"\b(?i:calle|c/|avenida|avda\.?|plaza|paseo|camino|carrer|via|viale|piazza|corso|largo|rua|"
    rf"travessa|alameda|praça|rodovia|estrada|vicolo|strada|contrada|borgo|lungomare|ronda|rambla|"
    rf"travesía|glorieta|callejón|carretera|avinguda|passeig|plaça|strada|str\.|bulevardul|calea|"
    rf"aleea|șoseaua|soseaua|splaiul|piața|intrarea)\s+(?:(?:de|del|la|las|los|di|della|dei|do|da)\s+)*{_CAP}(?:\s+(?:(?:de|del|la|di|"
    rf"della)\s+)*{_CAP}){{0,3}},?\s*(?:n[ºo°.]?\s*|nr\.?\s*)?\d{{1,4}}[a-zA-Z]?\b")
# Portuguese and Brazilian place types before a name, then ", number" ("Feira de Sá, 581",
# "Ladeira das Flores, 12", "R. de Vicente, S/N"): Title case, the comma required
PT_STREET = re.compile(
    rf"(?<![\w.])(?:Aeroporto|Área|Campo|Chácara|Colônia|Condomínio|Conjunto|Distrito|Esplanada|Estação|"
    rf"Fazenda|Feira|Jardim|Ladeira|Lago|Lagoa|Loteamento|Morro|Núcleo|Parque|Passarela|Pátio|Praia|"
    rf"Quadra|Recanto|Residencial|Setor|Sítio|Trecho|Trevo|Vale|Vereda|Viaduto|Viela|Vila|Azinhaga|"
    rf"Bairro|Beco|Calçada|Caminho|Escadinhas|Quinta|Rotunda|R\.|Av\.)\s+(?:(?:de|do|da|dos|das)\s+)*"
    rf"{_CAP}(?:\s+(?:(?:de|do|da|dos|das)\s+)*{_CAP}){{0,3}},\s*(?:n[ºo°.]?\s*)?(?:\d{{1,5}}[a-zA-Z]?|S/N)"
    r"(?=\s*(?:[,;!?)]|\.(?:\s|$)|$))")
# Numbered streets with the house number after "N°" ("Avenida 2 N° 630", "Diag. 74 N° 1120",
# "Calle 5 # 12-40"); Polish streets ("ul. Długa 5", "plac Waryńskiego 910"); post boxes.
NUMBERED_STREET = re.compile(
    r"\b(?i:calle|avenida|av\.|avda\.?|diagonal|diag\.|transversal|carrera|cra\.|pasaje|ruta|"
    r"boulevard|bulevar|camino)\s+\d{1,3}[A-Za-z]?\s*(?:N[°º]|n[°º]|No\.|#)\s*\d{1,5}(?:-\d{1,3})?\b")
PL_STREET = re.compile(
    rf"\b(?i:ul\.|ulica|al\.|aleja|aleje|pl\.|plac|os\.|osiedle|skwer|rondo|náměstí|nám\.|třída|"
    rf"nábřeží|ulice|námestie|nábrežie)\s+{_CAP}"
    rf"(?:\s+{_CAP}){{0,2}}\s+\d{{1,4}}[a-zA-Z]?(?:/\d{{1,4}})?\b")
# Street type after the name: Hungarian "Petőfi Sándor utca 12.", Turkish "Atatürk Caddesi No: 5"
SUFFIX_WORD_STREET = re.compile(
    rf"\b(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})\s+(?:utca|u\.|út|útja|tér|körút|krt\.|köz|fasor|sétány|"
    rf"rakpart|Caddesi|Cad\.|Sokak|Sokağı|Sok\.|Bulvarı|Blv\.)\s*,?\s*(?:No\s*[:.]?\s*)?"
    rf"\d{{1,4}}[a-zA-Z]?(?:/\d{{1,4}})?\b")
# Indonesian and Malaysian streets ("Jl. Soekarno Hatta No. 27", "Gg. Astana Anyar No. 9",
# "Jalan Ampang 12"); Japanese block addresses after a cue or before a Japanese postcode
# ("2-5-17 Tenjin, Matsuzaki 472-1920")
ID_STREET = re.compile(
    rf"\b(?:Jl\.|Jln\.|Jalan|Gg\.|Gang|Lorong|Lrg\.|Persiaran|Lebuh)\s+{_CAP}(?:\s+{_CAP}){{0,3}}"
    rf"\s*,?\s*(?:No\.?\s*)?\d{{1,4}}[A-Za-z]?\b")
JP_BLOCK = re.compile(rf"(?<![\w/.-])\d{{1,2}}-\d{{1,2}}(?:-\d{{1,3}})?\s+{_CAP}(?:[ -]{_CAP})?"
                      rf"(?=\s*,\s*(?P<rest>[^,.;!?]{{0,30}}))")
JP_POSTCODE = re.compile(r"(?<![\w-])\d{3}-\d{4}(?![\w-])")
PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box|Post Office Box|PO Box|Postfach|Postbus|Boîte postale|"
                    r"Apartado(?: de correos| postal)?|Casilla(?: de correo)?|Caixa postal|Postboks|"
                    r"Box)\s+\d{1,6}\b", re.IGNORECASE)
# A street of any country written without a street-type word, anchored on what follows its
# house number: the postcode and town ("Kapušianska 366, 662 49 Humenné", "Rokov perivoj 8b,
# 53618 Zagreb", "Grič 8c/8, ...") or the town and postcode ("Petronila Llanos 7179 Dpto. 5312,
# Carolin 8993423"); or an address cue before its name ("we moved to Karlova 12"). The name is
# read backwards from the number (`_street_name`).
HOUSE = (r"\d{1,5}(?:[A-Za-z]|\s[A-Z](?=,))?(?:/\d{1,4}[A-Za-z]?)?\.?"
         r"(?:\s+(?i:dpto|depto|dep|apt|apto|piso|of|"
         r"oficina|casa|int|app|appartamento|flat|unit|whg|wohnung|lok|stan|byt)\.?\s*\d{1,5}[A-Za-z]?)?")
_TOWN_WORD = r"[^\W\d_][^\W\d_'’]+"
# after the house number: ", postcode Town", ", Town postcode" or ", Town" (a town of the gazetteer)
_PLACE_AFTER = (
    rf",\s+(?:(?P<code>\d{{3}} \d{{2}}|\d{{2}}-\d{{3}}|\d{{4,5}}-\d{{3}}|\d{{3}}-\d{{4}}|\d{{4,7}}|"
    rf"[A-Z]{{1,3}}-\d{{4,5}}|"
    rf"[A-Z]\d{{4}}[A-Z]{{3}})\s+"
    rf"(?P<town>{_TOWN_WORD}(?: {_TOWN_WORD})?)|(?P<town2>{_TOWN_WORD}(?:[ -]{_TOWN_WORD}){{0,2}}),?\s+"
    rf"(?P<code2>\d{{7}}|\d{{4,6}}|\d{{3}} \d{{2}}|\d{{2}}-\d{{3}})(?![\w-])|"
    rf"(?P<town3>{_TOWN_WORD}(?:[ -]{_TOWN_WORD}){{0,2}})(?=\s*(?:[.,;!?)]|$|\s+(?:is|please|and)\b)))")
ANCHORED_STREET = re.compile(rf"(?<![\w/.-])(?P<num>{HOUSE}){_PLACE_AFTER}")
# the number first ("14 Ashgrove, LS6 ..."-like shapes of other countries): only before a postcode
_CAP_WORD = r"[^\W\d_a-z][\w'’-]*"
NUMBER_FIRST_STREET = re.compile(
    rf"(?<![\w/.,-])(?P<num>\d{{1,5}}[A-Za-z]?)\s+(?P<name>{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}){_PLACE_AFTER}")
CUED_HOUSE = re.compile(rf"(?<![\w/.-])(?P<num>{HOUSE})(?=\s*(?:[,;!?)]|\.(?:\s|$)|$|"
                        rf"\s+(?:please|is|was|last|and|for|in|since|now|then)\b))")
STREET_START_CUE = re.compile(r"(?:\b(?:live at|lives at|living at|ship(?:ped)? (?:it )?to|deliver(?:ed)? "
                              r"(?:it )?to|send (?:it|them) to|moved to|located at|new address is|"
                              r"address is|address|adresa|adres|osoite|adresse|dirección|direccion|"
                              r"indirizzo|endereço|cím)\s*:?\s*)$", re.IGNORECASE)
STREET_CUE_WORD = re.compile(r"live|living|ship|deliver|send|moved|located|address|adres|osoite|"
                             r"direcci|indirizzo|endereço|cím", re.IGNORECASE)
STREET_STOP = STOP - {"st", "the"} | {"items", "item", "pieces", "units", "times", "days", "hours",
                                     "minutes", "weeks", "months", "years", "dollars", "euros",
                                     "pounds", "boxes", "orders", "people", "ways"}

US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
             "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|GU|VI|AS|MP|PW|FM|MH")
ZIP_AFTER_STATE = re.compile(rf"\b(?:{US_STATES}),?\s+(\d{{5}}(?:-\d{{4}})?)\b")
POSTCODE_CUE = re.compile(r"\b(?:zip|zip code|zipcode|postal code|postcode|post code|plz|"
                          r"postleitzahl|code postal|cp|c\.p\.|código postal|codigo postal|cap|"
                          r"postnummer|irányítószám|psč|poštanski broj|poštna številka|postinumero|"
                          r"posta kodu|cep|código de endereçamento postal)"
                          r"(?:\s+(?:used to be|should be|would be|will be|is now|"
                          r"(?:has )?changed to|is actually|was actually)|\s*(?:is|was|ist|est|es|:|#)"
                          r"|[.!?]?\s+(?:it['’]?s|it is)(?:\s+actually|\s+now)?)?\s*$", re.IGNORECASE)
UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b", re.IGNORECASE)
CA_POSTCODE = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d\b")
FIVE_DIGITS_CITY = re.compile(r"(?<![\d.,-])(\d{5})\s+([A-ZÀ-ÝÄÖÜ][\wäöüßéèàç'-]+)")
NL_POSTCODE = re.compile(r"(?<![\w-])([1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2})(?:\s+([A-Z][\w'-]+))?\b")
# A city (with its US state) and then a postcode of any country's shape: "Saugor - 601974",
# "Houston TX, N4735HK", "Odense, 5000", "Mumbai 400001".
CITY_POSTCODE = re.compile(
    rf"(?P<city>[A-ZÀ-Ý][^\W\d_A-Z][\w'’.]*(?:[ -][A-ZÀ-Ý][^\W\d_A-Z][\w'’.]*){{0,2}})"
    rf"(?:,?\s+(?P<state>{US_STATES}|NSW|VIC|QLD|TAS|ACT|NT|SA))?(?P<sep>\s*[,–-]\s*|\s*\(\s*|\s+)"
    r"(?P<code>\d{6}|\d{5}-\d{3}|\d{3}-\d{4}|\d{5}(?:-\d{4})?|\d{4}-\d{3}|\d{2}-\d{3}|\d{3} \d{2}|"
    r"\d{4}|[A-Z]\d{2} ?[A-Z\d]{4}|"
    r"[A-Z]{1,3}-\d{2,3}-?\d{2,3}|"  # with the country's letters: "H-5580", "D-10115", "PL-00-950"
    r"(?=[A-Z\d]*\d[A-Z\d]*\d[A-Z\d]*\d)[A-Z\d]{5,8})(?![\w-])")
# The postcode before its town, after a comma or at a line start: "Stephansplatz 1, 1010 Wien",
# "114 55 Stockholm", "C1005AAD Buenos Aires", "CH-8001 Zürich"
POSTCODE_TOWN = re.compile(
    r"(?:^|(?<=\n)|(?<=,)|(?<=, ))[ \t]*(?P<code>\d{6}|\d{4}|\d{3} \d{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{3}|"
    r"[A-Z]\d{4}[A-Z]{3}|[A-Z]{1,3}-\d{4,5})[ \t]+"
    r"(?P<city>[A-ZÀ-Ý][^\W\d_A-Z][\w'’.]*(?:[ -][A-ZÀ-Ý][^\W\d_A-Z][\w'’.]*){0,2})")
CUE_AFTER = re.compile(r"\s+(?:zip|zip code|zipcode|postal code|postcode|post code)\b", re.IGNORECASE)
EIRCODE = re.compile(r"[AC-FHKNPRTV-Y]\d[\dW] ?[AC-FHKNPRTV-Y\d]{4}", re.IGNORECASE)
# "D24 TR43", "H-5580", "12-345", "SW1A 1AA"
CUED_POSTCODE = re.compile(r"(?<!\w)(?=[A-Za-z]{0,3}-?\d)[A-Za-z]{0,3}-?[A-Za-z0-9]+"
                           r"(?:[ -](?=[A-Za-z0-9]{2,4}\b)[A-Za-z]*\d[A-Za-z0-9]*|[ ][A-Za-z]{2}\b)?")


UNITS = frozenset("""
tb gb mb kb cm mm km kg lb lbs oz ml inch inches ft feet foot minute minutes hour hours mile miles
laps lap times way
""".split())  # noqa: SIM905
# Street types that are also ordinary words ("hard drive", "square", "up the hill"): the street
# name must then be written with capitals.
AMBIGUOUS_SUFFIX = re.compile(rf"(?:drive|dr|way|square|sq|hill|park|green|walk|row|close|place|court|"
                              rf"circle|loop|trail|plaza|terrace|grove|gardens|mews|alley|crescent|"
                              rf"{USPS_SUFFIX})\b\.?$", re.IGNORECASE)


USPS_ONLY = re.compile(rf"(?:{USPS_SUFFIX})\b\.?$", re.IGNORECASE)
UNIT_PART = re.compile(r",?\s*(?:apt|apartment|suite|ste|unit|flat|#)\.?\s*#?[\w-]+$", re.IGNORECASE)
ADDRESS_AFTER = re.compile(r",\s*[A-ZÀ-Ý][\w'’.-]+")  # "..., Atlanta"
ADDRESS_CUE = re.compile(r"(?:address|live at|lives at|living at|ship(?:ped)? to|deliver(?:ed)? to|"
                         r"send it to|moved to|located at)\W{0,12}(?:is\W+)?$", re.IGNORECASE)


def _street_ok(m: re.Match[str]) -> bool:
    words = m.group("name").split() if "name" in m.groupdict() and m.group("name") else []
    if any(w.lower().strip(".,") in STREET_STOP | UNITS for w in words):
        return False
    body = UNIT_PART.sub("", m.group(0))
    if USPS_ONLY.search(body) and not re.search(rf"(?:{US_SUFFIX})\b\.?$", body, re.IGNORECASE):
        # a rarer suffix ("Viaduct", "Ridge", "Pass"): a name no dictionary has as a word, a
        # flat or suite, a town after it, or an address cue before it
        english = lexicon().english
        text = m.string
        if not (any(w.lower().strip(".,") not in english for w in words) or body != m.group(0)
                or ADDRESS_AFTER.match(text, m.end())
                or ADDRESS_CUE.search(text[max(0, m.start() - 30):m.start()])):
            return False
    suffix = AMBIGUOUS_SUFFIX.search(m.group(0).split(",")[0])
    return not suffix or all(w[:1].isupper() for w in words) and not any(
        w.isupper() and len(w) > 1 for w in words)


def find_streets(text: str) -> Iterator[Span]:
    if not any(c.isdigit() for c in text):
        return  # every street shape holds a house or box number
    for m in US_STREET.finditer(text):
        if _street_ok(m):
            yield Span(m.start(), m.end(), "street", m.group(0).lower())
    english = lexicon().english
    for m in NUMBERED_STREET.finditer(text):
        yield Span(m.start(), m.end(), "street", m.group(0).lower())
    for m in PO_BOX.finditer(text):
        if not m.group(0).lower().startswith("box") or cue_before(ADDRESS_CUE, text, m.start()):
            yield Span(m.start(), m.end(), "street", m.group(0).lower())
    for m in SUFFIX_WORD_STREET.finditer(text):
        if not any(w.lower() in STREET_STOP or w.lower() in STOP for w in m.group("name").split()):
            yield Span(m.start(), m.end(), "street", m.group(0).lower())
    for pattern in (DE_NL_STREET, DE_HYPHENATED, DE_TWO_WORDS, FR_STREET, ES_IT_STREET, PL_STREET, PT_STREET):
        for m in pattern.finditer(text):
            value = m.group(0)
            words = re.findall(r"[^\W\d_]+", value)
            if pattern is DE_NL_STREET and (words[-1].lower() in english or YEAR.search(value)):
                continue  # "the Spring 2025 collection"
            if not any(w.lower() in STREET_STOP for w in words[1:] if w[0].isupper()):
                yield Span(m.start(), m.end(), "street", value.lower())
    for m in ID_STREET.finditer(text):
        yield Span(m.start(), m.end(), "street", m.group(0).lower())
    for m in JP_BLOCK.finditer(text):
        if JP_POSTCODE.search(m.group("rest")) or STREET_START_CUE.search(
                text[max(0, m.start() - 40):m.start()]):
            yield Span(m.start(), m.end(), "street", m.group(0).lower())
    for pattern in (ANCHORED_STREET, NUMBER_FIRST_STREET):
        for m in pattern.finditer(text):
            code = "code" if m.group("code") else "code2" if m.group("code2") else None
            town = m.group("town") or m.group("town2") or m.group("town3") or ""
            if not town[:1].isupper() or business_context(text, m.start()) or code and business_context(
                    text, m.start(code)) or not (_town(town.split()[0]) or _town(town) if code
                                                 else is_place_name(town) or is_place(town.split()[0])):
                continue  # "Kapitel 12, 2024 Edition": no town
            if pattern is ANCHORED_STREET:
                start, end = _street_name(text, m.start("num")), m.end("num")
            elif code == "code" and _street_words(m.group("name").split()):
                start, end = m.start(), m.end("name")
            elif code == "code2" and STREET_START_CUE.search(text[max(0, m.start() - 40):m.start()]):
                start, end = m.start(), m.end("name")  # "I live at 15 Lê Lợi, Nghèn 3286"
            else:
                continue
            if start is not None:
                yield Span(start, end, "street", text[start:end].lower())
                if code:
                    key = re.sub(r"\s", "", m.group(code).upper())
                    yield Span(m.start(code), m.end(code), "postcode", key)
    if STREET_CUE_WORD.search(text):
        for m in CUED_HOUSE.finditer(text):
            start = _street_name(text, m.start("num"), names=False)  # "Deliver to Room 12": no
            if start is not None and STREET_START_CUE.search(text[max(0, start - 40):start]):
                yield Span(start, m.end("num"), "street", text[start:m.end("num")].lower())


def _street_words(words: list[str]) -> bool:
    """Capitalised words that make a street name: none an ordinary English word or a unit."""
    lex = lexicon()
    return all(w.lower() not in STOP and w.lower() not in UNITS and (
        w.lower() not in lex.english or lex.is_name(w)) for w in words)


NAME_WORD = re.compile(r"([^\W\d_][\w'’-]*\.?) $")
# Inside a street name read backwards: its type word ("Mashtots Avenue 48", "Av. Santa Fe 12")
# and a regnal number ("Makariou III 274"), ordinary words or not
STREET_TYPE = re.compile(rf"(?:{US_SUFFIX}|av|avda|avenida|calle|rua|via|viale|corso|rue|ulitsa|ul|"
                         r"prospekt|pr|sokak|cadde|caddesi|odos|leoforos|derech|sderot|rehov|[IVX]{1,4})\.?",
                         re.IGNORECASE)


def _street_name(text: str, end: int, most: int = 4, names: bool = True) -> int | None:
    """Start of a street name that ends right before `end` (its house number): up to `most`
    words read backwards, each one no ordinary English word (or, if `names`, a capitalised
    name: "Petronila Llanos"), the first one capitalised; None if there is none."""
    lex = lexicon()
    start, words = None, 0
    pos = end
    while words < most:
        m = NAME_WORD.search(text, max(0, pos - 40), pos)
        if m is None or m.end() != pos:
            break
        word = m.group(1)
        bare = word.rstrip(".").lower()
        typed = word[0].isupper() and bool(STREET_TYPE.fullmatch(word))
        name_ok = names and word[0].isupper() and (lex.is_name(word.rstrip(".")) or typed)
        if bare in STOP or bare in UNITS or (bare in lex.english and not name_ok) or any(
                c.isdigit() for c in word):
            break
        pos = m.start(1)
        words += 1
        if word[0].isupper() and (not typed or start is not None):
            start = pos
        if pos == 0 or text[pos - 1] != " " or pos >= 2 and not text[pos - 2].isalnum():
            break
    return start


YEAR = re.compile(r"\s(?:19|20)\d\d$")


def _city(word: str | None) -> bool:
    if not word:
        return False
    w = word.lower()
    return w not in STOP and w not in lexicon().english and w not in ("euro", "eur", "usd", "gbp", "stück")


RESIDENCE = re.compile(r"\b(?:live|lives|living|reside|resides|based|located|address|from)\b[^.\n]*$",
                       re.IGNORECASE)
CLAUSE_END = re.compile(r"\s*(?:[.;!?)]|$|\s+and\b)")


def _town(words: str) -> bool:
    """A place name: in the gazetteer, or Title-case words that are no ordinary words."""
    return is_place_name(words) or is_place(words.split()[-1]) or all(
        _city(w) for w in re.split(r"[ -]", words))


TOWN_BEFORE = re.compile(r"([A-ZÀ-Ý][^\W\d_A-Z][\w'’.]*)[,\s]+$")


def _after_city(text: str, start: int) -> bool:
    m = TOWN_BEFORE.search(text[max(0, start - 40):start])
    return m is not None and _town(m.group(1))


# "You are Aage Kothari in 74318.": a person said to be in a five-digit place
PERSON_IN_ZIP = re.compile(
    r"\b(?:you are|you['’]re|I am|I['’]m|we are|we['’]re|she is|he is|they are)\s+(?!in\b)[^.\n\d,;]{1,40}?"
    r"\bin\s+(\d{5}(?:-\d{4})?)(?=\s*(?:[.,;!?]|$))", re.IGNORECASE)
# A Maltese postcode after its town, in an address: "Triq il-Kbira, Qormi QRM 8426"
MT_POSTCODE = re.compile(r"(?<=,)\s*[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?\s+([A-Z]{3}\s?\d{4})(?![\w-])")
ADDRESS_BEFORE = re.compile(r"\d[^.\n]*,\s*$|\b(?:address|deliver|ship|moved|live)\w*\b[^.\n]*$",
                            re.IGNORECASE)
LIVES_IN = re.compile(
    r"\b(?:live|lives|living|reside|resides|residing|located|based|home is)\s+(?:in|at)\b"
    r"[^.\n\d]{0,45}?(?<![\w-])(\d{5}(?:-\d{4})?|\d{4,6}|\d{2}-\d{3}|\d{4}-\d{3}|\d{3} \d{2})"
    r"(?![\w-])", re.IGNORECASE)


def find_postcodes(text: str) -> Iterator[Span]:
    def span(start: int, end: int) -> Span:
        return Span(start, end, "postcode", re.sub(r"\s", "", text[start:end].upper()))

    if not any(c.isdigit() for c in text):
        return  # every postcode shape holds a digit

    for m in ZIP_AFTER_STATE.finditer(text):
        yield span(m.start(1), m.end(1))
    for m in UK_POSTCODE.finditer(text):
        cued = cue_before(POSTCODE_CUE, text, m.start())
        # written without its space ("LU15PA") it is as likely a booking code: only with a cue
        # or after a town ("Luton LU15PA", "Luton, LU15PA")
        spaced = " " in m.group(0) or cued or _after_city(text, m.start())
        if (m.group(0).isupper() and spaced and not business_context(text, m.start())) or cued:
            yield span(m.start(), m.end())
    for m in CA_POSTCODE.finditer(text):
        yield span(m.start(), m.end())
    for m in FIVE_DIGITS_CITY.finditer(text):
        # "10115 Berlin", "Hauptstr. 5, 10115 Zossen"; not "10000 Punkte gesammelt"
        listed = is_place(m.group(2)) or text[:m.start()].rstrip().endswith(",") \
            or cue_before(POSTCODE_CUE, text, m.start(), 25)
        if listed and _city(m.group(2)) and not business_context(text, m.start()):
            yield span(m.start(1), m.end(1))
    for m in NL_POSTCODE.finditer(text):
        if _city(m.group(2)) or cue_before(POSTCODE_CUE, text, m.start()):
            yield span(m.start(1), m.end(1))
    for m in LIVES_IN.finditer(text):  # "you live in Denver, 80280"
        yield span(m.start(1), m.end(1))
    for m in PERSON_IN_ZIP.finditer(text):
        yield span(m.start(1), m.end(1))
    for m in MT_POSTCODE.finditer(text):
        yield span(m.start(1), m.end(1))
    for m in CITY_POSTCODE.finditer(text):
        code, sep = m.group("code"), m.group("sep")
        if code.isdigit() and len(code) == 4 and not m.group("state") and code[:2] in ("19", "20") \
                and not (RESIDENCE.search(text[max(0, m.start() - 30):m.start()])
                         and not sep.isspace() and CLAUSE_END.match(text, m.end())):
            continue  # "Berlin 2024", "Paris, 2019 was": a year ("Austin TX 2064" is an address,
            # and so is "you live in Odense, 2000.")
        city = m.group("city")
        # after a bare space only a town of the gazetteer ("Mumbai 400001", not "Pagué 20000")
        town = (is_place_name(city) or is_place(city.split()[-1])) if sep.isspace() else _town(city)
        town = town or m.group("state") is not None  # "Fort Worth, PA, 60-795"
        if "(" in sep and not text[m.end():m.end() + 3].lstrip().startswith(")"):
            continue
        if town and not business_context(text, m.start()):
            yield span(m.start("code"), m.end("code"))
    for m in POSTCODE_TOWN.finditer(text):
        city, code = re.split(r"\.\s", m.group("city"))[0], m.group("code")
        # "NNNN-NNN Town" after a comma is a Portuguese postcode whatever the town
        town = is_place_name(city) or is_place(city.split()[0]) or bool(re.fullmatch(r"\d{4}-\d{3}", code))
        if len(code) == 3:  # "…, 735 Akureyri" (Iceland): the whole town listed, after an address
            town = is_place_name(city) and bool(ADDRESS_BEFORE.search(text[max(0, m.start() - 60):m.start()]))
        if town and not business_context(text, m.start()):
            yield span(m.start("code"), m.end("code"))
    for m in CUED_POSTCODE.finditer(text):
        code = m.group(0)
        if 3 <= len(code) <= 10 and (sum(c.isdigit() for c in code) >= 3 or EIRCODE.fullmatch(code)) \
                and (cue_before(POSTCODE_CUE, text, m.start(), 25) or CUE_AFTER.match(text, m.end())):
            yield span(m.start(), m.end())
