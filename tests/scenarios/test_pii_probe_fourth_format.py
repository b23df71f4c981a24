"""The fourth personal-data probe, tests/data/pii_probe_fourth.jsonl (held out whole, built by
benchmarks/pii_probe_fourth_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

from pathlib import Path

from stdnum.ar import cuit
from stdnum.at import vnr
from stdnum.be import nn
from stdnum.ch import ssn as ch_ssn
from stdnum.mx import curp
from stdnum.pl import pesel

from tests.scenarios import probe_checks as checks

PROBE = checks.PROBES / "pii_probe_fourth.jsonl"
AT_LEAST = {"name": 40, "name_possessive": 15, "email": 40, "phone": 40, "street": 40, "postcode": 40,
            "dob": 40, "iban": 15, "card": 15, "national_id": 15}
NEW_LOCALES = {"en_NZ", "en_IE", "de_AT", "de_CH", "fr_CA", "nl_BE", "pt_PT", "da_DK", "pl_PL", "es_MX",
               "es_AR", "fr_BE", "it_CH"}
REGION = {"en_NZ": "NZ", "en_IE": "IE", "de_AT": "AT", "de_CH": "CH", "fr_CA": "CA", "nl_BE": "BE",
          "pt_PT": "PT", "da_DK": "DK", "pl_PL": "PL", "es_MX": "MX", "es_AR": "AR", "fr_BE": "BE",
          "it_CH": "CH", "en_GB": "GB", "en_US": "US", "de_DE": "DE", "fr_FR": "FR"}
NATIONAL = (ch_ssn, nn, pesel, curp, cuit, vnr)


def test_schema_and_counts_per_kind() -> None:
    sources = {"tau2-airline", "tau2-telecom", "tm4-coffee", "tm1-sample"}
    checks.assert_counts(checks.read_lines(PROBE), sources, set(REGION), NEW_LOCALES, AT_LEAST, 15, {})


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    checks.assert_once_and_clear(checks.read_lines(PROBE))


def test_numbers_are_valid_in_their_own_system() -> None:
    lines = checks.read_lines(PROBE)
    for line, span in checks.planted(lines):
        kind, value = span["kind"], span["value"]
        checks.assert_valid(kind, value, REGION[line["locale"]], NATIONAL)  # the line's region
        if kind in ("national_id", "card", "email"):  # this probe writes no separators in them
            assert "-" not in value and (kind != "national_id" or value.isalnum()), value
    assert {"iban", "national_id", "phone"} <= {s["kind"] for _, s in checks.planted(lines)}
    # compact and spaced IBANs both occur, and at least one line lists them side by side
    checks.assert_spaced_and_compact_ibans(lines)


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(checks.REPO / "benchmarks" / "pii_probe_fourth_build.py", PROBE,
                                 ("tau2_bench", "taskmaster"), tmp_path)
