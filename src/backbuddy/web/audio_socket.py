"""The page's microphone on the session socket: audio in, what was heard out, engine events.

Each socket that sends audio gets an `AudioStream`. Voice activity and the click
detector run on the stream's own thread (~1 ms of CPU per 32 ms chunk); finished
utterances queue for the server's one words thread (`Ears`). What they hear goes
back to the event loop and, one item at a time, through the same mapping as the
terminal guide (`services.listen.to_events`) into the session under its lock, so the
session's own worker steps and stores it in turn with presses, ticks and poses (I7).
The event loop never waits for a model.

The page says, in each message's flags, when it was speaking a cue: a voice onset then is
our own voice, not the receiver's, and does not pause, unless it is clearly louder than our
echo (double talk, `audio.own_voice`: the echo's level is learned where a voice changes
nothing, `learns_echo`); words heard then count only if they are a stop word. A cue that
itself says "stop" is erased (not listened to) only where a stop would change nothing the
pair relies on (`own_stop_erased`: set-up before the hands go on, halted, ended); in a
pause, the movement and a hands-on set-up step a stop is heard even over our own voice, and
the engine says no stop word there (tests/property/test_own_stop_word_props.py), so its echo
has nothing to halt. During set-up the page may run the microphone check: a "stop" heard
then confirms the check and halts like any stop (I2): the pair sees what a spoken stop does,
then presses Resume. A stop heard over our own voice halts but never confirms the check (it
may be our echo).

Once the check has passed the pair may count on a spoken stop (during the movement nobody
has a free hand), so the stream watches that sound keeps coming: when no audio arrives for
`AUDIO_GAP_S` (the microphone was unplugged, the browser suspended it, the page stalled)
the session is no longer listening, the page is told (`listening: unavailable`, so it says
"say stop to your partner"), and a movement under way pauses (`Voice(lost=True)`,
reason `listening_lost`). Sound that comes back is heard again (a stop still stops).

The same holds when sound arrives but is not heard in time: audio dropped (the server
fell behind by more than `MAX_BACKLOG_S` of audio, or the page sent it faster than real
time) or a chunk waiting more than `AUDIO_GAP_S` for the audio thread (a stalled server)
makes the session not listening, says so, and pauses a movement (the steps where hands
are on the receiver, `rules.hands_on`) with the attempt given back, as for a silent
microphone. It happens once: the session is then not listening (the pages say "say stop to
your partner") until a new microphone check, so a page cannot hold the session in a loop of
pauses; Resume goes on as after any pause. A listening model that breaks while the session
listens (the voice-activity model raising: this stream then hears nothing more; Whisper failing
on one utterance: a stop in it is lost) is listening lost in the same way. A page within its
rate (`AudioRate`: at most `AUDIO_AHEAD_S` of audio at once) cannot fill the backlog by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any

from backbuddy.audio.config import load as load_audio_config
from backbuddy.audio.errors import ListeningUnavailable
from backbuddy.audio.heard import AudioEvent, Heard, PopHeard, Utterance, VoiceOnset
from backbuddy.audio.own_voice import OwnVoice
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError, TransitionNotAllowed
from backbuddy.domain.rules import learns_echo, own_stop_erased
from backbuddy.domain.state import SessionState
from backbuddy.services.listen import Listener, hear_over_own_voice, to_events
from backbuddy.web import schemas
from backbuddy.web.audio_in import (
    AUDIO_AHEAD_S,
    AUDIO_SPEED,
    CHECKING,
    SPEAKING,
    SPEAKING_STOP_WORD,
    AudioChunk,
    AudioRate,
    AudioRejected,
    parse_audio,
)
from backbuddy.web.ears import Ears
from backbuddy.web.live import LiveSession

log = logging.getLogger(__name__)

#: The same non-fatal audio error is said at most once per this many seconds.
TELL_EVERY_S = 5.0
#: Listening is lost when no audio has arrived for this long (the page sends every 32 ms).
AUDIO_GAP_S = 1.0
#: Audio waiting for the audio thread beyond this (s) is dropped (the server is overloaded):
#: more than a page within its rate (`AudioRate`) can send before a chunk has waited
#: AUDIO_GAP_S, when the stream has already stopped listening. A page alone cannot fill it.
MAX_BACKLOG_S = AUDIO_AHEAD_S + AUDIO_SPEED * AUDIO_GAP_S
#: How often the stream looks for that gap.
GAP_CHECK_S = 0.1

Send = Callable[[dict[str, Any]], None]


class AudioFlooded(Exception):
    """Audio messages arrive faster than any microphone sends them: the page misbehaves."""


class AudioStream:
    """One page's microphone, from its first chunk (audio time 0)."""

    def __init__(self, live: LiveSession, ears: Ears, send: Send) -> None:
        self.live = live
        self.ears = ears
        self.send = send
        self.rate = AudioRate()
        self.checking = False
        self.listener: Listener | None = None
        self.failed: str | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="audio")
        self._backlog = 0.0  # seconds of audio waiting for the audio thread
        self._waiting: deque[float] = deque()  # when each waiting chunk arrived (monotonic)
        self.own = OwnVoice(load_audio_config().own_voice)  # when the page spoke; its echo's level
        self._told: dict[str, float] = {}
        self._heard: asyncio.Queue[AudioEvent | None] = asyncio.Queue()
        self._deliverer: asyncio.Task[None] | None = None
        self._gap_watch: asyncio.Task[None] | None = None
        self._last_chunk = time.monotonic()
        self._refs = 0
        self._losing = False  # a `lost` is under way
        self._loud: bool = False  # our echo is too loud to tell a voice by level: speak less
        self._told_loud = False  # the pair was told (once a voice was heard to compare)
        self._theirs = False  # a person's speech is under way (the audio thread says)
        self._recognising = 0  # a person's utterances with Whisper, their words not yet heard
        self._counting = threading.Lock()

    # ── on the event loop ────────────────────────────────────────────────────

    def on_message(self, data: bytes) -> None:
        """Check one audio message and hand it to the audio thread; never waits."""
        now = self._last_chunk = time.monotonic()
        if self.rate.flooded(now):
            raise AudioFlooded("audio messages are arriving faster than a microphone sends them")
        if self._gap_watch is None:
            self._gap_watch = asyncio.get_running_loop().create_task(self._watch_gap())
        try:
            chunk = parse_audio(data)
        except AudioRejected as err:
            self.tell("bad_audio", str(err))
            return
        if self.rate.too_fast(now, chunk.seconds):
            self.dropped("audio is arriving faster than real time; dropped")
            return
        if self.failed is not None:
            self.tell("not_listening", f"backbuddy cannot listen: {self.failed}")
            return
        if self._backlog + chunk.seconds > MAX_BACKLOG_S:
            self.dropped("the server cannot keep up with the audio; dropped")
            return
        self.checking = bool(chunk.flags & CHECKING)
        loop = asyncio.get_running_loop()
        if self._deliverer is None:
            self._deliverer = loop.create_task(self._deliver_all())
        self._backlog += chunk.seconds
        self._waiting.append(now)
        # Our echo's level is learned where a voice changes nothing, judged as the sound
        # arrives (the audio thread may hear it after the state has moved on).
        learn = learns_echo(self.live.runner.state) and not chunk.flags & CHECKING
        self._worker.submit(self._hear, chunk, learn, loop)

    def dropped(self, why: str) -> None:
        """Audio was dropped: a stop inside it is lost, so a session that listens stops
        listening (said once; a movement pauses), and the page is told what was dropped."""
        self.tell("too_much_audio", why)
        self._lose(f"some sound from the microphone was dropped ({why.split(';')[0]})")

    def _lose(self, why: str) -> None:
        if self.live.listening and not self._losing:
            self._losing = True
            task = asyncio.get_running_loop().create_task(self.lost(why))
            task.add_done_callback(self._lost_done)

    def _lost_done(self, _task: asyncio.Task[None]) -> None:
        self._losing = False

    def tell(self, code: schemas.ErrorCode, message: str) -> None:
        """A non-fatal error, said once per TELL_EVERY_S for each code."""
        now = time.monotonic()
        if now - self._told.get(code, -TELL_EVERY_S) >= TELL_EVERY_S:
            self._told[code] = now
            self.send(schemas.ErrorOut(code=code, message=message).model_dump())

    def voice_open(self) -> bool:
        """A person's voice is under way, or her utterance waits for its words: where the
        hands go on meanwhile it pauses at once, as a voice begun there (`LiveSession._handle`).
        Only a person's (begun while we were silent, or clearly over our echo): our own cue
        playing as Resume is pressed must not pause. Speech counts while its sound keeps
        coming (a microphone gone quiet mid-word would pause every Resume for good; while
        the session listens that gap is listening lost, `_watch_gap`)."""
        if self.failed is not None:
            return False
        flowing = time.monotonic() - self._last_chunk <= AUDIO_GAP_S
        return (self._theirs and flowing) or self._recognising > 0

    def close(self) -> None:
        """The page's socket closed: nobody hears this session until a page listens again
        (a reloaded page that does not open its microphone must not pass for listening)."""
        self.live.listening = False
        if self.live.voice_open == self.voice_open:
            self.live.voice_open = None
        self._worker.shutdown(wait=False, cancel_futures=True)
        if self._deliverer is not None:
            self._deliverer.cancel()
        if self._gap_watch is not None:
            self._gap_watch.cancel()

    async def _watch_gap(self) -> None:
        """While the session listens (its check passed), no audio for AUDIO_GAP_S means a
        spoken stop cannot be heard: say so, and pause a movement under way."""
        while not self.live.gone:
            await asyncio.sleep(GAP_CHECK_S)
            now = time.monotonic()
            if self.live.listening and now - self._last_chunk > AUDIO_GAP_S:
                await self.lost(f"no sound has come from the microphone for {AUDIO_GAP_S:g} s")
            elif self.live.listening and self._waiting and now - self._waiting[0] > AUDIO_GAP_S:
                await self.lost(f"the server is more than {AUDIO_GAP_S:g} s behind on the sound")

    async def lost(self, why: str) -> None:
        """Listening stopped: the page says "say stop to your partner"; a movement pauses."""
        live = self.live
        async with live.lock:
            if live.gone or not live.listening:
                return
            live.listening = False
            message = f"{why}, so backbuddy cannot hear a spoken stop"
            self.send(schemas.ListeningOut(state="unavailable", message=message).model_dump())
            if live.runner.finished:
                return
            try:
                await live.apply(ev.Voice(live.clock(), lost=True), "listening_lost")
            except TransitionNotAllowed:
                pass
            except StoreError as err:
                live.store_failed(err)

    async def _deliver_all(self) -> None:
        while (item := await self._heard.get()) is not None:
            try:
                await self.deliver(item)
            except StoreError as err:
                self.live.store_failed(err)
                return
            except Exception:  # noqa: BLE001 - one bad item must not deafen the session
                log.exception("session %s: what was heard could not be applied", self.live.id)

    async def deliver(self, item: AudioEvent) -> None:
        """Tell the page what was heard, then give the engine its events (in arrival order)."""
        live = self.live
        async with live.lock:
            if live.gone:
                return
            state = live.runner.state
            t = live.clock()
            self._refs += 1
            ref = f"heard{self._refs}"
            check = (
                isinstance(item, Heard)
                and item.meaning == "stop"
                and not item.during_speech  # our own echo must not pass for her voice
                and self.checking
                and can_check(state)
            )
            events = to_events(item, state.phase_id, t)  # the check's "stop" halts too (I2)
            if live.runner.finished:  # after the end only a stop or a pop still means something
                events = [e for e in events if isinstance(e, ev.Stop | ev.Pop)]
            self.send(_heard_out(item, ref if events else None, check))
            if check:
                live.listening = True
                self.send(
                    schemas.ListeningOut(
                        state="checked",
                        heard=item.text if isinstance(item, Heard) else None,
                        speech=live.spoken_line(),
                    ).model_dump()
                )
            for event in events:
                with contextlib.suppress(TransitionNotAllowed):
                    await live.apply(event, ref)

    def _put(self, loop: asyncio.AbstractEventLoop, item: AudioEvent | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is stopping
            loop.call_soon_threadsafe(self._heard.put_nowait, item)

    def _failed(self, loop: asyncio.AbstractEventLoop, reason: str) -> None:
        """A listening model broke: this stream hears nothing more. While the session listens
        that is listening lost like a silent microphone (`lost`: said, a movement pauses)."""

        def say() -> None:
            self.failed = reason
            if self.live.listening:
                self._lose(reason)
            else:
                self.send(schemas.ListeningOut(state="unavailable", message=reason).model_dump())

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(say)

    def _unheard(self, loop: asyncio.AbstractEventLoop, err: BaseException) -> None:
        """Whisper failed on one utterance: a stop in it is lost, as in dropped sound (said
        once, a movement pauses); later utterances are heard again."""
        why = f"some speech could not be recognised ({type(err).__name__}: {err})"

        def say() -> None:
            self.tell("not_listening", f"backbuddy {why}")
            self._lose(why)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(say)

    # ── on the audio thread ──────────────────────────────────────────────────

    def _hear(self, chunk: AudioChunk, learn: bool, loop: asyncio.AbstractEventLoop) -> None:
        try:
            self._hear_chunk(chunk, learn, loop)
        except ListeningUnavailable as err:
            self._failed(loop, str(err))
        except Exception as err:  # noqa: BLE001 - a broken listener must show, not kill the socket
            self._failed(loop, f"listening stopped ({type(err).__name__}: {err})")
        finally:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._done_one, chunk.seconds)

    def _done_one(self, seconds: float) -> None:
        self._backlog = max(self._backlog - seconds, 0.0)
        if self._waiting:
            self._waiting.popleft()

    def _hear_chunk(self, chunk: AudioChunk, learn: bool, loop: asyncio.AbstractEventLoop) -> None:
        if self.listener is None:
            self.listener = self.ears.listener()
            self.ears.prepare()
        listener = self.listener
        state = self.live.runner.state
        speaking = bool(chunk.flags & (SPEAKING | SPEAKING_STOP_WORD))
        for item, echo in hear_over_own_voice(
            listener,
            self.own,
            chunk.samples,
            speaking=speaking,
            learn=learn,
            erase=bool(chunk.flags & SPEAKING_STOP_WORD) and own_stop_erased(state),
        ):
            if isinstance(item, Utterance):
                if not echo:
                    with self._counting:
                        self._recognising += 1
                future = self.ears.recognise(listener, item, listener.clip(item))
                future.add_done_callback(partial(self._words_done, loop, echo))
            elif isinstance(item, VoiceOnset | PopHeard):  # (SpeechSoFar: never looks early)
                # A click inside our own speech may be our sound: still a pop (a real one must
                # not be lost, I6), said and stored as uncertain (`during_speech`).
                self._put(loop, item)
        self._theirs = listener.speaking and self.own.person_speaking
        loud, known = self.own.loud, self.own.voice_db is not None
        if loud != self._loud or (loud and known and not self._told_loud):
            self._loud = loud
            self._told_loud = self._told_loud or (loud and known)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._speak_less, loud, loud and known)

    def _speak_less(self, loud: bool, tell: bool) -> None:
        """On the loop: our echo is (no longer) as loud as her voice. Where the hands are on,
        cues go in pieces with silences (`LiveSession.speech_for`); once a voice was heard to
        compare it with, the pair is told (docs/voice.md, "Speaking less")."""
        live = self.live
        live.speak_less_s = load_audio_config().own_voice.gap_s if loud else None
        if tell and not live.gone:
            text = load_audio_config().say.loud_echo
            self.send(
                schemas.ListeningOut(
                    state="loud_echo",
                    message=text,
                    speech=live.speech_for((Cue(live.clock(), "say", text),)),
                ).model_dump()
            )

    def _words_done(
        self, loop: asyncio.AbstractEventLoop, echo: bool, future: Future[Heard | None]
    ) -> None:
        try:
            self._words_of(loop, echo, future)
        finally:
            if not echo:  # after its words are queued: heard on the loop before it closes
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._recognised)

    def _recognised(self) -> None:
        with self._counting:
            self._recognising = max(self._recognising - 1, 0)

    def _words_of(
        self, loop: asyncio.AbstractEventLoop, echo: bool, future: Future[Heard | None]
    ) -> None:
        if future.cancelled():
            return
        if (err := future.exception()) is not None:
            self._unheard(loop, err)
            return
        heard = future.result()
        if heard is None and self.ears.problem is not None:
            self._failed(loop, self.ears.problem)
        elif heard is not None and (not echo or heard.meaning == "stop"):
            self._put(loop, replace(heard, during_speech=echo))


def can_check(state: SessionState) -> bool:
    """Where the microphone check may pass: set-up before the first attempt, or any pause or
    halt (nothing moves). After listening was lost, or a page reloaded, the same check in a
    pause confirms listening again, so the gap watch guards the rest of the session."""
    return (in_setup(state) and state.attempts == 0) or state.mode in ("paused", "halted")


def in_setup(state: SessionState) -> bool:
    """Before the first attempt's movement, where the microphone check belongs: set-up, or
    its pause by the check's own voice onset (a hands-on set-up step pauses on a voice)."""
    if state.mode in ("idle", "setup"):
        return True
    return state.mode == "paused" and state.resume_to == "setup" and state.paused_for == "voice"


def _heard_out(item: AudioEvent, ref: str | None, check: bool) -> dict[str, Any]:
    if isinstance(item, VoiceOnset):
        return schemas.HeardOut(kind="voice", ref=ref).model_dump()
    if isinstance(item, PopHeard):
        return schemas.HeardOut(
            kind="pop", confidence=item.confidence, during_speech=item.during_speech, ref=ref
        ).model_dump()
    return schemas.HeardOut(
        kind="words",
        text=item.text,
        meaning=item.meaning,
        during_speech=item.during_speech,
        ref=ref,
        check=check,
    ).model_dump()
