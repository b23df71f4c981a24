"""Rebuild the names dictionary of the PII scrubber (run by hand; output is committed).

First and last names come from faker's person providers (MIT licence) for the
locales below; `english_words.txt.gz` is the lower-case entries of the Debian
`wamerican` word list (SCOWL), used to tell names that are also ordinary words
("will", "grace", "brown") from names that are only names. Deterministic: sorted,
unique, lower-case.

    apt-get install wamerican && .venv/bin/python convsim/core/data/names/make_names.py
"""

from __future__ import annotations

import gzip
import importlib
import re
from pathlib import Path

import faker

LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "en_CA", "en_AU", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_CA", "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_BR", "pt_PT", "sv_SE", "da_DK",
           "no_NO", "fi_FI", "pl_PL", "cs_CZ", "ga_IE", "tr_TR")
# Every other faker locale with Latin-script (or romanised) names: recognised by the PII scrubber
# (`*_extra.txt`), kept apart so the pseudonym pool and persona mining stay as they were.
EXTRA_LOCALES = ("az_AZ", "de_LI", "de_LU", "en_KE", "en_NG", "en_NZ", "en_PK", "es_AR", "es_CL", "es_CO",
                 "et_EE", "fr_BE", "fr_CH", "ha_NG", "hr_HR", "hu_HU", "id_ID", "ig_NG", "is_IS", "ja_JP",
                 "lt_LT", "lv_LV", "ro_RO", "sk_SK", "sl_SI", "sw", "tw_GH", "uz_UZ", "vi_VN", "yo_NG",
                 "zu_ZA", "zh_CN", "zh_TW")
FIRST = ("first_names", "first_names_male", "first_names_female", "first_romanized_names",
         "first_romanized_names_male", "first_romanized_names_female")
LAST = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")
PARTICLES = {"de", "del", "della", "der", "den", "di", "da", "das", "do", "dos", "du", "la", "le",
             "van", "von", "vom", "zu", "ter", "ten", "y", "e", "mc", "mac", "st", "el", "al"}
WORD = re.compile(r"^[^\W\d_][\w'’-]*$")
LATIN = re.compile(r"^[\u0000-\u024f\u1e00-\u1eff'’-]+$")  # Latin script only (not kana, Cyrillic...)
HERE = Path(__file__).parent


def _names(attrs: tuple[str, ...], locales: tuple[str, ...] = LOCALES) -> set[str]:
    out: set[str] = set()
    for loc in locales:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr in attrs:
            names = getattr(provider, attr, None)
            for name in names if isinstance(names, (list, tuple, dict, set)) else ():
                for part in str(name).lower().split():
                    if len(part) > 1 and part not in PARTICLES and WORD.match(part) \
                            and (locales == LOCALES or LATIN.match(part)):
                        out.add(part)
    return out


def main() -> None:
    first = _names(("first_names", "first_names_male", "first_names_female"))
    last = _names(("last_names", "last_names_male", "last_names_female"))
    header = f"# faker {faker.VERSION} person providers: {', '.join(LOCALES)}\n"
    (HERE / "first_names.txt").write_text(header + "\n".join(sorted(first)) + "\n")
    (HERE / "last_names.txt").write_text(header + "\n".join(sorted(last)) + "\n")
    header = f"# faker {faker.VERSION} person providers, not in the main lists: {', '.join(EXTRA_LOCALES)}\n"
    more_first = _names(FIRST, EXTRA_LOCALES) - first
    more_last = _names(LAST, EXTRA_LOCALES) - last
    (HERE / "first_names_extra.txt").write_text(header + "\n".join(sorted(more_first)) + "\n")
    (HERE / "last_names_extra.txt").write_text(header + "\n".join(sorted(more_last)) + "\n")
    print(f"{len(more_first)} more first names, {len(more_last)} more last names")
    if not Path("/usr/share/dict/words").exists():
        return  # the English word list needs `apt-get install wamerican`
    words = sorted({w for w in Path("/usr/share/dict/words").read_text().split()
                    if w.islower() and w.isalpha() and len(w) > 1})
    text = "# Debian wamerican (SCOWL), lower-case entries\n" + "\n".join(words) + "\n"
    with (HERE / "english_words.txt.gz").open("wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as fh:
        fh.write(text.encode())
    print(f"{len(first)} first names, {len(last)} last names, {len(words)} English words")


if __name__ == "__main__":
    main()
