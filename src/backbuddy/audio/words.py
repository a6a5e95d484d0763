"""What recognised words mean: "stop" and its kin stop; "okay" and its kin are only recorded.

Matching is on whole words after lower-casing and dropping punctuation, and on
phrases ("go on") as word sequences, so "stop please" stops while "top", "shop"
and "stomp" do not.
"""

from __future__ import annotations

import re

from backbuddy.audio.config import WordsConfig
from backbuddy.audio.heard import Meaning

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    """Lower-case words, apostrophes kept inside words ("don't")."""
    return _WORD.findall(text.lower().replace("’", "'"))


def _contains(words: list[str], phrase: str) -> bool:
    want = tokens(phrase)
    n = len(want)
    return n > 0 and any(words[i : i + n] == want for i in range(len(words) - n + 1))


def meaning(text: str, config: WordsConfig) -> Meaning:
    """`stop` if any stop word is in `text`, else `okay` if an okay phrase is, else `other`."""
    words = tokens(text)
    if any(_contains(words, w) for w in config.stop):
        return "stop"
    if any(_contains(words, w) for w in config.okay):
        return "okay"
    return "other"
