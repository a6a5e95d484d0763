"""Every cue the engine can give is spoken from sentences rendered before the session, so speech
adds no synthesis delay and needs nothing at run time (issue 10, spoken cues offline)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import TECHNIQUES, event_sequences, screening

from backbuddy.domain import session
from backbuddy.domain.errors import TransitionNotAllowed
from backbuddy.services.cue_speech import fixed_texts, spoken_parts

technique_ids = st.sampled_from(sorted(TECHNIQUES))
outcomes = st.sampled_from(["clear", "caution"])


@settings(max_examples=150)
@given(technique_ids, outcomes, event_sequences(), st.booleans())
def test_every_spoken_sentence_is_one_of_the_pre_rendered_ones(tid, outcome, events, listening):
    state = session.new_session(TECHNIQUES[tid], screening(tid, outcome))
    known = set(fixed_texts(state.technique, state.limits.attempts))
    for event in events:
        try:
            state, cues = session.step(state, event)
        except TransitionNotAllowed:
            continue
        for cue in cues:
            assert set(spoken_parts(cue, listening)) <= known, cue
