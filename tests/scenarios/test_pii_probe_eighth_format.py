"""The eighth personal-data probe, tests/data/pii_probe_eighth.jsonl (held out whole, built by
benchmarks/pii_probe_eighth_build.py from public text): format, counts, labels (the tests are
probe_checks.held_out_tests)."""

from __future__ import annotations

from stdnum.au import tfn
from stdnum.cr import cpf as cr_cpf
from stdnum.cu import ni as cu_ni
from stdnum.do import cedula
from stdnum.ie import pps
from stdnum.lv import pvn
from stdnum.mx import rfc
from stdnum.pk import cnic
from stdnum.si import emso

from tests.scenarios import probe_checks as checks

ID_SYSTEM = {"IE": pps, "AU": tfn, "PK": cnic, "DO": cedula, "SI": emso, "LV": pvn, "MX": rfc, "CR": cr_cpf,
             "CU": cu_ni}
PROBE = checks.HeldOut(
    file="pii_probe_eighth.jsonl", builder="pii_probe_eighth_build.py", folders=("tau2_bench", "taskmaster"),
    sources={"tm4-dialogs", "tau2-retail-tasks"},
    new_locales={"ru_RU", "uk_UA", "bg_BG", "mk_MK", "de", "es"},
    lookalikes_at_least={"name": 300, "name_possessive": 15, "pin": 20, "card": 20, "dob": 20,
                         "postcode": 20, "iban": 20, "national_id": 20, "phone": 20, "street": 20,
                         "user_id": 20, "email": 10},
    national=tuple(ID_SYSTEM.values()), id_system=ID_SYSTEM, lines_at_least=300,
    user_id=r"[a-z]+\.[a-z]+\d{2}|7\d{9}|CX-\d{6}", card_lookalike=("loyalty_card", False),
    dob_formats=("%B %d, %Y", "%m-%d-%Y", "%d %B %Y", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d. %m. %Y",
                 "%d.%m.%Y.", "%d-%m-%Y", "%Y-%m-%d", "%d-%b-%Y"),
)
globals().update(checks.held_out_tests(PROBE))
