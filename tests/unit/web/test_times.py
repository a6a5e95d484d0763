"""`when`: every moment on a page as a `<time>` the browser puts in its own zone; the fallback
(no JavaScript) says UTC, so it is never mistaken for local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from backbuddy.web.times import when


def test_a_moment_becomes_a_time_element_in_utc_with_a_utc_fallback() -> None:
    at = datetime(2026, 11, 27, 9, 5, tzinfo=timezone(timedelta(hours=2)))
    assert str(when(at)) == (
        '<time datetime="2026-11-27T07:05:00+00:00" data-style="datetime">'
        "Fri 27 Nov 2026, 07:05 UTC</time>"
    )
    assert str(when(at, "time")).endswith(">07:05 UTC</time>")
    assert str(when(at, "date")).endswith(">27 Nov 2026</time>")


def test_a_naive_moment_is_taken_as_utc_and_none_is_nothing() -> None:
    naive = datetime(2026, 11, 27, 7, 5)
    assert str(when(naive)) == str(when(naive.replace(tzinfo=UTC)))
    assert str(when(None)) == ""
