"""A plain JSON dump of everything stored (format: docs/export.md, `format_version` 1)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from backbuddy.domain.ports import SessionRecord
from backbuddy.domain.screening import Reason
from backbuddy.reports.data import ReportData

FORMAT_VERSION = 1


def to_dict(data: ReportData) -> dict[str, Any]:
    return {
        "format": "backbuddy-export",
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(data.generated_at),
        "since": _iso(data.since),
        "screenings": [
            {
                "id": r.id,
                "technique": r.technique,
                "outcome": r.outcome,
                "reasons": [_reason(x) for x in r.reasons],
                "answers": dict(r.answers),
                "role": r.role,
                "taken_at": _iso(r.taken_at),
            }
            for r in data.screenings
        ],
        "sessions": [
            {
                **_session(s.record),
                "technique_name": s.technique_name,
                "region": s.region,
                "speed_halts": s.speed_halts,
                "max_speed_deg_s": s.max_speed_deg_s,
                "max_range_deg": s.max_range_deg,
                "speed_limit_deg_s": s.speed_limit_deg_s,
                "range_limit_deg": s.range_limit_deg,
                "felt_elsewhere": s.felt_elsewhere,
            }
            for s in data.sessions
        ],
        "symptoms": [
            {"at": _iso(s.at), "source": s.source, "what": s.what, "session_id": s.session_id}
            for s in data.symptoms
        ],
        "aftercare": [
            {
                "at": _iso(a.at),
                "check": a.check,
                "session_id": a.session_id,
                "feel": a.feel,
                "new_symptoms": list(a.symptoms),
                "soreness_over_day": a.soreness_over_day,
                "felt_need_most_days": a.felt_need_most_days,
            }
            for a in data.aftercare
        ],
        "notices": [
            {
                "key": n.key,
                "rule": n.rule,
                "at": _iso(n.at),
                "reason": n.reason,
                "advice": n.advice,
                "urgency": n.urgency,
                "blocks": n.blocks,
            }
            for n in data.notices
        ],
        "seen": [
            {
                "seen_on": v.seen_on.isoformat(),
                "recorded_at": _iso(v.recorded_at),
                "statement": v.statement,
            }
            for v in data.seen
        ],
    }


def _reason(reason: Reason) -> dict[str, Any]:
    """A screening reason; one held from earlier says since when and if it was contradicted."""
    out: dict[str, Any] = {"id": reason.id, "outcome": reason.outcome, "message": reason.message}
    if reason.until is not None:
        out["until"] = _iso(reason.until)
    if reason.held_since is not None:
        out |= {"held_since": _iso(reason.held_since), "held": reason.held}
        out["contradicted"] = reason.contradicted
    return out


def to_json(data: ReportData) -> str:
    return json.dumps(to_dict(data), indent=2, ensure_ascii=False) + "\n"


def _session(r: SessionRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "technique": r.technique,
        "started_at": _iso(r.started_at),
        "ended_at": _iso(r.ended_at),
        "status": r.status,
        "end_reason": r.end_reason,
        "attempts": r.attempts,
        "camera": r.camera,
        "screening_id": r.screening_id,
    }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()
