"""The seventh personal-data probe, tests/data/pii_probe_seventh.jsonl (held out whole, built by
benchmarks/pii_probe_seventh_build.py from public text): format, counts, labels (the tests are
probe_checks.held_out_tests)."""

from __future__ import annotations

from stdnum.cn import ric
from stdnum.dk import cpr
from stdnum.ec import ci
from stdnum.in_ import pan
from stdnum.is_ import kennitala
from stdnum.kr import rrn
from stdnum.pe import cui
from stdnum.pt import nif
from stdnum.th import pin as th_pin

from tests.scenarios import probe_checks as checks

ID_SYSTEM = {"IS": kennitala, "DK": cpr, "PT": nif, "IN": pan, "KR": rrn, "CN": ric, "PE": cui, "EC": ci,
             "TH": th_pin}
PROBE = checks.HeldOut(
    file="pii_probe_seventh.jsonl", builder="pii_probe_seventh_build.py",
    folders=("tau_bench", "tau2_bench", "taskmaster"),
    sources={"tau-retail-test", "tau-airline-test", "tm4-dialogs"},
    new_locales={"is_IS", "tw_GH", "ig_NG", "en_PK", "en_KE", "en_TH", "es_CA", "fr_DZ", "en_NG"},
    lookalikes_at_least={"name": 300, "pin": 20, "card": 20, "dob": 20, "postcode": 20, "iban": 20,
                         "national_id": 20, "phone": 20, "street": 20, "user_id": 20, "email": 10},
    national=tuple(ID_SYSTEM.values()), id_system=ID_SYSTEM,
    user_id=r"[a-z]+_[a-z]+_\d{4}|4\d{7}|CU\d{8}",
    card_lookalike=("gift_card", False),
    dob_formats=("%m/%d/%Y", "%b %d, %Y", "%d/%m/%Y", "%d %B %Y", "%d.%m.%Y", "%d-%b-%Y", "%d-%m-%Y",
                 "%Y.%m.%d", "%Y-%m-%d", "%d %b %Y"),
)
globals().update(checks.held_out_tests(PROBE))
