"""Mis-decoded UTF-8 ("Â£1m") is repaired; legitimate non-ASCII text is left as it is."""

from __future__ import annotations

import pytest

from summarizer.text.bullets import clean_bullet
from summarizer.text.mojibake import repair_mojibake


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("The deal is worth Â£1.2m a year.", "The deal is worth £1.2m a year."),
        ("Itâ€™s a â€œbig dayâ€\x9d, she said.", "It’s a “big day”, she said."),
        ("Fares rise to â‚¬5 â€” again.", "Fares rise to €5 — again."),
        ("The cafÃ© in MÃ¼nster reopened.", "The café in Münster reopened."),
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚, he wrote.", "Привет, he wrote."),
        ("A gap:Â\xa0here.", "A gap:\xa0here."),
    ],
)
def test_windows_1252_decoded_utf8_is_repaired(broken, fixed):
    assert repair_mojibake(broken) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "The deal is worth £1.2m a year.",
        "Das ist „groß“, sagte sie.",  # ß + “ are bytes DF 93: valid UTF-8, but an NKo letter
        "Er sagte: „SCHÖ“ und ging.",  # Ö + “ would decode to a Hebrew accent
        "Ça coûte 5 € à Besançon, « déjà » cher.",
        "Plain ASCII text, nothing to do.",
        "Â alone, or Ã followed by a letter, is not mis-decoded text.",
    ],
)
def test_correct_text_is_left_alone(text):
    assert repair_mojibake(text) == text


def test_a_bullet_shows_the_character_the_writer_typed():
    assert clean_bullet("The council will spend Â£35m on the bridge, officials said.") == (
        "The council will spend £35m on the bridge, officials said."
    )
