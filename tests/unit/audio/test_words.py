"""What recognised words mean: stop words stop (in phrases too), look-alikes never do."""

from __future__ import annotations

import pytest

from backbuddy.audio.config import load
from backbuddy.audio.words import meaning, tokens

WORDS = load().words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop", "stop"),
        (" Stop!", "stop"),
        ("Stop, please.", "stop"),
        ("please stop now", "stop"),
        ("Ouch.", "stop"),
        ("that's painful", "stop"),
        ("pain", "stop"),
        ("ow, that hurts", "stop"),
        ("okay", "okay"),
        ("OK.", "okay"),
        ("I'm fine", "okay"),
        ("go on", "okay"),
        ("top", "other"),
        ("shop", "other"),
        ("stomp", "other"),
        ("Stock.", "other"),
        ("plain", "other"),
        ("going on holiday", "other"),
        ("1, 2, 3, 4", "other"),
        ("", "other"),
    ],
)
def test_meaning_of_what_was_heard(text, expected):
    assert meaning(text, WORDS) == expected


def test_a_stop_word_wins_over_okay_in_the_same_breath():
    assert meaning("okay, no, stop", WORDS) == "stop"


def test_tokens_keep_apostrophes_inside_words_and_drop_punctuation():
    assert tokens("That’s fine, OK?") == ["that's", "fine", "ok"]
