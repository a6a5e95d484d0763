"""Referral notices and start checks over the stored history (I6 across sessions, I8).

`check_can_start` is what the terminal guide and the web app call before a new
session: it raises `StartBlocked` (a `SessionLimitReached`) when the frequency
limits or a region's rest after a pop forbid it, and otherwise returns the
referral notices to show first. `current_notices` is for history and the home
page. Both record what they find, once per notice key.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from backbuddy.domain import blocks as blk
from backbuddy.domain import escalation as esc
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import SessionLimitReached
from backbuddy.domain.events import SYMPTOMS, Sensation
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import Questionnaire, load_questions


class StartBlocked(SessionLimitReached):
    """A new session may not start now; `notices` say why (frequency, rest after a pop)."""

    def __init__(self, notices: tuple[esc.Notice, ...]) -> None:
        lines = [n.reason for n in notices]
        advice = dict.fromkeys(n.advice for n in notices if n.rule != "pop_rest")
        super().__init__(" ".join([*lines, *advice]))
        self.notices = notices


def local_zone() -> tzinfo:
    """The receiver's time zone: "a day" is their calendar day, on both sides of a
    daylight-saving change. The named zone (TZ, else /etc/localtime) carries the rules;
    today's offset alone would put a session at 00:30 on the night the clocks go back on
    the day before, and allow a second session that day (I8). TZ may also be a POSIX rule
    ("CET-1CEST,M3.5.0,M10.5.0/3") or a zone file's path (":/path"): both keep their rules
    too. Without a name, or with one that reads as neither: today's offset."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if not name:
        with contextlib.suppress(OSError):
            path = os.path.realpath(LOCALTIME)
            name = path.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in path else ""
    if name:
        # Unknown names (a POSIX rule such as "CET-1CEST") raise ZoneInfoNotFoundError, a
        # KeyError; malformed ones ValueError.
        with contextlib.suppress(KeyError, ValueError, OSError):
            return ZoneInfo(name)
        with contextlib.suppress(ValueError, OSError):
            return _zone_file(name) if name.startswith("/") else _rule_zone(name)
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def _zone_file(path: str) -> ZoneInfo:
    with open(path, "rb") as file:
        return ZoneInfo.from_file(file, key=path)


def _rule_zone(rule: str) -> ZoneInfo:
    """A zone that follows a POSIX TZ rule at every date: a zone file with no transitions
    whose footer is the rule (RFC 8536), read by the standard library's own zoneinfo, which
    parses the rule and raises ValueError for a malformed one."""
    if not rule.isascii() or "\n" in rule:
        raise ValueError(f"not a POSIX TZ rule: {rule!r}")
    counts = struct.pack(">6l", 0, 0, 0, 0, 1, 4)  # one local time type, 4 bytes of names
    header = b"TZif2" + bytes(15) + counts
    body = struct.pack(">lBB", 0, 0, 0) + b"UTC\0"
    data = header + body + header + body + b"\n" + rule.encode() + b"\n"
    return ZoneInfo.from_file(io.BytesIO(data), key=rule)


#: The system's zone file (a link into the zone database names the zone).
LOCALTIME = "/etc/localtime"


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Technique id → region, from the shipped technique files (read once)."""
    return {t.id: t.region for t in tech.load_all().values()}


def load_history(store: HistoryStore) -> esc.History:
    """Every stored fact the rules read, from the store."""
    regions = _regions()
    speed = Counter(
        sid
        for sid, cue in store.cues_of_kind(["halt"])
        if cue.reason and cue.reason.startswith("speed")
    )
    # The engine rests the region after every pop it takes, in any mode (I6), so the latest
    # pop event of a session, on the session's clock, is when its rest began.
    pops = {sid: event.t for sid, event in store.events_of_kind(["pop"])}
    # A symptom stored before a crash still ended that session for a symptom (I7, I8).
    felt = {
        sid
        for sid, event in store.events_of_kind(["sensation"])
        if isinstance(event, Sensation) and event.sensation in SYMPTOMS
    }
    sessions = tuple(
        esc.SessionFact(
            id=s.id,
            technique=s.technique,
            region=regions.get(s.technique, "unknown"),
            started_at=s.started_at,
            status=s.status,
            attempts=s.attempts,
            ended_at=s.ended_at,
            end_reason="symptom" if s.id in felt else s.end_reason,
            speed_halts=speed[s.id],
            popped_at=s.started_at + timedelta(seconds=pops[s.id]) if s.id in pops else None,
        )
        for s in store.sessions()
    )
    screenings = tuple(esc.ScreeningFact(r.taken_at, r.answers) for r in store.screenings())
    return esc.History(sessions, tuple(store.aftercare()), screenings, tuple(store.seen()))


def current_notices(
    store: HistoryStore,
    now: datetime,
    tz: tzinfo | None = None,
    questions: Questionnaire | None = None,
) -> tuple[esc.Notice, ...]:
    """The notices the history carries now, most serious kinds first; recorded once each.

    Referral notices (I8) and block notices (every screening that blocked, every
    re-answer that contradicted a block) are all recorded, however old, so a report
    lists them; the ones shown are those of the last 30 days and any whose block holds.
    """
    zone = tz or local_zone()
    qs = questions or load_questions()
    history = load_history(store)
    referrals = esc.evaluate(history, now, zone)
    recorded = blk.notices(qs, history, now, zone)
    store.record_notices((*recorded, *referrals), now)
    holding = blk.person_blocks(qs, history, now, zone)
    shown = [n for n in recorded if blk.current(n, holding, now)]
    return (*sorted(shown, key=lambda n: n.at, reverse=True), *referrals)


def person_blocks(
    store: HistoryStore,
    now: datetime,
    tz: tzinfo | None = None,
    questions: Questionnaire | None = None,
) -> tuple[blk.Block, ...]:
    """The blocks on the person in force now (red flags, waits, symptom halts)."""
    qs = questions or load_questions()
    return blk.person_blocks(qs, load_history(store), now, tz or local_zone())


def check_can_start(
    store: HistoryStore,
    technique_id: str,
    now: datetime,
    *,
    pop_rest_min: float | None = None,
    tz: tzinfo | None = None,
) -> tuple[esc.Notice, ...]:
    """Call before starting a session: raise StartBlocked, or return notices to show first.

    `pop_rest_min` is the (possibly tightened) rest after a pop; the technique's
    own value when None, and never less than 20 minutes.
    """
    technique = tech.get(technique_id)
    rest = pop_rest_min if pop_rest_min is not None else technique.limits.pop_rest_min
    zone = tz or local_zone()
    history = load_history(store)
    blocks = esc.start_blocks(history, now, technique.region, timedelta(minutes=rest), zone)
    notices = esc.evaluate(history, now, zone)
    store.record_notices((*blocks, *notices), now)
    if blocks:
        raise StartBlocked(blocks)
    return notices


def refuse_start(
    store: HistoryStore,
    technique_id: str,
    now: datetime,
    *,
    pop_rest_min: float | None = None,
    tz: tzinfo | None = None,
) -> None:
    """`check_can_start`'s refusal alone (StartBlocked), recording nothing: the re-check a
    start makes under the store's start lock, where a write would wait for that lock (so the
    technique's region comes from the cached table, not its file)."""
    if pop_rest_min is None:
        pop_rest_min = tech.get(technique_id).limits.pop_rest_min
    history = load_history(store)
    zone = tz or local_zone()
    region = _regions()[technique_id]
    blocks = esc.start_blocks(history, now, region, timedelta(minutes=pop_rest_min), zone)
    if blocks:
        raise StartBlocked(blocks)


@dataclass(frozen=True)
class StartStatus:
    """Whether a technique may start now, by the rule `check_can_start` applies, and when next.

    `today` are the sessions of today that count toward the limit of 1 a day; `blocks`
    what refuses a start now (empty when it may start); `next_at` the first moment it
    may start (`now` when it may start now).
    """

    technique: str
    today: tuple[esc.SessionFact, ...]
    blocks: tuple[esc.Notice, ...]
    next_at: datetime

    @property
    def can_start(self) -> bool:
        return not self.blocks


def start_status(
    store: HistoryStore,
    pop_rest_min: Mapping[str, float],
    now: datetime,
    tz: tzinfo | None = None,
) -> dict[str, StartStatus]:
    """For each technique id in `pop_rest_min` (its rest after a pop, in minutes): may a
    session start now, and if not, when. Reads the history once; records nothing."""
    zone = tz or local_zone()
    history = load_history(store)
    today = esc.sessions_today(history, now, zone)
    regions = _regions()
    out: dict[str, StartStatus] = {}
    for technique_id, minutes in pop_rest_min.items():
        region = regions[technique_id]
        rest = timedelta(minutes=minutes)
        blocks = esc.start_blocks(history, now, region, rest, zone)
        next_at = esc.next_start(history, now, region, rest, zone) if blocks else now
        out[technique_id] = StartStatus(technique_id, today, blocks, next_at)
    return out
