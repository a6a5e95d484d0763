"""The session socket `/ws/session/{id}` once admitted (`socket_gate`): page messages in,
cues, state and overlays out.

One socket per session. Text messages are versioned JSON (`schemas`); binary
messages are the page's landmarks (`page_landmarks`, `BBL1`), its microphone
(`audio_in`, `BBA1`) or JPEG frames. Frames go to the camera watch one at a time, newest
first (a frame that arrives while one is being analysed replaces the waiting one),
so a slow machine drops frames instead of falling behind. Presses are limited
per socket (`throttle.MessageRate`), and each is stored by the session's own
worker (`live`), so one busy page cannot hold up another session. A protocol
violation (a malformed, deeply nested or too frequent message) gets a clear
error, the session is stopped and recorded as interrupted, and the socket
closes; the server goes on serving everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from backbuddy.audio.config import load as load_audio_config
from backbuddy.domain import cues as cue_codec
from backbuddy.domain import events as ev
from backbuddy.domain import wording
from backbuddy.domain.errors import EventError, StoreError, TransitionNotAllowed
from backbuddy.motion.arms_cover import ARMS_BITS
from backbuddy.web import page_events, page_landmarks, page_pose, schemas
from backbuddy.web.audio_in import MAX_AUDIO_SAMPLES, is_audio
from backbuddy.web.audio_socket import AudioFlooded, AudioStream
from backbuddy.web.ears import Ears
from backbuddy.web.frames import (
    FLOOD_BURST,
    FLOOD_FPS,
    MAX_FPS,
    MAX_FRAME_BYTES,
    FrameRejected,
    FrameResult,
    LandmarkAnalyzer,
    check_frame,
)
from backbuddy.web.live import FrameFailed, LiveSession
from backbuddy.web.outbox import STALL_S, Outbox
from backbuddy.web.page_landmarks import PageLandmarks, is_landmarks
from backbuddy.web.page_pose import LATE_S, LandmarksRefused, PageClock, admit
from backbuddy.web.page_roles import MAX_ROLE_TEXT_BYTES, RoleChannel, RoleFrameRefused, roles_of
from backbuddy.web.repeats import Repeats
from backbuddy.web.role_views import view_of
from backbuddy.web.throttle import EVENTS_BURST, EVENTS_PER_S, MessageRate, OncePer

log = logging.getLogger(__name__)

#: A text message longer than this is refused (the largest real one, landmarks, is ~5 KB).
MAX_TEXT_BYTES = 16 * 1024
#: `camera_late` is said at most once in this many seconds per socket (`throttle.OncePer`).
LATE_NOTICE_S = 1.0
#: JSON nested deeper than this is refused (real messages are 3 levels deep).
MAX_DEPTH = 8


#: Analyses one waiting frame or set of landmarks for the checks that apply now.
Job = Callable[[tuple[str, ...]], FrameResult]


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return f"{where}: {first['msg']}"


class ProtocolViolation(Exception):
    """The page broke the protocol; the socket closes after telling it why."""

    def __init__(self, code: schemas.ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class Connection:
    """One page attached to one live session."""

    #: Whose frames these are: the session page's ("page") or a paired phone's (`phone_socket`).
    source = "page"

    def __init__(self, ws: WebSocket, live: LiveSession, ears: Ears | None = None) -> None:
        self.ws = ws
        self.live = live
        #: The page's microphone, once it sends audio (`audio_socket`).
        self.ears = ears or Ears(enabled=False)
        self.audio: AudioStream | None = None
        #: What waits to be sent, bounded (`outbox`: frame answers coalesce; a page that
        #: reads nothing for `STALL_S` is let go).
        self.outbox = Outbox()
        #: The event loop's time since when the message being sent has waited (None: none).
        self._sending_since: float | None = None
        self.stalled = False
        #: The newest waiting frame (or page landmarks): how to analyse it, its seq, whether
        #: it is quick enough to analyse on the event loop, and the session time it arrived
        #: (`LiveSession.watch_frame`).
        self.pending: tuple[Job, int, bool, float] | None = None
        self.frame_ready = asyncio.Event()
        self.rate = MessageRate(FLOOD_BURST, FLOOD_FPS)
        self.presses = MessageRate()
        self.page_clock = PageClock()
        #: `camera_late` is said once a second, not for each of the late frames dropped.
        self.late_notice = OncePer(LATE_NOTICE_S)
        #: Camera messages (JPEG frames and page landmarks) received on this socket: each
        #: one's number is its `seq`, the page's own count of what it sent on this socket
        #: (`link.js`). Numbered as they arrive, refused or not: numbered only when queued,
        #: a landmarks message refused as late left every later answer one behind the
        #: page's count, its frames were never acknowledged, and a page that fell back to
        #: server pose sent one frame a second.
        self.camera_messages = 0
        #: A frozen camera: exact repeats of the last frame or landmarks (`repeats`), this
        #: device's across its sockets (a page that reconnects was told of a freeze).
        self.repeats = live.repeats.setdefault(self.source, Repeats())
        roles = roles_of(live.analyzer) if live.camera else None
        #: Role frames (two-person step) when the session's camera watch has one; this
        #: socket's device has its own view (`role_views`): another device's answers never
        #: judge these landmarks.
        # The people detector opens ahead only for a page that will send role frames: one
        # that runs pose itself without the people detector (`RoleChannel.early`).
        early = page_pose.available() and not page_pose.people_available()
        self.roles = None if roles is None else RoleChannel(view_of(roles), self.send, early=early)
        #: Why this session takes no page landmarks (None: it does), `page_pose.refusal`.
        self.page_pose_refused = page_pose.refusal(
            live.runner.state.technique, self.roles is not None
        )

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put(message)

    def hangup(self) -> None:
        """Close the socket once everything queued has been sent."""
        self.outbox.put(None)

    async def run(self) -> None:
        live = self.live
        async with live.lock:  # after any event in flight (a halt as the last page left)
            # Let go, or another tab attached while this socket was being admitted (both
            # passed the gate's check before either attached): one page per session.
            refusal = (
                ("unknown_session", f"session {live.id} is not running", 4404)
                if live.gone
                else ("already_connected", "this session is already open in another tab", 4409)
                if live.send is not None
                else None
            )
            if refusal is not None:
                code, message, close = refusal
                error = schemas.ErrorOut(code=code, message=message, fatal=True)
                await self.ws.send_text(json.dumps(error.model_dump()))
                await self.ws.close(code=close)
                return
            self._attach()
        live.start_ticking()
        sender = asyncio.create_task(self._sender())
        watcher = asyncio.create_task(self._watch_frames())
        looker = asyncio.create_task(self.roles.run()) if self.roles else None
        running = asyncio.current_task()
        assert running is not None
        guard = asyncio.create_task(self._guard_sending(sender, running))
        violated = False
        try:
            await self._receive()
        except ProtocolViolation as err:
            violated = True
            await self._fatal(err)
        except WebSocketDisconnect:
            pass
        except asyncio.CancelledError:
            if not self.stalled:  # the server is stopping: not this page's doing
                raise
            running.uncancel()  # the guard's own cancel, taken: the socket ends as lost
        finally:
            guard.cancel()
            watcher.cancel()
            if self.audio is not None:
                self.audio.close()
            if looker is not None:
                looker.cancel()
            self.outbox.put(None)
            if not self.stalled:  # (the guard cancelled a stalled page's sender)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(sender, timeout=1.0)
            if not violated:
                why = "the page stopped reading" if self.stalled else "the page closed"
                await live.page_gone(f"{why} mid-session")

    def _attach(self) -> None:
        """hello, every cue so far, then the state: the page starts from what is stored."""
        live = self.live
        live.page_back(self.send, self.hangup)
        hello = schemas.Hello(
            session=live.id,
            technique=live.runner.state.technique.id,
            camera=live.camera and live.analyzer is not None,
            max_frame_bytes=MAX_FRAME_BYTES,
            max_fps=MAX_FPS,
            min_fps=live.runner.state.technique.video.min_fps,
            **listening_hello(self.ears),
            roles=self.roles is not None,
            page_pose_refused=self.page_pose_refused,
        )
        self.send(hello.model_dump())
        if not live.runner.finished:
            self.ears.warm_up()  # the pair may ask to listen: the models load meanwhile
        replay = [cue_codec.to_dict(c) for c in live.history]
        first = live.connections == 1  # the opening cues are new to this page: speak them
        speech = live.speech_for(tuple(live.history)) if first else None
        self.send(schemas.CuesOut(cues=replay, replay=not first, speech=speech).model_dump())
        live.publish_state(force=True)

    async def _fatal(self, err: ProtocolViolation) -> None:
        """Halt the session and record it as interrupted first, then tell the page, then close."""
        live = self.live
        await live.halt()
        live.send = live.hangup = None
        await live.interrupt_now(f"protocol error ({err.code}): {err}")
        self.send(schemas.ErrorOut(code=err.code, message=str(err), fatal=True).model_dump())
        self.outbox.put(None)
        await asyncio.sleep(0)

    async def _sender(self) -> None:
        loop = asyncio.get_running_loop()
        while (message := await self.outbox.get()) is not None:
            self._sending_since = loop.time()
            try:
                await self.ws.send_text(json.dumps(message))
            except (WebSocketDisconnect, RuntimeError):
                return
            finally:
                self._sending_since = None
        with contextlib.suppress(Exception):
            await self.ws.close(code=1008)

    async def _guard_sending(self, sender: asyncio.Task[None], running: asyncio.Task[Any]) -> None:
        """Let go of a page that reads nothing: a send that has waited `STALL_S` (the
        buffers to the page are full) ends the socket, and the session halts and waits for
        its page as for a lost one (`outbox`). Looked at a few times per `STALL_S`."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(STALL_S / 4)
            since = self._sending_since
            if since is not None and loop.time() - since >= STALL_S:
                log.warning("session %s: the page read nothing for %g s", self.live.id, STALL_S)
                self.stalled = True
                sender.cancel()
                running.cancel()  # `run` takes it as the page lost
                return

    async def _receive(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if message.get("bytes") is not None:
                if is_audio(message["bytes"]):
                    self._on_audio(message["bytes"])
                elif is_landmarks(message["bytes"]):
                    self._on_landmarks(message["bytes"])
                else:
                    self._on_frame(message["bytes"])
            elif message.get("text") is not None:
                try:
                    await self._on_text(message["text"])
                except (ProtocolViolation, WebSocketDisconnect, asyncio.CancelledError):
                    raise
                except Exception as err:  # a message nobody foresaw: refuse it, keep serving
                    log.exception("session %s: unreadable message", self.live.id)
                    raise ProtocolViolation(
                        "bad_message", f"the server could not read this message ({err!r:.200})"
                    ) from None

    def _on_audio(self, data: bytes) -> None:
        """A chunk of the page's microphone: checked here, heard on the stream's own thread."""
        if self.audio is None:
            self.audio = AudioStream(self.live, self.ears, self.send)
            self.live.voice_open = self.audio.voice_open
        try:
            self.audio.on_message(data)
        except AudioFlooded as err:
            raise ProtocolViolation("too_many_messages", str(err)) from None

    def _on_frame(self, data: bytes) -> None:
        self.camera_messages += 1
        now = time.monotonic()
        if self.rate.flooded(now):
            raise ProtocolViolation("too_many_frames", "frames are arriving faster than allowed")
        try:
            check_frame(data)
        except FrameRejected as err:
            self.send(schemas.ErrorOut(code=err.code, message=str(err)).model_dump())
            return
        if self.live.analyzer is None:
            self.send(
                schemas.ErrorOut(
                    code="not_supported", message="this session has no camera watch"
                ).model_dump()
            )
            return
        analyzer, t = self.live.analyzer, self.live.clock()
        if self._frozen(data, t):
            if takes_landmarks(analyzer):  # nobody seen: tracking lost, a movement pauses
                size = check_frame(data)
                self._queue_job(lambda c: analyzer.analyze_landmarks(None, None, size, t, c))
            return  # otherwise dropped: no fresh pose, a movement pauses at the stale limit
        # A page whose landmarks came late may fall back to frames (its model too slow):
        # frames in time take its late alert down too (red team, session 24).
        self._tell_live()
        self._queue_job(lambda checks: analyzer.analyze(data, t, checks))

    def _frozen(self, data: bytes, now: float) -> bool:
        """Has exactly this frame (or these landmarks) been coming for longer than the stale
        limit (`repeats`: a frozen camera)? The page is told once per freeze."""
        if not self.live.takes_frames_from(self.source):
            return False
        if not self.repeats.frozen(data, now):
            if self.repeats.thawed():
                self.live.publish(schemas.CameraMovingOut().model_dump())
            return False
        if (words := self.repeats.tell(now)) is not None:
            # Everyone is told: with a phone as the camera, the laptop shows why it paused.
            self.live.publish(schemas.ErrorOut(code="camera_frozen", message=words).model_dump())
        return True

    def _on_landmarks(self, raw: bytes | dict[str, Any] | schemas.LandmarksIn) -> None:
        """Landmarks from a page that runs the pose model itself; same path as a frame.
        `raw`: the binary message (`page_landmarks`, what the page sends), or a JSON one
        decoded, or one `landmarks_message` already read and validated."""
        self.camera_messages += 1
        if self.rate.flooded(time.monotonic()):
            raise ProtocolViolation("too_many_frames", "frames are arriving faster than allowed")
        try:
            message = self._read_landmarks(raw)
        except ValidationError as err:
            raise ProtocolViolation("bad_message", _first_error(err)) from None
        except LandmarksRefused as err:
            raise ProtocolViolation("bad_message", str(err)) from None
        if (late := self.page_clock.late_s) > LATE_S:
            # Captured well before it could arrive (the page's model backed up): a view of
            # the receiver older than a pose may be; taken, it would read as tracking now (I4).
            self.live.late_at[self.source] = self.live.clock()
            self._tell_late(late)
            return
        self._tell_live()
        analyzer, roles = self.live.analyzer, self.roles
        if self.page_pose_refused is not None:  # an old page, or one that ignored hello
            said = self.page_pose_refused
            self.send(schemas.ErrorOut(code="not_supported", message=said).model_dump())
            return
        if not takes_landmarks(analyzer):
            self.send(
                schemas.ErrorOut(
                    code="not_supported", message="this session's camera watch takes no landmarks"
                ).model_dump()
            )
            return
        t, m = message.t, message.landmarks
        frozen = m.image is not None and self._frozen(_points_bytes(m, raw), self.live.clock())
        # Judged as it arrives (a few µs): the chain must see every frame, not only the
        # newest one the camera watch gets to (`page_roles`).
        unsure = roles is not None and roles.roles.unsure(m.image, m.size, m.ms, m.role_ms)
        near = roles.roles.near(m.image, m.size) if roles is not None and not unsure else 0
        covered = bool(near & ARMS_BITS)
        if roles is not None and (why := roles.roles.wanted()) is not None:
            self.send(schemas.RoleWantedOut(reason=why).model_dump())

        def job(checks: tuple[str, ...]) -> FrameResult:
            if frozen:  # the same numbers for too long: nobody seen (`repeats`)
                return analyzer.analyze_landmarks(None, None, m.size, t, checks)
            return analyzer.analyze_landmarks(
                m.image, m.world, m.size, t, checks, unsure=unsure, covered=covered, near=near
            )

        self._queue_job(job, here=True)

    def _tell_late(self, late: float) -> None:
        """Every late frame is dropped; the page is told once a second (`OncePer`), not 30
        times a second while its model is backed up."""
        if self.late_notice.due(time.monotonic()):
            said = (
                f"the camera's view is arriving {late:.1f} s late; "
                "movement waits until it is live again"
            )
            self.send(schemas.ErrorOut(code="camera_late", message=said).model_dump())

    def _tell_live(self) -> None:
        """In time again for `LATE_NOTICE_S` since the last late frame (page landmarks, or JPEG
        frames after them): the page's late alert can go (`camera_live`). A second, not the
        first frame in time: a page hovering at the limit would flash its alert with every
        other frame. Without it the phone showed "arriving late" for good once told (CI, stop
        31: a minute after the lag was over). The time of the last late frame is the device's
        (`LiveSession.late_at`), not this socket's: a phone whose link dropped and came back
        keeps its alert up, and the new socket takes it down (red team, session 25)."""
        late_at = self.live.late_at.get(self.source)
        if late_at is not None and self.live.clock() - late_at >= LATE_NOTICE_S:
            del self.live.late_at[self.source]
            self.send(schemas.CameraLiveOut().model_dump())

    def _read_landmarks(self, raw: bytes | dict[str, Any] | schemas.LandmarksIn) -> _Placed:
        """Checked landmarks and their time on the monitors' axis (`page_pose.PageClock`)."""
        now = self.live.clock()
        if isinstance(raw, bytes):
            read = page_landmarks.read(raw)
            return _Placed(read, self.page_clock.place(read.ms, now))
        message = (
            raw if isinstance(raw, schemas.LandmarksIn) else schemas.LandmarksIn.model_validate(raw)
        )
        t = admit(message.image, message.world, message.ms, self.page_clock, now)
        image = None if message.image is None else np.asarray(message.image, np.float32)
        world = None if message.world is None else np.asarray(message.world, np.float32)
        read = PageLandmarks(image, world, message.size, message.ms, message.role_ms)
        return _Placed(read, t)

    def _on_role_frame(self, raw: dict[str, Any]) -> None:
        """A small picture for telling who is who (two-person step); refusals are not fatal."""
        try:
            if self.roles is None:
                raise RoleFrameRefused("not_supported", "this session takes no role frames")
            clock, now = self.page_clock, self.live.clock()
            self.roles.offer(raw, lambda ms: clock.role_time(ms, now))
        except RoleFrameRefused as err:
            self.send(schemas.ErrorOut(code=err.code, message=str(err)).model_dump())

    def _on_role_people(self, raw: dict[str, Any]) -> None:
        """The people the page's own detector found (two-person step); refusals not fatal."""
        try:
            if self.roles is None:
                raise RoleFrameRefused("not_supported", "this session takes no role people")
            clock, now = self.page_clock, self.live.clock()
            self.roles.offer_people(raw, lambda ms: clock.role_time(ms, now))
        except RoleFrameRefused as err:
            self.send(schemas.ErrorOut(code=err.code, message=str(err)).model_dump())

    def _queue_job(self, job: Job, here: bool = False) -> None:
        """`here`: page landmarks (quick: analysed on the event loop); a JPEG goes to the
        session's worker (the pose model takes tens of milliseconds)."""
        if not self.live.takes_frames_from(self.source):
            return  # a phone is the camera: this page's own frames do not count
        self.pending = (job, self.camera_messages, here, self.live.clock())
        self.frame_ready.set()

    async def _watch_frames(self) -> None:
        """Analyse the newest waiting frame, off the event loop, one at a time."""
        live = self.live
        while True:
            await self.frame_ready.wait()
            self.frame_ready.clear()
            if self.pending is None or live.analyzer is None or live.over:
                continue
            job, seq, here, arrived = self.pending
            self.pending = None
            try:
                await live.watch_frame(job, seq, here, arrived)
            except FrameFailed as failed:
                err = failed.cause
                if isinstance(err, ValueError):
                    self.send(schemas.ErrorOut(code="not_an_image", message=str(err)).model_dump())
                    continue
                # A broken camera watch must not end the socket: no pose reaches the engine
                # now, so a movement phase pauses on its own (I4).
                message = f"the camera watch failed on a frame ({type(err).__name__}: {err})"
                self.send(schemas.ErrorOut(code="camera_failed", message=message).model_dump())
                continue
            except StoreError as err:
                live.store_failed(err)
                return

    async def _on_text(self, text: str) -> None:
        landmarks = landmarks_message(text)
        if landmarks is not None:
            self._on_landmarks(landmarks)
            return
        raw = decode(text)
        if raw.get("type") == "landmarks":
            self._on_landmarks(raw)
            return
        if raw.get("type") == "role_frame":
            self._on_role_frame(raw)
            return
        if raw.get("type") == "role_people":
            self._on_role_people(raw)
            return
        if self.presses.flooded(time.monotonic()):
            raise ProtocolViolation(
                "too_many_messages",
                f"messages are arriving faster than allowed ({EVENTS_BURST} at once, "
                f"then {EVENTS_PER_S:g} a second)",
            )
        try:
            message = schemas.EventIn.model_validate(raw)
        except ValidationError as err:
            raise ProtocolViolation("bad_message", _first_error(err)) from None
        await self._on_event(message)

    async def _on_event(self, message: schemas.EventIn) -> None:
        """Every page event goes to the engine, even after the end: the engine decides (I8)."""
        kind = message.event.get("event")
        if not isinstance(kind, str) or kind not in schemas.PAGE_EVENTS:
            known = ", ".join(sorted(schemas.PAGE_EVENTS))
            raise ProtocolViolation(
                "unknown_event", f"unknown event {kind!r:.40}; a page may send {known}"
            )
        refused = page_events.refusal(message.event)
        if refused is not None:
            raise ProtocolViolation("bad_message", refused)
        live = self.live
        async with live.lock:
            try:
                event = ev.from_dict({**message.event, "t": live.clock()})
            except EventError as err:
                raise ProtocolViolation("bad_message", str(err)) from None
            try:
                await live.apply(event, message.ref)
            except TransitionNotAllowed as err:
                self.send(schemas.ErrorOut(code="refused_event", message=str(err)).model_dump())
            except StoreError as err:
                live.store_failed(err)


def _points_bytes(m: PageLandmarks, raw: object = None) -> bytes:
    """The landmarks' numbers as bytes (image, then world), to spot an exact repeat. From
    the binary message (`raw`) they are its bytes after the header, as sent: float32,
    little-endian, the very bytes the arrays were read from (`page_landmarks.read`), with
    no numpy call (issue 15)."""
    if isinstance(raw, bytes):
        return raw[page_landmarks.HEADER.size :]
    image = np.asarray(m.image, np.float32).tobytes()
    return image if m.world is None else image + np.asarray(m.world, np.float32).tobytes()


@dataclass(frozen=True)
class _Placed:
    """Checked page landmarks and the time they take on the monitors' axis."""

    landmarks: PageLandmarks
    t: float


def takes_landmarks(analyzer: object) -> TypeGuard[LandmarkAnalyzer]:
    """Does this camera watch take page landmarks? (A protocol `isinstance` costs ~20 µs; the
    answer per class is kept.)"""
    kind = type(analyzer)
    if kind not in _TAKES_LANDMARKS:
        _TAKES_LANDMARKS[kind] = isinstance(analyzer, LandmarkAnalyzer)
    return _TAKES_LANDMARKS[kind]


_TAKES_LANDMARKS: dict[type, bool] = {}


def listening_hello(ears: Ears) -> dict[str, Any]:
    """What `hello` says about listening: can the server listen, and the honest lines."""
    say = load_audio_config().say
    return {
        "listening": ears.problem is None,
        "listen_problem": ears.problem,
        "max_audio_samples": MAX_AUDIO_SAMPLES,
        "stop_any_time": wording.STOP_ANY_TIME,
        "say_listening": say.listening,
        "say_not_listening": say.not_listening,
    }


def landmarks_message(text: str) -> schemas.LandmarksIn | None:
    """A valid landmarks message read straight from its text (pydantic parses and checks in
    one pass: ~20 µs, where `decode` then the model took ~70 µs, 30 times a second per
    session); None for anything else, which then takes the general way (`decode`) and gets
    the same errors as ever. Valid here means valid there too: within `MAX_TEXT_BYTES`, an
    object, the version given, the schema's fixed shape (so no deeper nesting)."""
    if '"landmarks"' not in text or len(text.encode()) > MAX_TEXT_BYTES:
        return None
    try:
        message = schemas.LandmarksIn.model_validate_json(text)
    except ValidationError:
        return None
    return message if "v" in message.model_fields_set else None


def decode(text: str) -> dict[str, Any]:
    """A text message as a versioned JSON object, or the ProtocolViolation that says why not."""
    size = len(text.encode())
    big = size > MAX_TEXT_BYTES  # only a role frame may be (page_roles)
    if size > MAX_ROLE_TEXT_BYTES:
        raise ProtocolViolation(
            "too_big", f"text messages are limited to {MAX_ROLE_TEXT_BYTES} bytes (role frames)"
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise (
            _too_big() if big else ProtocolViolation("bad_message", f"not valid JSON ({err.msg})")
        ) from None
    except RecursionError:
        raise ProtocolViolation("bad_message", _too_deep()) from None
    if big and not (isinstance(raw, dict) and raw.get("type") == "role_frame"):
        raise _too_big()
    if not isinstance(raw, dict):
        raise ProtocolViolation("bad_message", "a message must be a JSON object")
    # Landmarks (30 a second) skip the walk: their schema (`schemas.LandmarksIn`: fixed fields,
    # lists of lists of numbers, nothing else) refuses any deeper nesting as a bad message.
    if raw.get("type") != "landmarks" and depth(raw) > MAX_DEPTH:
        raise ProtocolViolation("bad_message", _too_deep())
    if raw.get("v") != schemas.PROTOCOL_VERSION:
        raise ProtocolViolation(
            "bad_version", f"protocol version {raw.get('v')!r} is not supported; use 1"
        )
    return raw


def _too_big() -> ProtocolViolation:
    return ProtocolViolation("too_big", f"text messages are limited to {MAX_TEXT_BYTES} bytes")


def depth(value: object) -> int:
    """How deeply lists and objects nest in a decoded JSON value (a scalar is 0); no recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            # Only containers can nest deeper: a landmarks message's 264 numbers are skipped.
            todo.extend((c, level + 1) for c in item if isinstance(c, dict | list))
    return deepest


def _too_deep() -> str:
    return f"the message nests deeper than {MAX_DEPTH} levels"
