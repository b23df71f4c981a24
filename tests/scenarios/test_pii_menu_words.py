"""Words of English that are also names in some Faker locale are not names to the scrubber when
they come only from the extra locales' lists: a coffee menu keeps its teas ("Lavender Earl Grey"
became "Karge Cyrill Sigvard" in the bundled coffee pack's build after the extra name lists were
added), while names of those locales are still found."""

from __future__ import annotations

import pytest

from convsim.scenarios.pii import Scrubber


@pytest.mark.parametrize("text", [
    "Can I get a Lavender Earl Grey and a Chai Latte?",
    "One Lavender latte, please.",
    "I'd like the Lavender Earl Grey, medium.",
])
def test_menu_items_that_are_english_words_stay(text: str) -> None:
    assert Scrubber("menu").scrub(text) == text


@pytest.mark.parametrize("item", ["Lavender Earl Grey", "Lavender", "Lavender earl grey"])
def test_a_menu_items_name_in_a_tool_result_stays(item: str) -> None:
    """A `name` field of a tool result (a menu item, as the coffee pack's build scrubs them)."""
    scrubber = Scrubber("menu")
    assert scrubber.scrub_value({"name": item}) == {"name": item}
    assert scrubber.scrub(item) == item


def test_a_name_of_an_extra_locale_is_still_scrubbed() -> None:
    text = "My name is Chiamaka Okonkwo and I ordered a latte."
    scrubbed = Scrubber("menu").scrub(text)
    assert "Chiamaka" not in scrubbed and "latte" in scrubbed
