"""The server's running sessions, and the one place a web session is started (I1, I8 first).

The registry keeps each live session by id, from its start until it has ended
(or been recorded as interrupted) and its page has gone; after that the store is
the only memory of it.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent import futures
from datetime import UTC, datetime

from backbuddy.bootstrap import store_place
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningBlocked, ScreeningRequired, StoreError
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import (
    ScreeningResult,
    load_questions,
    new_cautions,
    session_technique,
)
from backbuddy.services import felt_elsewhere
from backbuddy.services.escalation import check_can_start
from backbuddy.services.screening import recheck_start, require_valid_screening
from backbuddy.services.session_runner import SessionRunner
from backbuddy.web import schemas
from backbuddy.web.ears import Ears
from backbuddy.web.frames import AnalyzerFactory, sees_hold
from backbuddy.web.live import GRACE_S, LiveSession
from backbuddy.web.spoken import WebVoice

log = logging.getLogger(__name__)

#: How often the store is asked whether a screening was stored since, by any process
#: (`watch_screenings`): a red flag answered in a terminal halts a session within this.
WATCH_S = 1.0
#: Told to a session's page when a screening answered since halted it.
BLOCKED_MESSAGE = (
    "A screening answered since (on another page, in a terminal or on another device) "
    "says this routine isn't suitable now, so the session has stopped and ended. Release "
    "gently, and read that screening's outcome on the home page."
)
#: Told when a screening answered since adds a caution the session was set up without.
NARROWED_MESSAGE = (
    "The screening was answered again with something new to take care of ({what}), so this "
    "session, set up without it, has ended. Start a new session: it follows the new answers."
)
#: What a screening answered since says of a technique: blocked, or the result standing.
Verdict = ScreeningResult | None


class Registry:
    """Live sessions by id, plus what is needed to start one."""

    def __init__(
        self,
        settings: Settings,
        store: HistoryStore,
        analyzers: AnalyzerFactory | None,
        grace_s: float = GRACE_S,
        ears: Ears | None = None,
        voice: WebVoice | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.analyzers = analyzers
        self.grace_s = grace_s
        self.sessions: dict[int, LiveSession] = {}
        #: The page's microphone (docs/voice.md) and the server's voice for spoken cues.
        self.ears = ears or Ears(enabled=False)
        self.voice = voice or WebVoice(enabled=False)
        #: The store's screenings as last seen (`screenings_mark`); read before any session
        #: starts, so a screening stored after a session's start is always noticed.
        self._screenings_seen = store.screenings_mark()
        #: The store's symptom halts and aftercare checks as last seen (`symptoms_mark`).
        self._symptoms_seen = store.symptoms_mark()
        #: One look at the store at a time (the watch, and a look right after a symptom).
        self._looking = asyncio.Lock()
        self._tasks: set[asyncio.Task[list[int]]] = set()
        #: Sessions being ended for a screening now: the form's route and the store's watch
        #: may both find the same block; the first to find it tells the page, once.
        self._ending: set[int] = set()
        #: Sessions let go whose interrupted record the store refused (`record_unrecorded`).
        self._unrecorded: list[tuple[LiveSession, str, datetime]] = []

    def get(self, session_id: int) -> LiveSession | None:
        return self.sessions.get(session_id)

    def running(self, technique_id: str, now: datetime) -> LiveSession | None:
        """The unfinished session of this technique still held here (its page is open, or
        may come back), if any: a second start in the same sitting goes back to it. None
        when the screening no longer lets a session start (I1: a block answered since is
        shown, not stepped around)."""
        for live in self.sessions.values():
            if not (live.over or live.gone) and live.runner.state.technique.id == technique_id:
                return live if self._screening_allows(technique_id, now) else None
        return None

    async def halt_where_blocked(self, now: datetime) -> list[int]:
        """End every running session the screening now refuses or narrows (I1 during a
        session, not only at its start): a red flag, or a new caution the session was set up
        without (blood thinners: lighter limits and their message), answered in another tab,
        on the phone, or by another process (`watch_screenings`). Ended, not only halted: a
        halt can be resumed. The store is read off the event loop. Each session is told and
        ended once, whichever caller finds the block first. Returns the ids ended."""
        running = [live for live in self.sessions.values() if not live.over]
        techniques = {live.runner.state.technique.id for live in running}
        if not techniques:
            return []
        verdicts = await asyncio.to_thread(self._verdicts, techniques, now)
        ended = []
        for live in running:
            state = live.runner.state
            if live.over or live.id in self._ending or state.technique.id not in verdicts:
                continue
            verdict = verdicts[state.technique.id]
            if verdict is None:
                code, message = "screening_blocked", BLOCKED_MESSAGE
            elif new := new_cautions(state.screening, verdict):
                code, message = "screening_changed", NARROWED_MESSAGE.format(what=", ".join(new))
            else:
                continue
            self._ending.add(live.id)  # claimed before the first await: told once
            try:
                live.publish(schemas.ErrorOut(code=code, message=message).model_dump())
                await live.end_for_screening()
            finally:
                self._ending.discard(live.id)  # over now; if not (a refused write), look again
            live.publish_state()
            ended.append(live.id)
        return ended

    def _verdicts(self, techniques: set[str], now: datetime) -> dict[str, Verdict]:
        """Each technique's standing screening (None: a block refuses it). A screening merely
        grown old (or none) is left out: it stops no running session, I1 asks at the start."""
        verdicts: dict[str, Verdict] = {}
        for technique_id in techniques:
            try:
                verdicts[technique_id] = require_valid_screening(self.store, technique_id, now)[1]
            except ScreeningBlocked:
                verdicts[technique_id] = None
            except ScreeningRequired:
                pass
        return verdicts

    async def check_screenings(self, now: datetime) -> list[int]:
        """If any process stored (or forgot) a screening, or stored a symptom halt or an
        aftercare check, since the last look: a symptom felt elsewhere stops the running
        sessions (`halt_for_symptoms`), then a block now refusing ends what is left. Two
        indexed reads when nothing changed."""
        async with self._looking:
            mark = await asyncio.to_thread(self.store.screenings_mark)
            felt = await asyncio.to_thread(self.store.symptoms_mark)
            if (mark, felt) == (self._screenings_seen, self._symptoms_seen):
                return []
            ended = await self.halt_for_symptoms(now)
            ended += await self.halt_where_blocked(now)
            # Kept only once acted on: a look that failed (StoreError) is made again next turn.
            self._screenings_seen, self._symptoms_seen = mark, felt
            return ended

    async def halt_for_symptoms(self, now: datetime) -> list[int]:
        """A symptom felt in another session for the same receiver, or reported in an
        aftercare check, stops every running session with the same sensation (I2: halt,
        referral, aftercare, never a movement cue again; `services.felt_elsewhere`). Returns the
        ids stopped."""
        running = [live for live in self.sessions.values() if not live.over]
        if not running:
            return []
        felt = await asyncio.to_thread(felt_elsewhere.holding, self.store, now)
        ended = []
        for live in running:
            found = felt_elsewhere.for_session(felt, live.id)
            if live.over or found is None or found.sensation is None:
                continue  # one named by no sensation is a block: `halt_where_blocked` ends it
            message = found.message()
            live.publish(schemas.ErrorOut(code="symptom_elsewhere", message=message).model_dump())
            await live.feel(found.sensation, found.where)
            ended.append(live.id)
        return ended

    def _symptom_felt(self, live: LiveSession) -> None:
        """One of this server's sessions felt a symptom (stored): look at once, not at the
        watch's next turn, so the other sessions stop now."""
        task = asyncio.get_running_loop().create_task(self.check_screenings(datetime.now(UTC)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def watch_screenings(self, every_s: float = WATCH_S) -> None:
        """Runs for the server's life: `check_screenings` every `every_s` while a session
        runs. A store that cannot be read is retried next time (the sessions' own writes
        fail and stop them if it stays so)."""
        while True:
            await asyncio.sleep(every_s)
            if self._unrecorded:
                await asyncio.to_thread(self.record_unrecorded)
            if not any(not live.over for live in self.sessions.values()):
                continue
            try:
                await self.check_screenings(datetime.now(UTC))
            except StoreError as err:
                log.warning("could not look for new screenings: %s", err)

    def record_unrecorded(self) -> int:
        """Write the interrupted records the store refused when their sessions were let go
        (a full disk, a database server restarting): while they read "running", the history
        is wrong and `forget` refuses (this process is alive, so no start marks them). Those
        still refused wait for the next turn. Returns how many are still waiting."""
        waiting = []
        for live, reason, at in list(self._unrecorded):
            try:
                live.runner.close(at, reason)
            except StoreError:
                waiting.append((live, reason, at))
        self._unrecorded = waiting
        return len(waiting)

    def _unrecorded_left(self, live: LiveSession, reason: str, at: datetime) -> None:
        self._unrecorded.append((live, reason, at))  # from a session's worker thread

    def allows(self, technique_id: str) -> bool:
        """I1 now: a session of this technique may run (a valid screening, no block)."""
        return self._screening_allows(technique_id, datetime.now(UTC))

    def _screening_allows(self, technique_id: str, now: datetime) -> bool:
        """I1 now: a valid screening stands and no block holds."""
        try:
            require_valid_screening(self.store, technique_id, now)
        except (ScreeningRequired, ScreeningBlocked):
            return False
        return True

    def start(self, technique: tech.Technique, camera: bool, now: datetime) -> LiveSession:
        """Start a stored session and apply `begin`.

        Refuses without a valid screening (I1, ScreeningRequired/Blocked) and when the
        history forbids a session now (I6/I8, StartBlocked); both are shown as pages.
        """
        limits = self.settings.limits_for(technique)
        again = recheck_start(self.store, technique.id, now, limits.pop_rest_min)  # first
        screening_id, screening = require_valid_screening(self.store, technique.id, now)
        check_can_start(self.store, technique.id, now, pop_rest_min=limits.pop_rest_min)
        narrowed = session_technique(load_questions(), technique, screening)
        state = session.new_session(narrowed, screening, limits)
        camera = camera and self.analyzers is not None
        runner = SessionRunner.start(self.store, state, screening_id, now, camera, again)
        analyzer = None
        if camera and self.analyzers is not None:
            analyzer = self.analyzers(technique, state.limits)
        live = LiveSession(runner, started_at=now, analyzer=analyzer, grace_s=self.grace_s)
        live.place = store_place(self.settings)
        live.on_gone = self._gone
        live.on_unrecorded = self._unrecorded_left
        live.on_symptom = self._symptom_felt
        live.speak = self.voice.parts
        self.voice.warm(technique)
        try:
            holds = analyzer is not None and sees_hold(analyzer)
            live.apply_now(ev.Begin(0.0, at=now, camera=camera, sees_hold=holds))
        except BaseException:
            live.interrupt("the session could not begin")
            raise
        self.sessions[live.id] = live
        return live

    def _gone(self, live: LiveSession) -> None:
        self.sessions.pop(live.id, None)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Server stopping: every unfinished session is recorded as interrupted (waited for)."""
        running = list(self.sessions.values())
        pending = [live.interrupt("the server stopped mid-session") for live in running]
        futures.wait(pending, timeout=timeout_s)
        self.record_unrecorded()  # a last try; what is left, the next start marks
        self.ears.close()
