"""The terminal guide's live listening as the hands go on (red team, session 25): Enter in a
pause (or the rest's end) puts the hands back on while the receiver is still saying "stop".
Before, nothing paused until Whisper had her words; the rest ran into the breath-in and, with
Whisper seconds behind, the movement cue came first. Now a person's voice under way, or her
words still waiting, pauses at once as the hands go on, as a voice begun there; her words
still halt. Real Silero VAD and Whisper tiny.en on a recorded clip, a real SQLite store.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from audio_clips import clip
from heard_words import shared_words
from session_strategies import NOW, start

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.adapters.vad import SileroVad
from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import Heard
from backbuddy.audio.samples import RATE, Samples
from backbuddy.cli.guide_live import _feed
from backbuddy.cli.guide_voice import GuideVoice
from backbuddy.domain import events as ev
from backbuddy.domain import rules
from backbuddy.domain.cues import Cue
from backbuddy.services.listen import Listener, to_events
from backbuddy.services.listen_run import LiveListening
from backbuddy.services.session_runner import SessionRunner
from backbuddy.services.store_wait import StoreWorker, moving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whisper")]

CHUNK = 512


def _microphone(
    x: Samples, hold_at_s: float, go: threading.Event
) -> Iterator[tuple[float, Samples]]:
    """`x` as a live microphone, holding after `hold_at_s` (mid-word) until `go`."""
    for i in range(0, x.size, CHUNK):
        if i >= round(hold_at_s * RATE) and not go.is_set():
            go.wait(60)
        yield i / RATE, x[i : i + CHUNK].astype(np.float32)


def _wait_for(what: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Until `what()` holds (a state, not a time: generous for a loaded box)."""
    idle = threading.Event()
    for _ in range(round(timeout_s / 0.05)):
        if what():
            return
        idle.wait(0.05)
    raise AssertionError("never came")


def test_enter_in_a_pause_while_she_says_stop_pauses_as_the_hands_go_on(tmp_path: Path) -> None:
    x = np.concatenate([clip("speech/joe_stop__please.wav"), np.zeros(RATE)])
    go = threading.Event()
    listening = LiveListening(
        _microphone(x, 0.5, go), Listener(SileroVad(), load_config()), shared_words()
    )
    voice = GuideVoice(listening=listening)
    with SqlStore(f"sqlite:///{tmp_path / 'g.sqlite3'}") as store:
        runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, NOW)
        worker = StoreWorker(lambda: moving(runner.state), "the test's file")
        log: deque[Cue] = deque(maxlen=50)
        t = 0.0
        _feed(runner, ev.Begin(t, at=NOW), NOW, log, voice, worker)
        t += 1.0
        _feed(runner, ev.Ready(t), NOW, log, voice, worker)  # the assistant takes hold
        assert rules.hands_on(runner.state)
        t += 1.0
        _feed(runner, ev.Stop(t, source="key"), NOW, log, voice, worker)  # a plain stop
        assert runner.state.mode == "halted"
        listening.start()
        _wait_for(lambda: listening.view.speaking)  # mid-"stop": her voice is under way
        t += 1.0
        _feed(runner, ev.Resume(t), NOW, log, voice, worker)  # Enter: the hands go back on
        kinds = [c.kind for c in log]
        assert runner.state.mode == "paused", f"the hands went back on over her voice: {kinds}"
        assert runner.state.paused_for == "voice"
        go.set()
        listening.join(60)
        heard = listening.poll()
        listening.close()
        t += 1.0
        for item in heard:  # what the guide's loop polls, fed as it feeds it
            for e in to_events(item, runner.state.phase_id, t):
                _feed(runner, e, NOW, log, voice, worker)
        assert "stop" in [h.meaning for h in heard if isinstance(h, Heard)]
        assert runner.state.mode == "halted"
        assert not listening.voice_open()
