"""What a report or an export shows, gathered once from the store (any `HistoryStore`).

Measures (max angular speed and range) come from stored `pose` events where a
camera session stored them; sessions without them show none. Limits are the
technique's own (settings may have tightened them during the session).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from backbuddy.domain import blocks as blk
from backbuddy.domain import techniques as tech
from backbuddy.domain import wording
from backbuddy.domain.escalation import AftercareFact, Notice, Seen
from backbuddy.domain.events import SYMPTOMS, Pose, Sensation
from backbuddy.domain.ports import HistoryStore, ScreeningRecord, SessionRecord


@dataclass(frozen=True)
class SessionRow:
    record: SessionRecord
    technique_name: str
    region: str
    speed_halts: int
    max_speed_deg_s: float | None
    max_range_deg: float | None
    speed_limit_deg_s: float | None
    range_limit_deg: float | None
    #: A symptom felt in another session stopped this one: what and where ("numbness felt in
    #: session 12"); that symptom is listed once, where it was felt.
    felt_elsewhere: str | None = None

    @property
    def ending(self) -> str:
        if self.felt_elsewhere and self.record.end_reason == "symptom_elsewhere":
            return f"{wording.ending(self.record.status, None)}: {self.felt_elsewhere}"
        return wording.ending(self.record.status, self.record.end_reason)


@dataclass(frozen=True)
class SymptomRow:
    at: datetime
    source: str
    what: str
    session_id: int | None = None


@dataclass(frozen=True)
class NoticeGroup:
    """All recorded notices of one rule: the latest says why; first and count say how long."""

    latest: Notice
    first: datetime
    count: int


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime
    since: datetime | None
    who: str | None
    screenings: tuple[ScreeningRecord, ...]
    sessions: tuple[SessionRow, ...]
    symptoms: tuple[SymptomRow, ...]
    aftercare: tuple[AftercareFact, ...]
    notices: tuple[Notice, ...]
    seen: tuple[Seen, ...] = ()
    blocks: tuple[blk.Block, ...] = ()

    @property
    def notice_groups(self) -> tuple[NoticeGroup, ...]:
        """One entry per rule (blocks apart), most recent first."""
        groups: dict[tuple[str, bool], list[Notice]] = defaultdict(list)
        for notice in self.notices:
            groups[(notice.rule, notice.blocks)].append(notice)
        out = [
            NoticeGroup(max(ns, key=lambda n: n.at), min(n.at for n in ns), len(ns))
            for ns in groups.values()
        ]
        return tuple(sorted(out, key=lambda g: (g.latest.at, g.latest.rule), reverse=True))

    @property
    def quiet_aftercare(self) -> int:
        """Aftercare checks that reported nothing new."""
        return sum(1 for a in self.aftercare if not _noteworthy(a))

    @property
    def empty(self) -> bool:
        return not (self.screenings or self.sessions or self.aftercare or self.notices)


def collect(
    store: HistoryStore,
    now: datetime,
    since: datetime | None = None,
    who: str | None = None,
    blocks: tuple[blk.Block, ...] = (),
) -> ReportData:
    """Everything stored from `since` (all when None) up to now; `blocks`: those in force now."""
    techniques = tech.load_all()
    records = store.sessions(since)
    poses: dict[int, list[Pose]] = defaultdict(list)
    symptoms: list[SymptomRow] = []
    elsewhere: dict[int, str] = {}
    starts = {r.id: r.started_at for r in records}
    for sid, event in store.events_of_kind(["pose", "sensation"], since):
        if isinstance(event, Pose) and event.tracked:
            poses[sid].append(event)
        elif isinstance(event, Sensation) and event.elsewhere and event.sensation in SYMPTOMS:
            # The same symptom, stepped here to stop this session: not felt here.
            elsewhere.setdefault(sid, f"{_words(event.sensation)} felt {event.elsewhere}")
        elif isinstance(event, Sensation) and event.sensation in SYMPTOMS and sid in starts:
            at = starts[sid] + timedelta(seconds=event.t)
            symptoms.append(SymptomRow(at, "during session", _words(event.sensation), sid))
    speed: dict[int, int] = defaultdict(int)
    for sid, cue in store.cues_of_kind(["halt"], since):
        if cue.reason and cue.reason.startswith("speed"):
            speed[sid] += 1
    rows = tuple(
        replace(
            _row(r, techniques.get(r.technique), poses[r.id], speed[r.id]),
            felt_elsewhere=elsewhere.get(r.id),
        )
        for r in records
    )
    aftercare = tuple(store.aftercare(since))
    symptoms += [_aftercare_row(a) for a in aftercare if _noteworthy(a)]
    return ReportData(
        generated_at=now,
        since=since,
        who=who,
        screenings=tuple(store.screenings(since)),
        sessions=rows,
        symptoms=tuple(sorted(symptoms, key=lambda s: s.at)),
        aftercare=aftercare,
        notices=tuple(store.notices(since)),
        seen=tuple(store.seen(since)),
        blocks=blocks,
    )


def _row(
    record: SessionRecord, technique: tech.Technique | None, poses: list[Pose], halts: int
) -> SessionRow:
    return SessionRow(
        record=record,
        technique_name=technique.name if technique else record.technique,
        region=technique.region if technique else "unknown",
        speed_halts=halts,
        max_speed_deg_s=max((p.speed_deg_s for p in poses), default=None),
        max_range_deg=max((p.range_deg for p in poses), default=None),
        speed_limit_deg_s=technique.limits.hard_speed_deg_s if technique else None,
        range_limit_deg=technique.limits.max_range_deg if technique else None,
    )


def _noteworthy(answer: AftercareFact) -> bool:
    return bool(answer.symptoms or answer.soreness_over_day or answer.feel == "worse")


def _aftercare_row(answer: AftercareFact) -> SymptomRow:
    parts = [_words(s) for s in answer.symptoms]
    if answer.soreness_over_day:
        parts.append("soreness lasting more than a day")
    if answer.feel == "worse":
        parts.append("back felt worse")
    source = "after session" if answer.check == "after_session" else "at next start"
    return SymptomRow(answer.at, source, ", ".join(parts), answer.session_id)


def _words(identifier: str) -> str:
    return identifier.replace("_", " ")
