"""The sixth personal-data probe, tests/data/pii_probe_sixth.jsonl (held out whole, built by
benchmarks/pii_probe_sixth_build.py from public text): format, counts, labels (the tests are
probe_checks.held_out_tests)."""

from __future__ import annotations

from stdnum.bg import egn
from stdnum.ee import ik
from stdnum.id import nik
from stdnum.il import idnr as il_idnr
from stdnum.jp import in_ as my_number
from stdnum.lt import asmens
from stdnum.my import nric
from stdnum.ua import rntrc
from stdnum.za import idnr as za_idnr

from tests.scenarios import probe_checks as checks

PROBE = checks.HeldOut(
    file="pii_probe_sixth.jsonl", builder="pii_probe_sixth_build.py", folders=("tau_bench", "taskmaster"),
    sources={"tau-traj", "tm4-reward", "tm4-dialogs"},
    new_locales={"id_ID", "ja_JP", "fr_CH", "az_AZ", "zu_ZA", "yo_NG", "ha_NG", "uz_UZ", "ga_IE", "sw"},
    # look-alikes per personal kind they resemble: precision is measurable for every family
    lookalikes_at_least={"name": 300, "pin": 40, "card": 30, "dob": 30, "postcode": 25, "iban": 20,
                         "national_id": 20, "phone": 20, "street": 20, "user_id": 20, "email": 10},
    national=(egn, ik, asmens, za_idnr, rntrc, my_number, nik, nric, il_idnr),
    phone_region={"id_ID": "ID", "ja_JP": "JP", "fr_CH": "CH", "az_AZ": "AZ", "zu_ZA": "ZA", "yo_NG": "NG",
                  "ha_NG": "NG", "uz_UZ": "UZ", "ga_IE": "IE", "sw": "KE", "bg_BG": "BG", "uk_UA": "UA",
                  "vi_VN": "VN", "ka_GE": "GE", "et_EE": "EE", "lv_LV": "LV", "lt_LT": "LT", "en_US": "US",
                  "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"},
    user_id=r"[a-z]+_[a-z]+_\d{4}", card_lookalike=("tracking", True),
    dob_formats=("%m/%d/%Y", "%B %d, %Y", "%d/%m/%Y", "%d %B %Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d",
                 "%Y-%m-%d", "%d/%m/%y"),
)
globals().update(checks.held_out_tests(PROBE))
