"""A symptom felt in one session stops every other session running for the same receiver.

The store keeps one household's history: every session in it is for the same receiver
(there is no "who" column; a screening, a block and a referral are about the person,
design.md I1). So a sharp pain, numbness, tingling or weakness in one session (or
reported in an aftercare check) means "stop everything and refer" for a second technique
running on another device or on another worker process (`serve --workers`) too (I2, I8).

The server looks at the store's symptom halts each time its screening watch does
(`Registry.watch_screenings`, `HistoryStore.symptoms_mark`) and at once after one of its
own sessions felt one. Each other running session gets the same sensation stepped by the
engine: its halt, its referral and aftercare (never a movement cue again), recorded.
The terminal guide looks the same way once a second (`StoreWatch`): a symptom, a red flag
or a new caution stored by the web app (or another terminal) stops it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from backbuddy.domain import escalation as esc
from backbuddy.domain import events as ev
from backbuddy.domain.errors import ScreeningBlocked, ScreeningRequired
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import ScreeningResult, new_cautions
from backbuddy.services.escalation import local_zone
from backbuddy.services.screening import require_valid_screening

#: How often the terminal guide looks at the store (session seconds), as the server does.
WATCH_S = 1.0
#: Told in the terminal when a screening answered elsewhere refuses or narrows the session.
SCREENING_MESSAGE = (
    "A screening answered since (in the browser or another terminal) no longer allows this "
    "session, so it has ended. Release gently, and read that screening's outcome."
)

#: Told to a session's page when a symptom felt elsewhere stopped it.
MESSAGE = (
    "{what} was reported {where}, for the same receiver, so this session has stopped too. "
    "Release gently. No more movement: please see a physiotherapist, chiropractor or doctor "
    "before any more sessions."
)


@dataclass(frozen=True)
class Felt:
    """A symptom that holds (no professional has seen the receiver since) and where."""

    session_id: int | None
    #: The engine's sensation for it; None when the check named none it knows ("other").
    sensation: ev.SensationKind | None
    at: datetime
    where: str
    #: Felt during (or just after) session `session_id`, not reported in an aftercare check.
    in_session: bool = True

    def message(self) -> str:
        what = (self.sensation or "A new symptom").replace("_", " ")
        return MESSAGE.format(what=what[:1].upper() + what[1:], where=self.where)


def holding(store: HistoryStore, now: datetime) -> list[Felt]:
    """Every symptom felt in a session or reported after one that still holds (I8: until a
    professional has seen the receiver), oldest first. Reads the store: call off the loop."""
    zone = local_zone()
    seen = store.seen()
    started = {s.id: s.started_at for s in store.sessions()}
    found: list[Felt] = []
    for sid, event in store.events_of_kind(["sensation"]):
        if not isinstance(event, ev.Sensation) or event.sensation not in ev.SYMPTOMS:
            continue
        if sid not in started:
            continue
        at = started[sid]
        # One stepped here for a symptom felt elsewhere names where it was felt.
        where = event.elsewhere or f"in session {sid}"
        found.append(Felt(sid, event.sensation, at, where))
    for check in store.aftercare():
        if check.symptoms:
            named = next((s for s in check.symptoms if s in ev.SYMPTOMS), None)
            named = cast(ev.SensationKind | None, named)
            where = "in an aftercare check"
            found.append(Felt(check.session_id, named, check.at, where, in_session=False))
    held = [f for f in found if not esc.cleared(seen, f.at, now, zone)]
    return sorted(held, key=lambda f: f.at)


def for_session(felt: list[Felt], session_id: int) -> Felt | None:
    """The latest symptom felt elsewhere than in `session_id` itself, if any holds. A session
    only starts while no symptom holds (I8), so any that holds now was felt since (or in the
    instant of its start)."""
    others = [f for f in felt if not (f.in_session and f.session_id == session_id)]
    return others[-1] if others else None


@dataclass
class StoreWatch:
    """The terminal guide's look at the store (`WATCH_S`): the events that stop its session
    when another process stored a symptom (the same sensation), or a screening that refuses
    or narrows it (the system's stop, then the end for a screening), and what to say."""

    store: HistoryStore
    session_id: int
    technique_id: str
    screening: ScreeningResult | None
    next_t: float = WATCH_S
    #: The store's marks at the last look; None until the first, which reads everything: the
    #: guide opens its camera between the start and its first look, and a symptom or a red
    #: flag stored meanwhile must stop the session too (marks taken then hid it).
    marks: tuple[object, object] | None = None

    def poll(self, t: float, now: datetime) -> tuple[list[ev.Event], str]:
        if t < self.next_t:
            return [], ""
        self.next_t = t + WATCH_S
        marks = (self.store.screenings_mark(), self.store.symptoms_mark())
        if marks == self.marks:
            return [], ""
        found = self._look(t, now)
        # Kept only once read: a look that failed (StoreError) is made again next time.
        self.marks = marks
        return found

    def _look(self, t: float, now: datetime) -> tuple[list[ev.Event], str]:
        """What the store holds now that stops the session, and what to say."""
        found = for_session(holding(self.store, now), self.session_id)
        if found is not None and found.sensation is not None:
            felt = ev.Sensation(t, sensation=found.sensation, elsewhere=found.where)
            return [felt], found.message()
        try:
            verdict = require_valid_screening(self.store, self.technique_id, now)[1]
        except ScreeningBlocked:
            verdict = None
        except ScreeningRequired:
            return [], ""
        narrowed = self.screening is not None and verdict is not None
        if verdict is None or (narrowed and new_cautions(self.screening, verdict)):
            return [ev.Stop(t, source="system"), ev.End(t, why="screening")], SCREENING_MESSAGE
        return [], ""
