"""The clinician report as one self-contained HTML page, and as PDF rendered from it.

Plots are inline SVG, styles inline: the file opens anywhere, offline. The PDF
is WeasyPrint's rendering of the same HTML (A4). Dates are shown in `tz`.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

import jinja2

from backbuddy.domain import wording
from backbuddy.domain.escalation import LOOKBACK, MAX_PER_DAY, MAX_PER_WEEK
from backbuddy.reports import plots
from backbuddy.reports.data import ReportData

TITLE = "backbuddy: home back-mobility sessions, summary for a clinician"
FEEL = {"better": "better", "same": "about the same", "worse": "worse"}
#: Headings of notice kinds whose rule id does not read well on its own.
RULE_TITLES = {
    "red_flag": "Red flag at a screening",
    "rest_day": "Rest day (back cracked in the last 24 hours)",
    "contradiction": "Re-answer that contradicted a block",
    "pop_rest": "Rest after a click",
}


def _environment(tz: tzinfo) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("backbuddy.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else value.astimezone(tz).strftime(fmt)

    env.filters["when"] = when
    env.filters["words"] = lambda value: str(value).replace("_", " ")
    env.filters["num"] = lambda value: "–" if value is None else f"{value:.0f}"
    env.filters["rule_title"] = lambda rule: RULE_TITLES.get(
        rule, rule.replace("_", " ").capitalize()
    )
    return env


def render_html(data: ReportData, tz: tzinfo = UTC) -> str:
    """The report page for `data`; deterministic for the same data and zone."""
    template = _environment(tz).get_template("report.html.j2")
    return template.render(**context(data, tz))


def context(data: ReportData, tz: tzinfo) -> dict[str, Any]:
    latest = data.screenings[-1] if data.screenings else None
    halted = [s for s in data.sessions if s.record.status == "halted"]
    return {
        "title": TITLE,
        "data": data,
        "zone": datetime(2000, 1, 1, tzinfo=tz).tzname() or "local time",
        "latest_screening": latest,
        "halted": halted,
        "measured": [s for s in data.sessions if s.max_speed_deg_s is not None],
        "feel": FEEL,
        "plots": {
            "weeks": plots.sessions_per_week(data, tz),
            "symptoms": plots.symptoms_over_time(data),
            "measures": plots.measures_per_session(data),
        },
        "disclaimer": wording.DISCLAIMER,
        "limits": {
            "per_day": MAX_PER_DAY,
            "per_week": MAX_PER_WEEK,
            "lookback_days": LOOKBACK.days,
        },
        "yes_answers": _yes_answers,
    }


def _yes_answers(answers: dict[str, Any]) -> list[str]:
    """The answers that were not "no": what a clinician needs to see of a screening."""
    out = []
    for key, value in sorted(answers.items()):
        if value in (False, None, "", "no"):
            continue
        out.append(key.replace("_", " ") if value in (True, "yes") else f"{key}: {value}")
    return [item.replace("_", " ") for item in out]


def render_pdf(html: str) -> bytes:
    """PDF bytes of the report page (WeasyPrint; nothing is fetched from the network)."""
    import weasyprint

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the report fetches nothing ({url})")

    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()  # type: ignore[no-any-return]
