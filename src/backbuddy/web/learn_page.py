"""The "Learn more" page: what the pop is, and where the camera goes for each technique.

The words come from `data/learn.yaml` (each point traceable to the guide) and the
technique files (their camera text); the pictures are the set-up page's own.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backbuddy.domain import learn
from backbuddy.domain import techniques as tech
from backbuddy.web.deps import TemplatesDep

router = APIRouter()


def pop_points(rest_min: float) -> list[str]:
    """The pop's points in plain words, the region's rest filled in."""
    return [p.said(rest_min) for p in learn.load().pop.points]


@router.get("/learn")
def learn_page(request: Request, templates: TemplatesDep) -> Response:
    techniques = list(tech.load_all().values())
    rest = min(t.limits.pop_rest_min for t in techniques)
    context = {"pop": learn.load().pop, "points": pop_points(rest), "techniques": techniques}
    return templates.TemplateResponse(request, "learn.html", context)
