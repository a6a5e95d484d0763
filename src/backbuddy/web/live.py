"""One running session in the server: its clock, its ticks, its camera watch, its listeners.

A `LiveSession` owns the `SessionRunner` (engine + store, I7) and applies every
event under one lock, so a stop from the page, a tick and a pose from the camera
never interleave. The store is synchronous (SQLAlchemy), so each session steps
and commits on its own worker thread, one event at a time, in arrival order:
the event loop stays free, and a session that is slow to record (or a page that
floods it) never holds up another session's stop or ticks. Cues reach the page
only after the worker has stored them, with every event before them (I7); poses
that caused no cue are written together every `GROUP_S` (group commit,
`services.session_runner`), so a camera session costs ~5 commits a second, not 30.
A pose from page landmarks, or a tick, that writes nothing (most of them) is
stepped on the event loop under the same lock (`SessionRunner.handle_quiet`),
and page landmarks are analysed there too while that stays quick (`HERE_MAX_MS`):
a trip to the worker and back for each of 40 events a second cost a session more
server CPU than anything else it did (issue 15). Anything that writes still goes
to the worker, in order. When the group commit falls due there, the poses waiting are
handed to the worker as one batch (`SessionRunner.take`) and their write is awaited
outside the lock (`_hand_off`): a STOP that comes meanwhile is stepped at once and
written next on the same FIFO worker, after the batch (I7), instead of waiting for that
commit and then for the lock (issue 15, session 24). Page landmarks are answered
(`frame`) at once when what the page shows from the answer changes, else at most 10 a
second (`frame_answers`); camera frames, cues and state are never held.

It outlives any one socket: when the page goes away the session is halted at
once (a stop from the system) and, if no page comes back within the grace
period, recorded as interrupted. An ended session waits the same grace period
for its page, so a stop or symptom pressed after the end still reaches the
engine and counts (I8).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from backbuddy.domain import cues as cue_codec
from backbuddy.domain import events as ev
from backbuddy.domain import rules, wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError
from backbuddy.domain.ports import StoredStep
from backbuddy.domain.state import POSE_STALE_MAX_S
from backbuddy.motion.people import tell_moving
from backbuddy.services.cue_speech import STOP_RELEASE
from backbuddy.services.session_runner import GROUP_S, TICK_S, SessionRunner
from backbuddy.services.store_wait import moving, unrecordable, within_bound
from backbuddy.web import schemas
from backbuddy.web.frame_answers import AnswerPacer, shown
from backbuddy.web.frames import FrameAnalyzer, FrameResult
from backbuddy.web.repeats import Repeats

log = logging.getLogger(__name__)
T = TypeVar("T")


def _settle(job: asyncio.Future[None]) -> None:
    """A batch's write nobody may wait for any more (its waiter cancelled): its error is
    carried by the next write (`_hand_off`), not logged as never retrieved."""
    if not job.cancelled():
        job.exception()


#: Analyses one waiting frame or set of landmarks for the checks that apply now.
FrameJob = Callable[[tuple[str, ...]], FrameResult]


class FrameFailed(Exception):
    """The camera watch failed on a frame (`cause`): no pose was stepped for it."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def frame_out(
    result: FrameResult, pose: ev.Pose, seq: int, analyze_ms: float, analysed: int = 1
) -> dict[str, Any]:
    """The page's overlay for one frame (`analysed`: frames it answers, `frame_answers`):
    `schemas.FrameOut` as a dict, built directly (its fields come typed from the camera
    watch and the event gate; pydantic's construct and dump cost ~70 µs an answer, up to 30
    a second per session: issue 15). `tests/unit/web/test_frame_out.py` holds it equal to
    the model's own dump."""
    return {
        "v": schemas.PROTOCOL_VERSION,
        "type": "frame",
        "t": round(pose.t, 3),
        "seq": seq,
        "tracked": pose.tracked,
        "identity": pose.identity,
        "landmarks": [list(p) for p in result.landmarks] if result.landmarks else None,
        "checks": dict(result.checks),
        "measure": result.measure,
        "speed_deg_s": pose.speed_deg_s,
        "range_deg": pose.range_deg,
        "analyze_ms": round(analyze_ms, 2),
        "analysed": analysed,
    }


#: Page landmarks are analysed on the event loop while the last one took at most this long
#: (wall time, ms; the GIL's switch interval, which a worker thread holding it would keep
#: the loop waiting anyway); a slower one (a slow or overloaded machine) sends the next to
#: the worker, so the loop goes on reading the sockets (a STOP overtakes piled-up landmarks).
HERE_MAX_MS = 5.0

#: How long a session waits for its page to come back before it is marked interrupted.
GRACE_S = 30.0

Send = Callable[[dict[str, Any]], None]


@dataclass
class LiveSession:
    """A session the server is running now; see the module docstring."""

    runner: SessionRunner
    started_at: datetime
    analyzer: FrameAnalyzer | None = None
    grace_s: float = GRACE_S
    t0: float = field(default_factory=time.monotonic)
    history: list[Cue] = field(default_factory=list)
    last_frame: FrameResult | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    send: Send | None = None
    #: Closes the page's socket (after what was sent): a fatal error ends the connection.
    hangup: Callable[[], None] | None = None
    _last_state: dict[str, Any] | None = None
    #: What the last state message was built from, bar the clock (`_state_inputs`).
    _last_inputs: tuple[Any, ...] | None = None
    _ticker: asyncio.Task[None] | None = None
    _grace: asyncio.TimerHandle | None = None
    #: Pages that have attached so far; the first one hears the opening cues spoken.
    connections: int = 0
    on_gone: Callable[[LiveSession], None] | None = None
    #: Told (on the session's worker thread) when its interrupted record could not be written
    #: (the store failing: a full disk, a database server down), with the reason and time, so
    #: the server writes it once the store takes it (`Registry.record_unrecorded`).
    on_unrecorded: Callable[[LiveSession, str, datetime], None] | None = None
    #: The one thread that steps the engine and writes the store for this session.
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="session")
    )
    _gone: bool = False
    #: The sentences to speak for cues (`spoken.WebVoice.parts`); None: no server voice.
    speak: Callable[..., list[dict[str, Any]]] | None = None
    #: Our echo is as loud as a person's voice in the microphone (`OwnVoice.loud`, told by the
    #: audio stream): where the hands are on, cues are spoken in pieces with this much silence.
    speak_less_s: float | None = None
    #: The page's microphone check heard "stop": the line about stopping says it listens.
    listening: bool = False
    #: Is a person's voice under way or waiting for its words (`AudioStream.voice_open`)?
    #: Read on the worker as the hands go on (`_handle`); None: no microphone.
    voice_open: Callable[[], bool] | None = None
    #: A phone as the camera (`web.phone`): none, paired, or streaming (its socket is open).
    #: While one is paired, only its frames reach the camera watch.
    phone: str = "none"
    #: Other listeners (the phone's socket) hear what the page hears.
    watchers: list[Send] = field(default_factory=list)
    #: Told (on the event loop) after a symptom this session felt is stored and shown.
    on_symptom: Callable[[LiveSession], None] | None = None
    #: How long the last page landmarks took to analyse, ms (`watch_frame`, `HERE_MAX_MS`).
    _here_ms: float = 0.0
    #: When page landmarks are answered (`frame_answers`), and the newest one held back
    #: (its `frame_out` arguments and what it shows) until its answer is due.
    answers: AnswerPacer = field(default_factory=AnswerPacer)
    _held: tuple[FrameResult, ev.Pose, int, float, tuple[Any, ...]] | None = None
    _held_timer: asyncio.TimerHandle | None = None
    #: A frozen camera's repeats, by whose frames they are ("page", "phone"): kept across that
    #: device's sockets, so a freeze it was told of is taken back after its page reconnects.
    repeats: dict[str, Repeats] = field(default_factory=dict)
    #: The session time of the last late frame dropped from each device ("page", "phone")
    #: since it was last told its view is live again (`camera_live`): kept across that
    #: device's sockets, as its page keeps the alert up across them.
    late_at: dict[str, float] = field(default_factory=dict)

    #: The store as named in errors (`bootstrap.store_place`).
    place: str = "the database"
    #: When the worker began the write now in progress (monotonic; None between writes).
    _writing_since: float | None = None

    def __post_init__(self) -> None:
        self.runner.group_s = GROUP_S

    @property
    def id(self) -> int:
        return self.runner.session_id

    @property
    def camera(self) -> bool:
        return self.runner.state.camera

    @property
    def over(self) -> bool:
        """Ended by the engine, or recorded as interrupted: nothing more will be applied."""
        return self.runner.finished

    def clock(self) -> float:
        """Session time in seconds; never earlier than the last event applied."""
        return max(time.monotonic() - self.t0, self.runner.last_event_t)

    def wall(self, t: float) -> datetime:
        return self.started_at + timedelta(seconds=t)

    def apply_now(self, event: ev.Event, ref: str | None = None) -> tuple[Cue, ...]:
        """Step and store `event` on the calling thread; only before the session is shared."""
        cues = self._handle(event)
        self._show(cues, ref)
        return cues

    async def apply(self, event: ev.Event, ref: str | None = None) -> tuple[Cue, ...]:
        """Step the engine and store (I7) on the worker, then hand the cues to the page.

        Call under `lock`. `ref` (a page's press id) is echoed with the cues, even
        when there are none. Raises StoreError when the event could not be recorded.
        """
        if self._gone:
            raise StoreError("this session has already been closed")
        loop = asyncio.get_running_loop()
        cues = await self._stored(loop.run_in_executor(self._worker, self._handle, event))
        self._show(cues, ref)
        return cues

    async def _stored(self, job: asyncio.Future[T]) -> T:
        """The worker's `job`, waited for at most `STALL_S` of commit while people move
        (`services.store_wait`): a longer wait raises StoreError; the caller stops the session."""
        return await within_bound(job, lambda: self._writing_since, self._moving, self.place)

    def _moving(self) -> bool:
        """A movement under way or the assistant's hands on the receiver (`rules.hands_on`)."""
        return moving(self.runner.state)

    def _handle(self, event: ev.Event) -> tuple[Cue, ...]:
        """On the worker: the engine steps, the store commits, the cues join the history.
        Quiet ticks are not written; quiet poses are written together every `GROUP_S`
        (`SessionRunner`); sessions writing at once share a commit (`adapters.sql_group`).

        An event stamped on the loop (a STOP, a tick, the system's stop when the page left)
        can come after a frame step that stamped a later pose on this worker meanwhile (its
        wait was cancelled as the page went, so the lock no longer held it off): the server's
        clock never goes back, so such an event takes the latest time instead of being
        refused as out of order (a refused system stop would leave the session unhalted)."""
        if event.t < self.runner.last_event_t:
            event = replace(event, t=self.runner.last_event_t)
        before = rules.hands_on(self.runner.state)
        self._writing_since = time.monotonic()
        try:
            cues = self.runner.handle(event, self.wall(event.t))
            if not before and self._voice_pending():
                # The hands go on (rest to breath-in, Resume, a step) while a person speaks or
                # her words wait for Whisper: a voice where the hands are on pauses at once
                # (`rules.hands_on`); her "stop" must not wait out the breath-in for the
                # movement cue (I2/I3; red team, session 25).
                voice = ev.Voice(self.runner.last_event_t)
                cues += self.runner.handle(voice, self.wall(voice.t))
        finally:
            self._writing_since = None
        self.history.extend(cues)
        return cues

    def _voice_pending(self) -> bool:
        """Are the hands now on (`rules.hands_on`) while a person's voice is still open?"""
        open_ = self.voice_open
        return open_ is not None and rules.hands_on(self.runner.state) and open_()

    def speech_for(self, cues: tuple[Cue, ...]) -> list[dict[str, Any]] | None:
        """The sentences to speak for `cues` (docs/voice.md), honest about listening; where
        our echo is loud and the hands are on, in pieces with silences (speaking less)."""
        if self.speak is None:
            return None
        if self.speak_less_s is not None and rules.hands_on(self.runner.state):
            return self.speak(cues, self.listening, self.speak_less_s)
        return self.speak(cues, self.listening)

    def spoken_line(self) -> list[dict[str, Any]] | None:
        """The line about stopping as it stands now (said again once the microphone is checked)."""
        return self.speech_for((Cue(self.clock(), "say", wording.STOP_ANY_TIME),))

    def _show(self, cues: tuple[Cue, ...], ref: str | None) -> None:
        if cues or ref is not None:
            out = [cue_codec.to_dict(c) for c in cues]
            speech = self.speech_for(cues)
            self.publish(schemas.CuesOut(cues=out, ref=ref, speech=speech).model_dump())
        self.publish_state()
        if self.runner.state.mode == "ended":
            self.stop_ticking()
        felt = any(c.reason and c.reason.startswith("symptom:") for c in cues)
        if felt and self.on_symptom is not None:
            with contextlib.suppress(RuntimeError):  # no running loop: the watch looks soon
                self.on_symptom(self)

    def publish(self, message: dict[str, Any]) -> None:
        if self.send is not None:
            self.send(message)
        for watcher in list(self.watchers):
            watcher(message)

    def takes_frames_from(self, source: str) -> bool:
        """Frames count from the phone while one is paired, else from the page."""
        return source == ("page" if self.phone == "none" else "phone")

    def publish_state(self, force: bool = False) -> None:
        """Send the state when something other than the clock changed (or when asked).

        The message is built only when one of its inputs changed (`_state_inputs`): most
        frames change nothing but the clock, and building it cost a camera session ~10 % of
        its server CPU (issue 15).
        """
        inputs = self._state_inputs()
        if not force and inputs == self._last_inputs:
            return
        self._last_inputs = inputs
        state = self.state_message()
        same = {**state, "t": None} == {**(self._last_state or {}), "t": None}
        if force or not same:
            self._last_state = state
            self.publish(state)

    def _state_inputs(self) -> tuple[Any, ...]:
        """Everything `state_message` reads except the clock (`s.t`): equal inputs, equal
        message. Keep it in step with `state_message`."""
        s, frame = self.runner.state, self.last_frame
        return (
            s.technique.id,
            s.mode,
            s.phase_index,
            s.setup_index,
            s.attempts,
            s.limits,
            s.camera,
            s.last_pose.tracked if s.last_pose else None,
            s.end_reason,
            self.runner.finished,
            self.phone,
            None
            if frame is None
            else (frame.checks, frame.hints, frame.placement_hint, frame.placement_picture),
        )

    def state_message(self) -> dict[str, Any]:
        s = self.runner.state
        technique = s.technique
        frame = self.last_frame
        checks = [
            schemas.CheckOut(
                id=cid,
                text=technique.check(cid).text,
                ok=frame.checks.get(cid) if frame else None,
                hint=frame.hints.get(cid) if frame else None,
            )
            for cid in s.current_checks()
        ]
        return schemas.StateOut(
            t=round(s.t, 3),
            mode=s.mode,
            phase=s.phase_id,
            setup_step=technique.setup[s.setup_index].id if s.mode == "setup" else None,
            attempts=s.attempts,
            attempts_max=s.limits.attempts,
            attempts_left=s.attempts_left,
            camera=s.camera,
            tracked=s.last_pose.tracked if s.last_pose else None,
            checks=checks,
            placement_hint=frame.placement_hint if frame else None,
            placement_picture=frame.placement_picture if frame else None,
            gentle_speed_deg_s=s.limits.gentle_speed_deg_s,
            hard_speed_deg_s=s.limits.hard_speed_deg_s,
            max_range_deg=s.limits.max_range_deg,
            ended=s.mode == "ended" or self.runner.finished,
            end_reason=s.end_reason,
            phone=self.phone,
        ).model_dump()

    async def watch_frame(
        self, job: FrameJob, seq: int, here: bool = False, arrived: float | None = None
    ) -> None:
        """Analyse a waiting frame (or page landmarks) and step its pose, in one trip to the
        worker (the server's cost per frame: issue 15), under `lock`: a STOP that comes
        meanwhile is stepped next, after this one pose. Then the overlay, then the cues.

        `here`: the job is quick pure computing (page landmarks through the monitors, under
        a millisecond), so it runs on the calling thread while the last one took at most
        `HERE_MAX_MS`, and so does the engine's step when the pose writes nothing
        (`SessionRunner.handle_quiet`); only a pose that must be written goes to the worker.
        When the poses waiting are then due to be written, they are handed to the worker
        and their write is awaited after the lock is let go (`_hand_off`), the answer
        already sent: a STOP meanwhile does not wait for the lock.
        The GIL runs one thread's Python at a time anyway, and the round trip between
        threads cost ~0.5 ms a landmarks message (issue 15).

        `arrived`: the session time the frame reached the server. One that then waited for
        the lock longer than a pose may be trusted (`POSE_STALE_MAX_S`: a slow commit holds it
        up to `STALL_S`), or for the worker (`_frame_step`: behind a handed-off batch's slow
        commit), is analysed and answered (the page's checklist, its count of frames
        answered) but not stepped: stepped at the time it got the lock, a view of the receiver
        seconds old read as tracking now, and the tick after it did not pause (I4; red team,
        session 24). The next frame, or the tick's stale pose, decides.

        Raises FrameFailed when the camera watch failed on it (nothing was stepped), and
        StoreError when the pose, or the batch it handed off, could not be recorded (not
        once the session was let go meanwhile: it was stopped already).
        """
        batch: asyncio.Future[None] | None = None
        async with self.lock:
            if self.over:
                return
            if self._gone:
                raise StoreError("this session has already been closed")
            loop = asyncio.get_running_loop()
            cues: tuple[Cue, ...] = ()
            if arrived is not None and (waited := self.clock() - arrived) > POSE_STALE_MAX_S:
                log.info(
                    "session %s: camera message %d not stepped, %.2f s old", self.id, seq, waited
                )
                result, pose, analyze_ms = (
                    self._analyse(job)
                    if here and self._here_ms <= HERE_MAX_MS
                    else await loop.run_in_executor(self._worker, self._analyse, job)
                )
            elif here and self._here_ms <= HERE_MAX_MS:
                result, pose, analyze_ms = self._analyse(job)
                if not self._quiet_step(pose):
                    cues = await self._stored(
                        loop.run_in_executor(self._worker, self._handle, pose)
                    )
                else:  # stepped here: the worker only writes, if anything is due
                    batch = self._hand_off(pose.t)
            else:
                result, pose, cues, analyze_ms = await self._stored(
                    loop.run_in_executor(self._worker, self._frame_step, job, arrived)
                )
            if here:
                self._here_ms = analyze_ms
            self._answer(result, pose, seq, analyze_ms, at_once=not here or bool(cues))
            self._show(cues, None)
        if batch is not None:  # outside the lock: a STOP meanwhile is written next (I7)
            try:
                await self._stored(batch)
            except StoreError:
                if not self._gone:  # else already stopped (another write failed, or closed)
                    raise

    def _answer(
        self, result: FrameResult, pose: ev.Pose, seq: int, analyze_ms: float, at_once: bool
    ) -> None:
        """The `frame` answer: now, or (page landmarks showing nothing new) the newest one
        when its gap is over (`frame_answers`). `at_once`: a camera frame, or cues came."""
        s = self.runner.state
        showing = shown(result, pose, s.mode, s.limits.gentle_speed_deg_s)
        now = time.monotonic()
        wait = self.answers.offer(showing, now)
        if at_once or wait <= 0:
            self._send_answer(result, pose, seq, analyze_ms, showing, now)
            return
        self._held = (result, pose, seq, analyze_ms, showing)
        if self._held_timer is None:
            self._held_timer = asyncio.get_running_loop().call_later(wait, self._answer_held)

    def _send_answer(
        self,
        result: FrameResult,
        pose: ev.Pose,
        seq: int,
        analyze_ms: float,
        showing: tuple[Any, ...],
        now: float,
    ) -> None:
        self._held = None
        if self._held_timer is not None:
            self._held_timer.cancel()
            self._held_timer = None
        analysed = self.answers.answered(showing, now)
        self.publish(frame_out(result, pose, seq, analyze_ms, analysed))

    def _answer_held(self) -> None:
        """The held answer's gap is over: send it (unless the session let go meanwhile)."""
        self._held_timer = None
        if self._held is not None and not self._gone:
            self._send_answer(*self._held, time.monotonic())

    def _frame_step(
        self, job: FrameJob, arrived: float | None = None
    ) -> tuple[FrameResult, ev.Pose, tuple[Cue, ...], float]:
        """On the worker: the camera watch for the engine's current checks, then the pose;
        not the pose of a message that waited here longer than a pose may be trusted
        (`watch_frame`'s `arrived`). The lock is not all it may wait for: the worker writes
        every batch a quiet step hands off (`_hand_off`) outside the lock, so a frame that got
        the lock at once could wait here behind a slow commit, and its pose, stamped when its
        turn came, took a view seconds old as the engine's "now" (I4; red team, session 25)."""
        waited = None if arrived is None else self.clock() - arrived
        result, pose, analyze_ms = self._analyse(job)
        if waited is not None and waited > POSE_STALE_MAX_S:
            log.info("session %s: camera message not stepped, %.2f s old", self.id, waited)
            return result, pose, (), analyze_ms
        return result, pose, self._handle(pose), analyze_ms

    def _analyse(self, job: FrameJob) -> tuple[FrameResult, ev.Pose, float]:
        """The camera watch for the engine's current checks, and its pose at the time now."""
        started = time.perf_counter()
        # The server's two-person step looks every 0.13 s only in a movement (from the
        # assistant's hold on); before it every 4th frame, as the checklist needs.
        tell_moving(self.analyzer, rules.movement_watched(self.runner.state))
        try:
            result = job(self.runner.state.current_checks())
        except Exception as err:  # noqa: BLE001 - handed back to the socket, which says so
            raise FrameFailed(err) from err
        analyze_ms = (time.perf_counter() - started) * 1000
        self.last_frame = result
        return result, replace(result.pose, t=self.clock()), analyze_ms

    def _quiet_step(self, event: ev.Pose | ev.Tick) -> bool:
        """Step a pose or tick that writes nothing but the poses waiting, here
        (`SessionRunner.handle_quiet`); False when it must go to the worker (`_handle`).
        Its time as `_handle` takes it. When the group commit is then due (`due_at`), the
        caller hands what waits to the worker (`_hand_off`): stepped once, not again there."""
        if event.t < self.runner.last_event_t:
            event = replace(event, t=self.runner.last_event_t)
        return self.runner.handle_quiet(event, defer=True)

    def _hand_off(self, t: float) -> asyncio.Future[None] | None:
        """After a quiet step at `t` (call under `lock`): when the group commit is then due
        (`due_at`), the poses waiting leave the runner as one batch (`SessionRunner.take`)
        and their write is queued on the worker (`_write_batch`); None when nothing is due
        (no trip to the worker at all). The caller releases the lock, then awaits the write
        (`_stored`), so nothing waits for this commit that need not:

        * I7: every write of this session goes through the one FIFO worker, so a STOP
          stepped meanwhile (`apply`) is written after the batch, and its halt's cue goes
          out only after the poses before it are durable. Poses and ticks stepped
          meanwhile wait in the runner's new batch, after the handed-off one in `seq`.
        * A failed write (a full disk, a locked database) raises StoreError to whoever
          awaits it, who stops the session (`store_failed`), as before; the failed batch
          stays in the runner (`_unwritten`), so a write already queued after it (that
          STOP) carries it first: it stores it too, or fails too; none lands with a gap.
        * The write is never cancelled: a caller cancelled while waiting (the page's socket
          closing) leaves it to run, or the batch would be lost from the runner; its failure
          then reaches the next write (the system's stop as the page left).
        * Answers and state for the pose were sent under the lock, before the write, as for
          any quiet pose that is not yet written: a cue that comes later is sent after them.
        """
        if not self.runner.due_at(t):
            return None
        batch = self.runner.take()
        job = asyncio.wrap_future(self._worker.submit(self._write_batch, batch))
        job.add_done_callback(_settle)
        return asyncio.shield(job)

    def _write_batch(self, batch: list[StoredStep]) -> None:
        """On the worker: write a batch of quiet poses (the group commit, `_hand_off`)."""
        self._writing_since = time.monotonic()
        try:
            self.runner.write(batch)
        finally:
            self._writing_since = None

    # ── time and presence ────────────────────────────────────────────────────

    def start_ticking(self) -> None:
        if self._ticker is None and not self.over:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_loop())

    def stop_ticking(self) -> None:
        if self._ticker is not None and self._ticker is not asyncio.current_task():
            self._ticker.cancel()
        self._ticker = None

    async def _tick_loop(self) -> None:
        """Ticks every TICK_S by the wall clock: paces the breath, notices a silent camera."""
        next_at = time.monotonic()
        while not self.over and self.runner.state.mode != "ended":
            next_at += TICK_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            batch: asyncio.Future[None] | None = None
            async with self.lock:
                if self.over:
                    return
                try:
                    tick = ev.Tick(self.clock())
                    if not self._gone and self._quiet_step(tick):
                        batch = self._hand_off(tick.t)  # the poses waiting, not the tick
                        self._show((), None)
                    else:
                        await self.apply(tick)
                except StoreError as err:
                    self.store_failed(err)
                    return
                except Exception:  # noqa: BLE001 - without ticks nothing notices a lost camera (I4)
                    log.exception("session %s: a tick failed", self.id)
                    self.clock_failed()
                    return
            if batch is not None:  # outside the lock (`_hand_off`)
                try:
                    await self._stored(batch)
                except StoreError as err:
                    if not self._gone:
                        self.store_failed(err)
                    return

    def clock_failed(self) -> None:
        """The ticks stopped (a bug): without them no pause comes in time, so the page stops."""
        message = (
            "backbuddy's session clock failed, so it cannot watch the time or the camera "
            "any more: stop and release gently"
        )
        self._fatal("server_failed", message)

    def _fatal(self, code: schemas.ErrorCode, message: str) -> None:
        """Ends the page's session for `code`, said aloud as well as shown: the pair's hands
        are on and nobody looks at the screen (red team, session 13: the page cancelled its
        speech and went silent, so a pair that stopped by voice heard nothing more)."""
        speech = self.speech_for((Cue(self.clock(), "halt", STOP_RELEASE),))
        self.publish(
            schemas.ErrorOut(code=code, message=message, fatal=True, speech=speech).model_dump()
        )
        if self.hangup is not None:
            self.hangup()

    def store_failed(self, err: StoreError) -> None:
        """Nothing can be recorded (I7), so nothing may go on: the page halts and is told why,
        and the session is over here (recorded as interrupted once the store takes it). Not
        kept for a page coming back: the stop that failed to be stored left the engine where
        it was, mid-movement, and a reload once the disk had room again went on from there
        with movement cues nobody had resumed (red team, session 12)."""
        message, cause = unrecordable(err)  # the runner's words are not said twice
        self.stop_ticking()
        self._fatal("store_failed", message)
        self.interrupt(f"backbuddy could not record the session: {cause}")

    async def page_gone(self, reason: str) -> None:
        """The page's socket closed: halt now, and give it `grace_s` to come back."""
        self.send = None
        self.hangup = None
        loop = asyncio.get_running_loop()
        self._grace = loop.call_later(self.grace_s, self._grace_over, reason)
        await self.halt()

    def _grace_over(self, reason: str) -> None:
        """No page came back: an unfinished session was interrupted; an ended one just goes."""
        if self.over:
            self.finish_gone()
        else:
            self.interrupt(reason)

    async def _system(self, event: ev.Event) -> None:
        """Apply the system's own stop, end or symptom (call holding the lock). One that
        cannot be recorded leaves the engine where it was, perhaps mid-movement, and a
        later write that succeeds would go on from there: the session stops instead
        (`store_failed`; red team, session 12: a red flag answered while the store failed
        left the session resumable, even moving)."""
        try:
            await self.apply(event)
        except StoreError as err:
            if not self._gone:
                self.store_failed(err)

    async def halt(self) -> None:
        """A stop from the system unless already halted or over; finishes even if the caller
        is cancelled (a closing socket); one that cannot be recorded stops the session."""

        async def stop() -> None:
            async with self.lock:
                if not self.over and self.runner.state.mode not in ("ended", "halted"):
                    await self._system(ev.Stop(self.clock(), source="system"))

        await asyncio.shield(asyncio.ensure_future(stop()))

    async def end_for_screening(self) -> None:
        """A screening answered since refuses or narrows this session (I1): the system's stop,
        then the engine's end, so no resume can bring a movement cue back (a stop alone is
        resumable); the end says why (`End.why`), not "ended by the pair"."""
        await self.halt()

        async def end() -> None:
            async with self.lock:
                if not self.over and self.runner.state.mode != "ended":
                    await self._system(ev.End(self.clock(), why="screening"))

        await asyncio.shield(asyncio.ensure_future(end()))

    async def feel(self, sensation: ev.SensationKind, where: str) -> None:
        """A symptom felt in another session for the same receiver (`services.felt_elsewhere`):
        the engine steps it here too (halt, referral, aftercare); finishes even if the
        caller is cancelled; one that cannot be recorded stops the session."""

        async def step() -> None:
            async with self.lock:
                if not self.over:
                    felt = ev.Sensation(self.clock(), sensation=sensation, elsewhere=where)
                    await self._system(felt)

        await asyncio.shield(asyncio.ensure_future(step()))

    def await_page(self, reason: str = "the session page never opened") -> None:
        """Started but no page yet: if none attaches within `grace_s`, it was interrupted."""
        loop = asyncio.get_running_loop()
        self._grace = loop.call_later(self.grace_s, self.interrupt, reason)

    def page_back(self, send: Send, hangup: Callable[[], None] | None = None) -> None:
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        self.send = send
        self.hangup = hangup
        self.connections += 1
        self.answers.reset()  # the new page hears the next landmarks' answer at once

    @property
    def gone(self) -> bool:
        """Let go by the server (recorded as interrupted, or ended and its page long gone)."""
        return self._gone

    def interrupt(self, reason: str) -> Future[None]:
        """Record the session as interrupted (it never reached its end) and let it go.

        The record is written by the worker after every event already given to it;
        the returned future is done once it is (or once it could not be).
        """
        done: Future[None]
        if self._gone:
            done = Future()
            done.set_result(None)
            return done
        done = self._worker.submit(self._close, reason)
        self.stop_ticking()
        self.finish_gone()
        return done

    async def interrupt_now(self, reason: str) -> None:
        """`interrupt`, waiting until the record is written."""
        await asyncio.wrap_future(self.interrupt(reason))

    def _close(self, reason: str) -> None:
        at = self.wall(self.clock())
        try:
            self.runner.close(at, reason)
        except StoreError:  # unrecordable now: written later, or marked by the next start
            if self.on_unrecorded is not None:
                self.on_unrecorded(self, reason, at)

    def finish_gone(self) -> None:
        if self._gone:
            return
        self._gone = True
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        self._worker.shutdown(wait=False)  # work already given still runs, in order
        if self.analyzer is not None:
            with contextlib.suppress(Exception):
                self.analyzer.close()
            self.analyzer = None
        if self.on_gone is not None:
            self.on_gone(self)
