"""The server's running sessions, and the one place a web session is started (I1, I8 first).

The registry keeps each live session by id, from its start until it has ended
(or been recorded as interrupted) and its page has gone; after that the store is
the only memory of it.
"""

from __future__ import annotations

from concurrent import futures
from datetime import datetime

from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningBlocked, ScreeningRequired
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import load_questions, session_technique
from backbuddy.services.escalation import check_can_start
from backbuddy.services.screening import require_valid_screening
from backbuddy.services.session_runner import SessionRunner
from backbuddy.web.ears import Ears
from backbuddy.web.frames import AnalyzerFactory
from backbuddy.web.live import GRACE_S, LiveSession
from backbuddy.web.spoken import WebVoice


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
        """Halt every running session the screening no longer allows (I1 during a session, not
        only at its start): a red flag answered in another tab, or on the phone, mid-session.
        Returns the ids halted."""
        halted = []
        for live in list(self.sessions.values()):
            if not live.over and not self._screening_allows(live.runner.state.technique.id, now):
                await live.halt()
                halted.append(live.id)
        return halted

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
        screening_id, screening = require_valid_screening(self.store, technique.id, now)
        limits = self.settings.limits_for(technique)
        check_can_start(self.store, technique.id, now, pop_rest_min=limits.pop_rest_min)
        narrowed = session_technique(load_questions(), technique, screening)
        state = session.new_session(narrowed, screening, limits)
        camera = camera and self.analyzers is not None
        runner = SessionRunner.start(self.store, state, screening_id, now, camera)
        analyzer = None
        if camera and self.analyzers is not None:
            analyzer = self.analyzers(technique, state.limits)
        live = LiveSession(runner, started_at=now, analyzer=analyzer, grace_s=self.grace_s)
        live.on_gone = self._gone
        live.speak = self.voice.parts
        self.voice.warm(technique)
        try:
            live.apply_now(ev.Begin(0.0, at=now, camera=camera))
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
        self.ears.close()
