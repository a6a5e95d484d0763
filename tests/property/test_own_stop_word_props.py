"""Our own spoken stop word is erased from the microphone only where a stop would change
nothing (`rules.own_stop_erased`); everywhere else a stop said over our voice is heard.

Red team, session 14: in a pause the page said "Say 'stop' to stop, or press Resume…"; its
microphone audio was erased for the whole sentence (so our own word could not halt), and a
receiver's "stop" said over it was lost. Now a pause, the movement and a hands-on set-up step
erase nothing, so the engine must say no stop word there: the echo of our own "stop" would
halt every pause. These tests hold the engine to that, over arbitrary sessions, reading each
sentence as the server reads what it hears (`audio.words.meaning`).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import TECHNIQUES, event_sequences, examples, replay, start

from backbuddy.audio.config import load
from backbuddy.audio.words import meaning
from backbuddy.domain.events import Event
from backbuddy.services.cue_speech import spoken_parts
from backbuddy.web.audio_socket import own_stop_erased

WORDS = load().words
OUTCOMES = ["clear", "caution"]


def _said_stop(sentence: str) -> bool:
    return meaning(sentence, WORDS) == "stop"


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from(sorted(TECHNIQUES)), st.sampled_from(OUTCOMES), event_sequences())
def test_no_stop_word_is_said_where_the_microphone_hears_through_our_own_voice(
    technique: str, outcome: str, events: list[Event]
) -> None:
    for step in replay(start(technique, outcome), events):
        if own_stop_erased(step.after):
            continue
        for cue in step.cues:
            for listening in (True, False):
                said = [s for s in spoken_parts(cue, listening) if _said_stop(s)]
                assert not said, (step.after.mode, step.after.phase_index, cue.kind, said)
