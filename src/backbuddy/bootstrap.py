"""The one place that picks concrete adapters for the settings given.

Entry points (`cli/`, `web/`) call these functions; nothing else constructs an
adapter, so swapping SQLite for PostgreSQL (or a camera for a video file) is a
setting, not a code change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.audio.errors import ListeningUnavailable
from backbuddy.config import Settings

if TYPE_CHECKING:  # MediaPipe and the voice models load only when asked for: they are slow
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.microphone import Microphone, Replay
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.receiver_pose import ReceiverPose
    from backbuddy.adapters.speech import Player
    from backbuddy.services.listen import Listener, Recogniser


class OpenedStore(NamedTuple):
    """The store, and the sessions found cut short since it was last open (I7)."""

    store: SqlStore
    interrupted: list[int]


def open_store(settings: Settings, now: datetime | None = None) -> OpenedStore:
    """Open (create or upgrade) the store and mark sessions left running by a crash.

    The caller owns the store: close it, or use it as a context manager.
    """
    store = SqlStore(settings.db)
    try:
        interrupted = store.mark_interrupted(now or datetime.now(UTC))
    except BaseException:
        store.close()
        raise
    return OpenedStore(store, interrupted)


def pose_model_factory(
    settings: Settings | None = None, *, still: bool = False
) -> Callable[[], PoseModel | ReceiverPose] | None:
    """How each camera watch opens its pose model; None when MediaPipe's bundled model is not
    installed (nothing is ever downloaded).

    With the two-person step (`settings.two_person`, on by default) MoveNet finds every person
    and MediaPipe measures only the receiver (`ReceiverPose`); off, MediaPipe alone. `still`:
    each frame on its own (photos). A missing MoveNet file with the step on is a
    `PoseModelError` that says how to get it, not a quiet fall-back to one person.
    """
    from backbuddy.adapters.mediapipe_pose import PoseModel, bundled_model_present

    if not bundled_model_present():
        return None
    if settings is not None and not settings.two_person:
        return partial(PoseModel, still=still)
    from backbuddy.adapters import movenet
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose

    movenet.check_model(movenet.model_path())

    def open_receiver_pose() -> ReceiverPose:
        return ReceiverPose(
            movenet.PeopleDetector(),
            partial(PoseModel, still=still),
            every=1 if still else EVERY,
        )

    return open_receiver_pose


def people_detector_factory(
    settings: Settings | None = None,
) -> Callable[[], PeopleDetector] | None:
    """How a session whose page runs pose itself opens the two-person step's people detector
    for its role frames (`web/page_roles.py`); None with the step off. A missing MoveNet file
    with the step on is a `PoseModelError`, as for `pose_model_factory`."""
    if settings is not None and not settings.two_person:
        return None
    from backbuddy.adapters import movenet

    movenet.check_model(movenet.model_path())
    return movenet.PeopleDetector


# ── voice (docs/voice.md): models load only when listening or speaking is asked for ──────────


def listener_and_words() -> tuple[Listener, Recogniser]:
    """Silero VAD and Whisper tiny.en from their pinned wheels; ListeningUnavailable if absent."""
    from backbuddy.adapters.vad import SileroVad
    from backbuddy.adapters.words import WhisperWords
    from backbuddy.services.listen import Listener

    try:
        return Listener(SileroVad()), WhisperWords()
    except ImportError as err:
        raise ListeningUnavailable(f"a listening model cannot load ({err})") from None


def sound_in(recording: Path | None = None) -> Microphone | Replay:
    """The live source: the local microphone, or a recording replayed as if live."""
    from backbuddy.adapters.microphone import Microphone, Replay

    return Replay(recording) if recording is not None else Microphone()


def speech_out(cache_dir: Path | None = None) -> Player:
    """Piper's joe voice (espeak-ng if it cannot load) through a local player; SpeechUnavailable
    when there is neither a voice nor an audio device."""
    from backbuddy.adapters.audio_out import working_player

    command = working_player()  # first, and light: no device means no voice to load
    from backbuddy.adapters.speech import Player, SpeechCache, default_voice

    return Player(command, SpeechCache(default_voice(), cache_dir))
