"""Screening: the receiver's answers before every session, turned into an outcome.

Outcomes, from least to most serious: clear, caution, block_refer, block_emergency.
A block cannot be overridden. Messages refer; they never diagnose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Outcome = Literal["clear", "caution", "block_refer", "block_emergency"]
OUTCOME_ORDER: tuple[Outcome, ...] = ("clear", "caution", "block_refer", "block_emergency")


@dataclass(frozen=True)
class Reason:
    """Why an outcome is what it is: the question id and the message a person reads."""

    id: str
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of one screening for one technique, valid until `valid_until`."""

    technique: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    taken_at: datetime
    valid_until: datetime

    @property
    def allows_session(self) -> bool:
        return self.outcome in ("clear", "caution")

    def valid_at(self, at: datetime) -> bool:
        return self.taken_at <= at <= self.valid_until
