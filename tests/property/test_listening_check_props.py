"""Where the microphone check may pass (`audio_socket.can_check`), over arbitrary sessions.

The check is a spoken "stop": it confirms listening, and halts like any stop (I2). It used
to pass only in set-up before the first attempt, so after listening was lost (or the page
reloaded) nothing could confirm it again and the gap watch no longer guarded a second drop.
Now it passes in set-up before the first attempt and in every pause or halt: wherever the
session is paused after a listening loss, the check is there, and it is never taken while
something moves (an attempt under way) or after the end.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import TECHNIQUES, event_sequences, examples, replay, start

from backbuddy.domain import session
from backbuddy.domain.events import Event, Stop, Voice
from backbuddy.web.audio_socket import can_check


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(sorted(TECHNIQUES)), event_sequences())
def test_the_check_is_there_after_every_listening_loss_and_never_while_moving(
    technique: str, events: list[Event]
) -> None:
    for step in replay(start(technique, "clear"), events):
        state = step.after
        if isinstance(step.event, Voice) and step.event.lost and state.mode == "paused":
            assert can_check(state), "listening was lost and the check cannot pass again"
        if can_check(state):
            assert state.mode in ("idle", "setup", "paused", "halted"), state.mode
            assert state.mode not in ("idle", "setup") or state.attempts == 0
            after, _ = session.step(state, Stop(step.event.t))  # the check's stop halts (I2)
            assert after.mode == "halted", after.mode
