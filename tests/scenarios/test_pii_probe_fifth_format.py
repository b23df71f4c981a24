"""The fifth personal-data probe, tests/data/pii_probe_fifth.jsonl (held out whole, built by
benchmarks/pii_probe_fifth_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

from pathlib import Path

from stdnum.cl import rut
from stdnum.cz import rc
from stdnum.fi import hetu
from stdnum.gr import amka
from stdnum.hr import oib
from stdnum.no import fodselsnummer
from stdnum.ro import cnp
from stdnum.se import personnummer
from stdnum.tr import tckimlik

from tests.scenarios import probe_checks as checks

PROBE = checks.PROBES / "pii_probe_fifth.jsonl"
AT_LEAST = {"name": 40, "email": 40, "phone": 40, "street": 40, "postcode": 40, "dob": 40,
            "name_possessive": 40, "iban": 20, "card": 20, "national_id": 20}
# look-alikes per kind they resemble: precision is measurable for these families
LOOKALIKES_AT_LEAST = {"name": 100, "phone": 100, "postcode": 50, "card": 20, "iban": 20,
                       "national_id": 20, "dob": 20, "pin": 10}
NEW_LOCALES = {"tr_TR", "el_GR", "en_PH", "sk_SK", "hr_HR", "sl_SI", "es_CL", "es_CO"}
REGION = {"tr_TR": "TR", "el_GR": "GR", "en_PH": "PH", "sk_SK": "SK", "hr_HR": "HR", "sl_SI": "SI",
          "es_CL": "CL", "es_CO": "CO", "fi_FI": "FI", "cs_CZ": "CZ", "hu_HU": "HU", "ro_RO": "RO",
          "no_NO": "NO", "sv_SE": "SE", "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR",
          "es_ES": "ES", "it_IT": "IT"}
NATIONAL = (personnummer, hetu, rc, cnp, tckimlik, oib, fodselsnummer, rut, amka)


def test_schema_and_counts_per_kind() -> None:
    checks.assert_counts(checks.read_lines(PROBE), {"tau-retail", "tau-fewshot", "abcd", "tau2-telecom-db"},
                         set(REGION), NEW_LOCALES, AT_LEAST, 20, LOOKALIKES_AT_LEAST)


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    checks.assert_once_and_clear(checks.read_lines(PROBE))


def test_numbers_are_valid_in_their_own_system() -> None:
    lines = checks.read_lines(PROBE)
    for _, span in checks.planted(lines):
        kind, value, origin = span["kind"], span["value"], span["origin"]
        checks.assert_valid(kind, value, REGION.get(origin), NATIONAL)  # the value's own region
        if kind == "iban":
            assert value[:2] == REGION[origin], value
    assert {"iban", "national_id", "phone"} <= {s["kind"] for _, s in checks.planted(lines)}
    checks.assert_business_numbers(lines)  # business numbers shaped like personal ones are real ones too
    checks.assert_spaced_and_compact_ibans(lines)
    checks.assert_both_ways(lines, "national_id", str.isalnum)  # with and without separators


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(checks.REPO / "benchmarks" / "pii_probe_fifth_build.py", PROBE,
                                 ("tau_bench", "abcd"), tmp_path)
