"""Recording that a professional has seen the receiver: how a referral block ends (I1, I8).

A red flag answered at a screening, and a symptom that stopped a session (or was
reported after one), block every later session until the pair records, deliberately
and with its date, that a physiotherapist, chiropractor or doctor has seen the
receiver. One record clears every such block raised on or before the day seen (and
before the record); a block raised after it needs a new visit. Waits (cracked today)
and the frequency and rest limits are not touched by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from backbuddy.domain import blocks as blk
from backbuddy.domain import escalation as esc
from backbuddy.domain.errors import BackbuddyError
from backbuddy.domain.ports import HistoryStore
from backbuddy.services.escalation import local_zone, person_blocks

STATEMENT = "A physiotherapist, chiropractor or doctor has seen the receiver since {since}."


class SeenRefused(BackbuddyError):
    """The record cannot be made as given (not confirmed, a date out of range, nothing to clear)."""


@dataclass(frozen=True)
class SeenRecorded:
    seen: esc.Seen
    cleared: tuple[blk.Block, ...]
    remaining: tuple[blk.Block, ...]


def waiting(store: HistoryStore, now: datetime, tz: tzinfo | None = None) -> tuple[blk.Block, ...]:
    """The blocks in force that only a professional's visit ends, oldest first."""
    return tuple(b for b in person_blocks(store, now, tz) if b.needs_seen)


def first_day(blocks: tuple[blk.Block, ...], tz: tzinfo | None = None) -> date:
    """The earliest day a visit can be dated: the day of the oldest block it should clear."""
    return min(b.since for b in blocks).astimezone(tz or local_zone()).date()


def statement(blocks: tuple[blk.Block, ...], tz: tzinfo | None = None) -> str:
    """What the pair confirms: seen since the day of the oldest block."""
    return STATEMENT.format(since=first_day(blocks, tz).strftime("%d %b %Y"))


def record_seen(
    store: HistoryStore,
    seen_on: date,
    now: datetime,
    *,
    confirmed: bool,
    tz: tzinfo | None = None,
) -> SeenRecorded:
    """Store the record after checking it; SeenRefused (nothing stored) when it cannot be."""
    zone = tz or local_zone()
    blocks = waiting(store, now, zone)
    if not blocks:
        raise SeenRefused(
            "nothing waits for a professional's visit: no red flag or symptom halt blocks "
            "sessions now, so there is nothing to record"
        )
    said = statement(blocks, zone)
    if not confirmed:
        raise SeenRefused(f"please confirm first: {said}")
    today, first = now.astimezone(zone).date(), first_day(blocks, zone)
    if seen_on > today:
        raise SeenRefused(
            f"the date seen, {seen_on}, is in the future; give the day of the visit "
            f"(from {first} to {today})"
        )
    if seen_on < first:
        raise SeenRefused(
            f"the date seen, {seen_on}, is before the block it should clear ({first}); "
            f"a visit before it cannot clear it: give a day from {first} to {today}"
        )
    seen = esc.Seen(seen_on, now, said)
    store.save_seen(seen)
    cleared = tuple(b for b in blocks if esc.cleared((seen,), b.since, now, zone))
    remaining = tuple(b for b in blocks if b not in cleared)
    return SeenRecorded(seen, cleared, remaining)
