"""The stored history as a FHIR R4B `Bundle` (type collection), validated by fhir.resources.

Resources: one Patient (the receiver, named only if a name is given); a
Questionnaire for the screening questions and one for the aftercare checks; a
QuestionnaireResponse per screening and per aftercare check; a Procedure per
session; an Observation per reported symptom and per measured max speed/range;
a Flag per referral notice; an Observation per professional visit the pair
recorded (`backbuddy seen`: what lifts the blocks that need one). Ids are stable
(UUID v5 of what they describe), so exporting the same history twice gives the same
file.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from backbuddy.domain import screening as scr
from backbuddy.domain.escalation import AftercareFact, Seen
from backbuddy.domain.ports import ScreeningRecord
from backbuddy.reports.data import ReportData, SessionRow, SymptomRow

NAMESPACE = uuid.UUID("6f1b9a3e-3c55-4d8e-9a61-2f0c1e6b7d10")
SYSTEM = "urn:backbuddy"
SCREENING_Q = "urn:backbuddy:questionnaire:screening"
AFTERCARE_Q = "urn:backbuddy:questionnaire:aftercare"
AFTERCARE_ITEMS = (
    ("feel", "How does the back feel now, compared with before the session?", "choice"),
    ("new_symptoms", "Any new symptom?", "string"),
    ("soreness_over_day", "Since the last session, did soreness last more than a day?", "boolean"),
    ("felt_need_most_days", "A felt need to crack, or be cracked, on most days?", "boolean"),
)
_PROCEDURE_STATUS = {
    "running": "in-progress",
    "completed": "completed",
    "halted": "stopped",
    "ended_by_pair": "stopped",
    "screened_out": "stopped",
    "interrupted": "stopped",
}


def build_bundle(data: ReportData) -> Bundle:
    """The validated Bundle; raises pydantic's ValidationError if anything is not FHIR."""
    entries: list[dict[str, Any]] = [_patient(data.who)]
    entries += [_screening_questionnaire(), _aftercare_questionnaire()]
    entries += [_screening_response(r) for r in data.screenings]
    entries += [_aftercare_response(i, a) for i, a in enumerate(data.aftercare)]
    for row in data.sessions:
        entries.append(_procedure(row))
        entries += _measures(row)
    entries += [_symptom(i, s) for i, s in enumerate(data.symptoms)]
    entries += [_flag(n.key, n.rule, n.reason, n.advice, n.at) for n in data.notices]
    entries += [_visit(v) for v in data.seen]
    bundle = {
        "resourceType": "Bundle",
        "id": str(_uid("bundle", data.generated_at.isoformat())),
        "type": "collection",
        "timestamp": _iso(data.generated_at),
        "entry": [{"fullUrl": _url(e), "resource": e} for e in entries],
    }
    return Bundle.model_validate(bundle)


def to_json(data: ReportData) -> str:
    return build_bundle(data).model_dump_json(exclude_none=True, indent=2)


def _uid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def _url(resource: Mapping[str, Any]) -> str:
    return f"urn:uuid:{resource['id']}"


def _ref(kind: str, *parts: object) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_uid(kind, *parts)}"}


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


PATIENT = ("patient", "receiver")


def _patient(who: str | None) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(_uid(*PATIENT))}
    if who:
        patient["name"] = [{"text": who}]
    return patient


def _subject() -> dict[str, str]:
    return _ref(*PATIENT)


def _screening_questionnaire() -> dict[str, Any]:
    questions = scr.load_questions().questions
    items = [
        {
            "linkId": q.id,
            "text": q.text,
            "type": "choice" if q.choices else "boolean",
            **(
                {
                    "answerOption": [
                        {"valueCoding": {"system": SYSTEM, "code": c.id, "display": c.label}}
                        for c in q.choices
                    ]
                }
                if q.choices
                else {}
            ),
        }
        for q in questions
    ]
    items.append({"linkId": "outcome", "text": "backbuddy screening outcome", "type": "string"})
    return {
        "resourceType": "Questionnaire",
        "id": str(_uid("questionnaire", "screening")),
        "url": SCREENING_Q,
        "name": "BackbuddyScreening",
        "title": "backbuddy screening before a session",
        "status": "active",
        "item": items,
    }


def _aftercare_questionnaire() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": str(_uid("questionnaire", "aftercare")),
        "url": AFTERCARE_Q,
        "name": "BackbuddyAftercare",
        "title": "backbuddy aftercare check",
        "status": "active",
        "item": [{"linkId": i, "text": t, "type": k} for i, t, k in AFTERCARE_ITEMS],
    }


def _answer(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int | float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def _screening_response(record: ScreeningRecord) -> dict[str, Any]:
    items = [
        {"linkId": k, "answer": [_answer(v)]}
        for k, v in sorted(record.answers.items())
        if v is not None
    ]
    items.append({"linkId": "outcome", "answer": [{"valueString": record.outcome}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(_uid("screening", record.id)),
        "questionnaire": SCREENING_Q,
        "status": "completed",
        "subject": _subject(),
        "authored": _iso(record.taken_at),
        "item": items,
    }


def _aftercare_response(index: int, answer: AftercareFact) -> dict[str, Any]:
    values: dict[str, object] = {
        "feel": answer.feel,
        "new_symptoms": ", ".join(answer.symptoms) or "none",
        "soreness_over_day": answer.soreness_over_day,
        "felt_need_most_days": answer.felt_need_most_days,
    }
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(_uid("aftercare", index, answer.at.isoformat())),
        "questionnaire": AFTERCARE_Q,
        "status": "completed",
        "subject": _subject(),
        "authored": _iso(answer.at),
        "item": [{"linkId": k, "answer": [_answer(v)]} for k, v in values.items() if v is not None],
    }
    if answer.session_id is not None:
        response["partOf"] = [_ref("session", answer.session_id)]
    return response


def _procedure(row: SessionRow) -> dict[str, Any]:
    record = row.record
    period = {"start": _iso(record.started_at)}
    if record.ended_at:
        period["end"] = _iso(record.ended_at)
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": str(_uid("session", record.id)),
        "status": _PROCEDURE_STATUS[record.status],
        "code": {
            "coding": [{"system": f"{SYSTEM}:technique", "code": record.technique}],
            "text": f"{row.technique_name} (partner-assisted back mobility, {row.region})",
        },
        "subject": _subject(),
        "performedPeriod": period,
        "outcome": {"text": row.ending},
        "note": [
            {"text": f"attempts: {record.attempts}; camera: {'yes' if record.camera else 'no'}"}
        ],
    }
    if record.screening_id is not None:
        screening = f"QuestionnaireResponse urn:uuid:{_uid('screening', record.screening_id)}"
        procedure["note"].append({"text": f"screening before this session: {screening}"})
    return procedure


def _measures(row: SessionRow) -> list[dict[str, Any]]:
    out = []
    for what, value, unit, limit in (
        ("max angular speed", row.max_speed_deg_s, "deg/s", row.speed_limit_deg_s),
        ("max range from baseline", row.max_range_deg, "deg", row.range_limit_deg),
    ):
        if value is None:
            continue
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "id": str(_uid("measure", row.record.id, what)),
            "status": "final",
            "code": {"text": f"{what} during the session (camera estimate)"},
            "subject": _subject(),
            "partOf": [_ref("session", row.record.id)],
            "effectiveDateTime": _iso(row.record.started_at),
            "valueQuantity": {
                "value": round(value, 2),
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }
        if limit is not None:
            observation["referenceRange"] = [
                {
                    "high": {
                        "value": limit,
                        "unit": unit,
                        "system": "http://unitsofmeasure.org",
                        "code": unit,
                    },
                    "text": "technique limit",
                }
            ]
        out.append(observation)
    return out


def _symptom(index: int, row: SymptomRow) -> dict[str, Any]:
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(_uid("symptom", index, row.at.isoformat())),
        "status": "final",
        "code": {"text": f"symptom reported {row.source}"},
        "subject": _subject(),
        "effectiveDateTime": _iso(row.at),
        "valueString": row.what,
    }
    if row.session_id is not None:
        observation["partOf"] = [_ref("session", row.session_id)]
    return observation


def _flag(key: str, rule: str, reason: str, advice: str, at: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "id": str(_uid("notice", key)),
        "status": "active",
        "category": [{"text": "referral notice"}],
        "code": {
            "coding": [{"system": f"{SYSTEM}:referral-rule", "code": rule}],
            "text": f"{reason} {advice}",
        },
        "subject": _subject(),
        "period": {"start": _iso(at)},
    }


def _visit(visit: Seen) -> dict[str, Any]:
    """Reported by the pair, not by the professional: said so in the code text."""
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(_uid("seen", visit.seen_on.isoformat(), visit.recorded_at.isoformat())),
        "status": "final",
        "code": {
            "text": "receiver seen by a physiotherapist, chiropractor or doctor "
            "(recorded by the pair)"
        },
        "subject": _subject(),
        "effectiveDateTime": visit.seen_on.isoformat(),
        "issued": _iso(visit.recorded_at),
    }
    if visit.statement:
        observation["valueString"] = visit.statement
    return observation
