"""The report's plots as inline SVG text (matplotlib, Agg-free SVG backend, no display).

Output is deterministic for the same data: a fixed hash salt, no date in the
metadata, text kept as text. Each function returns an `<svg>` string to embed.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from backbuddy.reports.data import ReportData  # noqa: E402

STYLE: dict[str, Any] = {
    "svg.hashsalt": "backbuddy",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BAR = "#4C72B0"
OVER = "#C44E52"
LIMIT = "#333333"


def weekly_counts(data: ReportData, tz: tzinfo = UTC) -> list[tuple[date, int]]:
    """Sessions started in each week (Monday first) of the receiver's calendar in `tz`: a
    session at 00:30 on a Monday belongs to that week, not to the UTC date's (Sunday's)."""
    weeks = _weeks(data, tz)
    starts = [_monday(s.record.started_at, tz) for s in data.sessions]
    return [(w, starts.count(w)) for w in weeks]


def sessions_per_week(data: ReportData, tz: tzinfo = UTC) -> str:
    """Bars: sessions started in each week (Monday first), with the 3-a-week limit line."""
    weeks, counts = zip(*weekly_counts(data, tz), strict=True)
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(6.4, 2.4))
        colors = [OVER if c > 3 else BAR for c in counts]
        ax.bar(range(len(weeks)), counts, color=colors)
        ax.axhline(3, color=LIMIT, linestyle="--", linewidth=1, label="limit: 3 in 7 days")
        ax.set_xticks(range(len(weeks)), [w.strftime("%d %b") for w in weeks], rotation=0)
        _thin_labels(ax, len(weeks))
        ax.set_ylabel("sessions")
        ax.set_xlabel("week starting")
        ax.set_ylim(0, max([4, *counts]) + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", frameon=False)
        ax.set_title("Sessions per week", loc="left")
        return _svg(fig)


def symptoms_over_time(data: ReportData) -> str:
    """Dots: each symptom or aftercare concern on its date, one row per kind."""
    points = [(s.at, what) for s in data.symptoms for what in s.what.split(", ")]
    kinds = sorted({what for _, what in points})
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(6.4, max(1.6, 0.9 + 0.35 * len(kinds))))
        if kinds:
            ys = [kinds.index(what) for _, what in points]
            ax.scatter([_num(at) for at, _ in points], ys, color=OVER, s=30, zorder=3)
            ax.set_yticks(range(len(kinds)), kinds)
            ax.set_ylim(-0.7, len(kinds) - 0.3)
        else:
            ax.set_yticks([])
            ax.text(
                0.5, 0.5, "No symptoms reported", ha="center", va="center", transform=ax.transAxes
            )
        _date_axis(ax, data)
        ax.set_title("Symptoms over time", loc="left")
        return _svg(fig)


def measures_per_session(data: ReportData) -> str:
    """Max angular speed and range per camera session, each against its technique's limit."""
    rows = [s for s in data.sessions if s.max_speed_deg_s is not None]
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, axes = plt.subplots(1, 2, figsize=(6.4, 2.4))
        for ax, what, unit, value, limit in (
            (axes[0], "Max speed (dashes: limit)", "°/s", "max_speed_deg_s", "speed_limit_deg_s"),
            (axes[1], "Max range (dashes: limit)", "°", "max_range_deg", "range_limit_deg"),
        ):
            ax.set_title(what, loc="left")
            if not rows:
                ax.set_axis_off()
                ax.text(
                    0.5,
                    0.5,
                    "No camera measures stored",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                )
                continue
            values = [float(getattr(r, value)) for r in rows]
            limits = [getattr(r, limit) for r in rows]
            xs = range(len(rows))
            colors = [
                OVER if lim is not None and v > lim else BAR
                for v, lim in zip(values, limits, strict=True)
            ]
            ax.bar(xs, values, color=colors)
            for x, lim in zip(xs, limits, strict=True):
                if lim is not None:
                    ax.hlines(lim, x - 0.45, x + 0.45, color=LIMIT, linestyles="--", linewidth=1.2)
            ax.set_xticks(list(xs), [f"#{r.record.id}" for r in rows])
            _thin_labels(ax, len(rows))
            ax.set_ylabel(unit)
            ax.set_xlabel("session")
        return _svg(fig)


def _weeks(data: ReportData, tz: tzinfo) -> list[date]:
    starts = [_monday(s.record.started_at, tz) for s in data.sessions]
    first = _monday(data.since, tz) if data.since else min(starts, default=None)
    last = _monday(data.generated_at, tz)
    if first is None or first > last:
        first = last
    weeks, week = [], first
    while week <= last:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks


def _monday(when: datetime, tz: tzinfo) -> date:
    day = when.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def _thin_labels(ax: Axes, n: int) -> None:
    step = max(1, n // 10 + (1 if n % 10 else 0)) if n > 10 else 1
    for i, label in enumerate(ax.get_xticklabels()):
        label.set_visible(i % step == 0)


#: At most this many date labels on a time axis.
MAX_DATE_TICKS = 8


def _date_axis(ax: Axes, data: ReportData) -> None:
    """Days along x, one label per tick and each day once: ticks fall on midnights only
    (an automatic locator put several ticks on one day over a short span, each labelled
    with the same date: "26 Nov 26 Nov 27 Nov")."""
    starts = [s.record.started_at for s in data.sessions] + [s.at for s in data.symptoms]
    first = data.since or min(starts, default=data.generated_at - timedelta(days=28))
    left, right = first - timedelta(days=1), data.generated_at + timedelta(days=1)
    ax.set_xlim(_num(left), _num(right))
    days = max(1, (right - left).days)
    every = -(-days // MAX_DATE_TICKS)  # ceiling: at most MAX_DATE_TICKS labels
    shape = "%d %b %y" if days > 180 else "%d %b"  # the year once the span is long
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=every))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(mdates.DateFormatter(shape))  # type: ignore[no-untyped-call]


def _num(when: datetime) -> float:
    return float(mdates.date2num(when))  # type: ignore[no-untyped-call]


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    return text[text.index("<svg") :]
