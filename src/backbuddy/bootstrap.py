"""The one place that picks concrete adapters for the settings given (the composition root).

Entry points (`cli/`, `web/`) call these functions and hand what they return to the
services; nothing else constructs an adapter or imports one (import-linter refuses
`cli`/`web` → `adapters` and `services` → `config`), so swapping SQLite for PostgreSQL
(or a camera for a video file) is a setting, not a code change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from backbuddy.adapters.sql_errors import where
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.audio.errors import ListeningUnavailable
from backbuddy.config import Settings, default_db_path

if TYPE_CHECKING:  # OpenCV, MediaPipe and the voice models load only when asked for: they are slow
    import numpy as np
    from numpy.typing import NDArray

    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.microphone import Microphone, Replay
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.receiver_pose import ReceiverPose
    from backbuddy.adapters.speech import Player, SpeechCache
    from backbuddy.adapters.video import Frame, VideoInfo, VideoSource
    from backbuddy.audio.samples import Samples
    from backbuddy.services.listen import Listener, Recogniser, VadModel


class OpenedStore(NamedTuple):
    """The store, and the sessions found cut short since it was last open (I7)."""

    store: SqlStore
    interrupted: list[int]


def open_store(settings: Settings, now: datetime | None = None) -> OpenedStore:
    """Open (create or upgrade) the store and mark sessions left running by a crash.

    The caller owns the store: close it, or use it as a context manager.
    """
    store = SqlStore(settings.db, journal=journal_path(settings.db))
    try:
        interrupted = store.mark_interrupted(now or datetime.now(UTC))
    except BaseException:
        store.close()
        raise
    return OpenedStore(store, interrupted)


def store_place(settings: Settings) -> str:
    """The store as a person would name it in an error: the file's path, or the URL unsecret."""
    return where(str(settings.db))


def open_reader(settings: Settings, now: datetime | None = None) -> OpenedStore:
    """The store for commands that only read (history, report, export): as `open_store`,
    but a SQLite file this process cannot write (a read-only medium) is opened read-only
    (`sql_readonly`): nothing is marked or recorded, everything stored can be read."""
    from backbuddy.adapters.sql_readonly import ReadOnlyStore, cannot_write

    if cannot_write(settings.db):
        return OpenedStore(ReadOnlyStore(settings.db), [])
    return open_store(settings, now)


def check_store(settings: Settings) -> None:
    """StoreError naming the problem unless the store opens (created or upgraded if need be);
    running sessions are left for `open_store` to judge."""
    SqlStore(settings.db, journal=journal_path(settings.db)).close()


def journal_path(url: str) -> Path | None:
    """Where writes a database server refused are kept: the data folder, one file per
    server and database (`adapters.sql_journal`); None for SQLite (beside its file)."""
    if url.startswith("sqlite"):
        return None
    name = hashlib.sha256(where(url).split("?")[0].encode()).hexdigest()[:16]
    return default_db_path().parent / f"unstored-{name}.jsonl"


def pose_model_factory(
    settings: Settings | None = None, *, still: bool = False, live: bool = False
) -> Callable[[], PoseModel | ReceiverPose] | None:
    """How each camera watch opens its pose model; None when MediaPipe's bundled model is not
    installed (nothing is ever downloaded).

    With the two-person step (`settings.two_person`, on by default) MoveNet finds every person
    and MediaPipe measures only the receiver (`ReceiverPose`); off, MediaPipe alone. `still`:
    each frame on its own (photos). `live`: a camera in real time, where the people detector
    runs on its own thread so MediaPipe never waits for it (`adapters/looks.py`; frames with
    roles too old are "unsure"); a file read for `analyze` keeps it in line, frame-exact.
    A missing MoveNet file with the step on is a
    `PoseModelError` that says how to get it, not a quiet fall-back to one person.
    """
    from backbuddy.adapters.mediapipe_pose import PoseModel, bundled_model_present

    if not bundled_model_present():
        return None
    if settings is not None and not settings.two_person:
        return partial(PoseModel, still=still)
    from backbuddy.adapters import movenet
    from backbuddy.adapters.looks import InLine, Threaded
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose

    movenet.check_model(movenet.model_path())

    def open_receiver_pose() -> ReceiverPose:
        return ReceiverPose(
            movenet.PeopleDetector(),
            partial(PoseModel, still=still),
            every=1 if still else EVERY,
            looks=Threaded if live and not still else InLine,
        )

    return open_receiver_pose


# ── clips, photos and cameras (OpenCV): loaded when a command watches ─────────────────────────


@dataclass(frozen=True)
class Video:
    """An opened clip, photo or camera and its frames, read the way the caller needs them.

    Close it (or use it in `with`) to release the file or the camera.
    """

    source: VideoSource
    frames: Iterator[Frame]

    @property
    def info(self) -> VideoInfo:
        return self.source.info

    def __enter__(self) -> Video:
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.close()


def quiet_native_logs() -> AbstractContextManager[TextIO]:
    """MediaPipe's, OpenCV's and FFmpeg's C++ logging kept off the terminal for the block;
    yields the real stderr (for a progress bar)."""
    from backbuddy.adapters.video import quiet_stderr

    return quiet_stderr()


def open_clip(path: str | Path) -> Video:
    """A video file or a photo to analyse: frames decoded ahead on a thread, so decoding
    overlaps pose estimation. A missing or unreadable file is a `VideoError` naming it."""
    from backbuddy.adapters import video

    source = video.open_file(path)
    return Video(source, video.prefetch(source))


def open_source(spec: str) -> tuple[Video, bool]:
    """`--camera 0|FILE`: a camera for a number, else a video file replayed at its own frame
    rate, as if live; (video, is_file)."""
    from backbuddy.adapters import video

    if spec.strip().isdigit():
        camera = video.open_camera(int(spec))
        return Video(camera, iter(camera)), False
    source = video.open_file(spec)
    return Video(source, video.paced(source)), True


def clip_frames(path: str | Path, indices: Iterable[int]) -> dict[int, NDArray[np.uint8]]:
    """Chosen frames of a file by index (RGB), for report snapshots; missing ones left out."""
    from backbuddy.adapters.video import read_frames

    return read_frames(path, indices)


def read_audio(path: str | Path) -> Samples:
    """A recording's sound (WAV, or a video's sound track) as 16 kHz mono; `AudioError` when
    it has none or cannot be read."""
    from backbuddy.adapters.audio_files import read_audio as read

    return read(path)


def voice_activity() -> VadModel:
    """Silero VAD from its pinned wheel (speech is told apart from clicks); ListeningUnavailable
    when it cannot load."""
    from backbuddy.adapters.vad import SileroVad

    return SileroVad()


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
    """Silero VAD and Whisper tiny.en from their pinned wheels; ListeningUnavailable if absent.
    The terminal guide's listener looks early (a stop heard before the end is decided)."""
    return new_listener(early=True), words()


def new_listener(early: bool = False) -> Listener:
    """One stream's listener over Silero VAD (cheap: one per microphone); `early`: it also
    hands over the speech so far while the end is being decided (docs/voice.md)."""
    from backbuddy.adapters.vad import SileroVad
    from backbuddy.services.listen import Listener

    try:
        return Listener(SileroVad(), early=early)
    except ImportError as err:
        raise ListeningUnavailable(f"a listening model cannot load ({err})") from None


def words() -> Recogniser:
    """Whisper tiny.en (heavy: load once and share); ListeningUnavailable if absent."""
    from backbuddy.adapters.words import WhisperWords

    try:
        return WhisperWords()
    except ImportError as err:
        raise ListeningUnavailable(f"a listening model cannot load ({err})") from None


def speech_cache(cache_dir: Path | None = None) -> SpeechCache:
    """Rendered sentences (Piper's joe, espeak-ng if it cannot load) without a local player:
    the web page plays them. SpeechUnavailable when there is no voice at all."""
    from backbuddy.adapters.speech import SpeechCache, default_voice

    return SpeechCache(default_voice(), cache_dir)


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
