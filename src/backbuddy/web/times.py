"""Times on the pages, in the browser's own time zone.

The server renders each moment as `<time datetime="…ISO…" data-style="…">` with a
UTC fallback (what a page without JavaScript shows); `static/js/times.js` rewrites
the text in the browser's zone and locale. One helper, so no page prints a bare UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from markupsafe import Markup, escape

Style = Literal["datetime", "date", "time"]
#: The fallback's shape per style (UTC, said so).
FALLBACK: dict[Style, str] = {
    "datetime": "%a %d %b %Y, %H:%M UTC",
    "date": "%d %b %Y",
    "time": "%H:%M UTC",
}


def when(moment: datetime | None, style: Style = "datetime") -> Markup:
    """`<time>` for `moment` (an aware datetime; naive ones are taken as UTC); '' for None."""
    if moment is None:
        return Markup("")
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    utc = aware.astimezone(UTC)
    iso = utc.isoformat(timespec="seconds")
    text = utc.strftime(FALLBACK[style])
    return Markup(f'<time datetime="{escape(iso)}" data-style="{style}">{escape(text)}</time>')
