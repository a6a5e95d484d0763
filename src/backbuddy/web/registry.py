"""The server's running sessions, and the one place a web session is started (I1 first).

The registry keeps each live session by id. Finished sessions stay a while so
the aftercare check can still record what the receiver reports; the oldest are
let go beyond `KEEP_FINISHED`.
"""

from __future__ import annotations

from datetime import datetime

from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.ports import SessionStore
from backbuddy.services.screening import require_valid_screening
from backbuddy.services.session_runner import SessionRunner
from backbuddy.web.frames import AnalyzerFactory
from backbuddy.web.live import GRACE_S, LiveSession

KEEP_FINISHED = 20


class Registry:
    """Live sessions by id, plus what is needed to start one."""

    def __init__(
        self,
        settings: Settings,
        store: SessionStore,
        analyzers: AnalyzerFactory | None,
        grace_s: float = GRACE_S,
    ) -> None:
        self.settings = settings
        self.store = store
        self.analyzers = analyzers
        self.grace_s = grace_s
        self.sessions: dict[int, LiveSession] = {}

    def get(self, session_id: int) -> LiveSession | None:
        return self.sessions.get(session_id)

    def start(self, technique: tech.Technique, camera: bool, now: datetime) -> LiveSession:
        """Start a stored session and apply `begin`; refuses without a valid screening (I1)."""
        screening_id, screening = require_valid_screening(self.store, technique.id, now)
        state = session.new_session(technique, screening, self.settings.limits_for(technique))
        camera = camera and self.analyzers is not None
        runner = SessionRunner.start(self.store, state, screening_id, now, camera)
        analyzer = None
        if camera and self.analyzers is not None:
            analyzer = self.analyzers(technique, state.limits)
        live = LiveSession(runner, started_at=now, analyzer=analyzer, grace_s=self.grace_s)
        live.on_gone = self._gone
        try:
            live.apply(ev.Begin(0.0, at=now, camera=camera))
        except BaseException:
            live.interrupt("the session could not begin")
            raise
        self.sessions[live.id] = live
        self._trim()
        return live

    def _gone(self, live: LiveSession) -> None:
        """A session whose page left: keep it if it ended (aftercare), drop it if interrupted."""
        if live.runner.state.mode != "ended":
            self.sessions.pop(live.id, None)

    def _trim(self) -> None:
        finished = [s for s in self.sessions.values() if s.over]
        for old in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self.sessions.pop(old.id, None)

    def shutdown(self) -> None:
        """Server stopping: every unfinished session is recorded as interrupted."""
        for live in list(self.sessions.values()):
            live.interrupt("the server stopped mid-session")
