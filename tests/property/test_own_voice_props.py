"""Double talk (audio/own_voice.py) over arbitrary microphones: it only ever adds voices.

Whatever the levels, the speech and the onsets, (1) an onset heard while we were silent is
always passed on (nothing the rule before it heard is lost); (2) while we speak, a voice is
a person only when louder than our echo's learned level by the margin, (3) at most once per
stretch of speech; (4) nothing over our voice counts before enough of it was learned; (5) a
person who began speaking while we were silent is not learned as our echo while she talks on;
(6) speech that goes on after our echo (and its tail) ended is a person's, once per stretch:
in the silences left where our echo is loud (voice17), whatever the levels.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import VoiceOnset
from backbuddy.audio.own_voice import OwnVoice

CONFIG = load_config().own_voice
W = 0.032

chunk = st.tuples(
    st.booleans(),  # we were speaking
    st.booleans(),  # this chunk teaches the echo level (a voice changes nothing here)
    st.floats(-100.0, 0.0),  # its level, dBFS
    st.booleans(),  # the voice-activity gate is in speech
    st.booleans(),  # a voice onset starts in it
)


@settings(max_examples=200, deadline=None)
@given(st.lists(chunk, max_size=400))
def test_double_talk_only_adds_voices_louder_than_our_echo_once_per_stretch(chunks) -> None:
    own = OwnVoice(CONFIG)
    learned = 0
    told_in_stretch = theirs = False
    for i, (speaking, learn, level, speech, onset) in enumerate(chunks):
        t0, t1 = i * W, (i + 1) * W
        if speaking:
            own.mark(t0, t1)
        ceiling = own.ceiling_db
        onsets = [VoiceOnset(t1, t0)] if onset else []
        was_echo = own.echo(t0)
        got = own.voices(onsets, t0, t1, level, speech)
        if onset and not was_echo:
            assert got == onsets  # (1)
            theirs = True
        elif got and not was_echo:
            assert speech  # (6)
            assert not told_in_stretch
        elif got:
            assert speech
            assert ceiling is not None
            assert learned * W >= CONFIG.learn_min_s
            assert level >= ceiling + CONFIG.margin_db  # (2)
            assert not told_in_stretch  # (3)
        if not was_echo and speech and not told_in_stretch and not onset:
            assert got, "speech going on past our echo must be hers"  # (6)
        if got:
            told_in_stretch = True
            theirs = theirs or not was_echo
        if not speech and not onset:
            told_in_stretch = theirs = False
        if speaking and learn:  # (as `listen.hear_over_own_voice` does: after `voices`)
            before = own.ceiling_db
            own.learn(level)
            if theirs:
                assert own.ceiling_db == before  # (5)
            else:
                learned += 1
