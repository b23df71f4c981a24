"""The scrubber on id, phone, street and code shapes of more countries, written here (not taken
from the probes in tests/data): national ids valid in python-stdnum's systems after a cue word
(Swiss AHV, Belgian national number, Argentine CUIT, Mexican CURP, Austrian, Norwegian,
Romanian, Chilean ids...); phone numbers of regions without a matcher pass, after a phone cue;
streets written the Flemish, Danish, Polish, Argentine and Canadian-French way, post boxes;
PINs and one-time codes after the cues people use. And near misses that must come out
unchanged: order and tracking numbers, amounts, product codes, times, invalid numbers."""

from __future__ import annotations

import re

import pytest

from convsim.scenarios.pii import Scrubber


def _scrub(text: str) -> str:
    scrubber = Scrubber("generalise-ids")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


def _left(value: str, out: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out, re.IGNORECASE) is not None


# (sentence, the personal values in it); every number is valid for its system (stdnum checksums)
NATIONAL_IDS = [
    ("Sure, my AHV number is 7561234567897.", ["7561234567897"]),
    ("AVS: 7569876500128, if that helps.", ["7569876500128"]),
    ("My national register number is 79031512340.", ["79031512340"]),
    ("Rijksregisternummer 64072204509, please update it.", ["64072204509"]),
    ("The CUIT on my invoice is 20284756321.", ["20284756321"]),
    ("my cuil is 23318244170", ["23318244170"]),
    ("Here is my CURP: PEGJ900512HDFRRN06.", ["PEGJ900512HDFRRN06"]),
    ("I think my curp is MAHL770830MJCRRS00 but check it", ["MAHL770830MJCRRS00"]),
    ("Mi CURP es MAHL770830MJCRRS00 y mi teléfono cambió.", ["MAHL770830MJCRRS00"]),
    ("My social insurance number is 1232150387.", ["1232150387"]),
    ("Sozialversicherungsnummer 4820150387 bitte.", ["4820150387"]),
    ("Fødselsnummer: 12038945031.", ["12038945031"]),
    ("My personal number is 03077222366.", ["03077222366"]),
    ("My CNP is 1900515260034, same as on my card.", ["1900515260034"]),
    ("CNP 2861121400529 is my mother's.", ["2861121400529"]),
    ("My RUT is 12345678-5.", ["12345678-5"]),
    ("My CPR number is 2110625629.", ["2110625629"]),
    ("Henkilötunnus 131052-308T.", ["131052-308T"]),
    ("My NIF is 271518936.", ["271518936"]),
    # a CURP's shape and checksum stand alone, without a cue
    ("The form was filled in with PEGJ900512HDFRRN06 by mistake.", ["PEGJ900512HDFRRN06"]),
]
PHONES = [
    ("Call me on 32 12 34 56 after five.", ["32 12 34 56"]),
    ("My number is 412 34 567, it's a Norwegian mobile.", ["412 34 567"]),
    ("Text me at 021 123 4567 when it ships.", ["021 123 4567"]),
    ("You can reach me at my mobile 040 123 4567.", ["040 123 4567"]),
    ("Phone number: 011 4321-5678.", ["011 4321-5678"]),
    ("my cell is 9 6123 4567 in Santiago", ["9 6123 4567"]),
    ("Ring me on 040 123 4567 tomorrow.", ["040 123 4567"]),
    ("My landline is 32 12 34 56.", ["32 12 34 56"]),
    ("Contact number: 412 34 567.", ["412 34 567"]),
    ("Mein Handynummer ist 021 123 4567.", ["021 123 4567"]),
    ("O meu telemóvel é 412 34 567.", ["412 34 567"]),
]
STREETS = [
    ("I live at Meerhof 14, 2300 Turnhout.", ["Meerhof 14"]),
    ("Send it to Kerksteeg 3, 8000 Brugge.", ["Kerksteeg 3"]),
    ("The billing address is Vijverdreef 27, Gent.", ["Vijverdreef 27"]),
    ("Ship it to Nørrebrogade 112, 2200 København.", ["Nørrebrogade 112"]),
    ("My address is Skovvej 9, 8000 Aarhus.", ["Skovvej 9"]),
    ("I live at ul. Długa 45, 00-238 Warszawa.", ["ul. Długa 45"]),
    ("Deliver to plac Zbawiciela 6/12 please.", ["plac Zbawiciela 6/12"]),
    ("My address is aleja Róż 7, Kraków.", ["aleja Róż 7"]),
    ("Vivo en Calle 47 N° 812, La Plata.", ["Calle 47 N° 812"]),
    ("The billing address is Diagonal 73 N° 1520, La Plata.", ["Diagonal 73 N° 1520"]),
    ("Ship it to Avenida 9 Nº 45, Rosario.", ["Avenida 9 Nº 45"]),
    ("My mailing address is PO Box 4471, Dunedin 9054.", ["PO Box 4471"]),
    ("Send the cheque to P.O. Box 88, Nelson.", ["P.O. Box 88"]),
    ("Postfach 1203, 80331 München.", ["Postfach 1203"]),
    ("My address is 1288 rang Saint-Joseph, Lévis.", ["1288 rang Saint-Joseph"]),
    ("I live at 40512 allé Bergeron Suite 12, Laval.", ["40512 allé Bergeron"]),
    ("Ship it to 77 montée Sainte-Julie, Varennes.", ["77 montée Sainte-Julie"]),
    # the street type after the name (Hungarian, Turkish)
    ("I live at Kossuth Lajos tér 3, Szeged.", ["Kossuth Lajos tér 3"]),
    ("Send it to Petőfi Sándor utca 12, 1052 Budapest.", ["Petőfi Sándor utca 12"]),
    ("The address is Andrássy út 60, Budapest.", ["Andrássy út 60"]),
    ("Ship to Atatürk Caddesi No: 45, Ankara.", ["Atatürk Caddesi No: 45"]),
    ("I live at Gül Sokak 7, Izmir.", ["Gül Sokak 7"]),
    # the street type first (Romanian, Portuguese, Italian, Catalan, Czech)
    ("Send it to Str. Mihai Eminescu nr. 12, Cluj.", ["Str. Mihai Eminescu nr. 12"]),
    ("I live at Calea Victoriei 155, 010073 București.", ["Calea Victoriei 155", "010073"]),
    ("My address is Alameda Santos 45, São Paulo.", ["Alameda Santos 45"]),
    ("Deliver to Vicolo Stretto 4, Verona.", ["Vicolo Stretto 4"]),
    ("I live at Passeig Maragall 210, Barcelona.", ["Passeig Maragall 210"]),
    ("The address is náměstí Míru 5, 120 00 Praha.", ["náměstí Míru 5"]),
    # Nordic and Finnish suffixes
    ("Ship it to Mannerheimintie 12, Helsinki.", ["Mannerheimintie 12"]),
    ("I live at Koivukuja 3, Espoo.", ["Koivukuja 3"]),
    ("Send it to Prästgränd 8, Stockholm.", ["Prästgränd 8"]),
]
POSTCODES = [
    ("My address is Rua das Flores 20, 4050-262 Porto.", ["4050-262"]),
    ("I live at Travessa do Carmo 3, 1200-095 Lisboa.", ["1200-095"]),
    ("Send it to Rua Direita 8, 3810-199 Aveiro Centro.", ["3810-199"]),
    ("It goes to 15 Elm Road, 2710-590 Sintra.", ["2710-590"]),
    ("Morada: Largo do Paço 1, 4700-424 Braga.", ["4700-424"]),
]
SECRETS = [
    ("The PIN I set was 8042.", ["8042"]),
    ("The passcode we chose is 551902.", ["551902"]),
    ("My 4-digit PIN is 7315.", ["7315"]),
    ("It's a six-digit code: 204 718.", ["204 718"]),
    ("I got the code 660913 by text a minute ago.", ["660913"]),
    ("I received a verification code, it's 418207.", ["418207"]),
    ("You texted me a code: 93 02 11.", ["93 02 11"]),
    ("My code is 4471, the one for the app.", ["4471"]),
    ("The security code is 618.", ["618"]),
    ("The PIN for my card is 0912.", ["0912"]),
    ("The PIN I use is 2580.", ["2580"]),
]
USER_IDS = [
    ("Your user id is 'tove_lindqvist_4410'.", ["tove_lindqvist_4410"]),
    ('My username is "bongani_dlamini_82".', ["bongani_dlamini_82"]),
    ("Login: 'ayelet_ben-ami_6063'", ["ayelet_ben-ami_6063"]),
    ("It's 'rangi_parata_119', I think.", ["rangi_parata_119"]),
    ("user id ‘siiri_kask_5521’", ["siiri_kask_5521"]),
]
NAMES = [
    ("Your name is Marit Rode.", ["Marit", "Rode"]),
    ("My name is Oona Bell.", ["Oona", "Bell"]),
    ("Name is Sefton Wade.", ["Sefton", "Wade"]),
    ("My name is Ikaika Moss!", ["Ikaika", "Moss"]),
    ("my name is Tauri Hill.", ["Tauri", "Hill"]),
]


@pytest.mark.parametrize(("text", "values"), NATIONAL_IDS + PHONES + STREETS + POSTCODES + SECRETS
                         + USER_IDS + NAMES)
def test_personal_value_is_removed(text: str, values: list[str]) -> None:
    out = _scrub(text)
    for value in values:
        assert not _left(value, out), (value, out)


def test_cued_id_keeps_its_length_and_is_stable() -> None:
    scrubber = Scrubber("generalise-ids")
    text = "My AHV number is 7561234567897."
    scrubber.begin([], [text])
    first = scrubber.scrub(text)
    again = scrubber.scrub("Once more: my AHV number is 7561234567897.")
    new = re.search(r"\d{13}", first)
    assert new is not None and new.group(0) != "7561234567897", first
    assert new.group(0) in again


LOOK_ALIKES = [
    # order, tracking and reference numbers, even after words that cue ids or phones
    "My order number is 20284756321, it never arrived.",
    "Tracking 7561234567897 shows it in Basel.",
    "The reference code is 79031512340.",
    "Call me about order 32 12 34 56 please.",
    "Booking 412 34 567 was cancelled.",
    "The EAN on the box is 7561234567897.",
    # amounts, times, quantities, product codes
    "It cost 1 299,00 kr and 4 450 pesos.",
    "Pick it up at 10:45 tomorrow, the store opens at 09:00.",
    "I bought 2 boxes of 12 and the XK-4420 charger.",
    "Model PX7 Mark 2 costs 349 dollars.",
    "Add 3 shots, a 16 oz cup, and 2 pumps of vanilla.",
    # numbers after an id cue that are valid in no system and not id-shaped
    "My CUIT is pending, they said 3 weeks.",
    "My CURP is on the form from 2019.",
    # codes that are not secrets
    "The promo code is SAVE20 and the gift code GIFT4410.",
    "I got the code SPRING15 from your newsletter.",
    "My zip code is in the form.",
    "Use discount code 2024 at checkout.",
    # words that look like streets, post boxes or postcodes
    "The Harvest 5 blend is sold out.",
    "Box 12 of the order was damaged.",
    "The game ended 2024-001 in the log.",
    "We stayed at the Hof 3 nights.",
    "The Sokak 5 special is back.",
    "Our Cafe Caddesi 12 stays open late.",
    "Room 12, 120000 points were added.",
    "Call me if the 3 boxes arrive after 5 pm.",
    "Flights from Houston to Denver are full.",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_is_kept(text: str) -> None:
    assert _scrub(text) == text
