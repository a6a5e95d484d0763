"""The PostgreSQL server's own words for a restart and a start-up get a hint a person can act
on (red team, session 13: before, only the driver's words were shown)."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from backbuddy.adapters.sql_errors import explain

PLACE = "postgresql+psycopg://postgres@db.example/backbuddy"


def _driver_error(text: str) -> sa.exc.OperationalError:
    """As SQLAlchemy raises it: the driver's OperationalError wrapped, SQL echo and all."""
    return sa.exc.OperationalError("INSERT INTO events ...", {}, psycopg.OperationalError(text))


@pytest.mark.parametrize(
    ("said", "hint"),
    [
        # FATAL 57P03 while the server replays its log after a restart or a crash
        ("connection failed: FATAL:  the database system is starting up", "starting up"),
        ("FATAL:  the database system is shutting down", "starting up or shutting down"),
        # FATAL 57P01: pg_ctl stop -m fast, or pg_terminate_backend, mid-transaction
        (
            "terminating connection due to administrator command\n"
            "server closed the connection unexpectedly",
            "stopped, restarted or dropped the connection",
        ),
        ("consuming input failed: server closed the connection unexpectedly", "dropped"),
    ],
)
def test_a_server_restarting_or_starting_is_said_in_plain_words(said: str, hint: str) -> None:
    message = str(explain(_driver_error(said), "record the event", PLACE))
    assert message.startswith(f"{PLACE}: cannot record the event: the database server ")
    assert hint in message
    assert "wait a moment, then try again" in message or "check that it is running" in message
    assert f"(database said: {said.splitlines()[0]})" in message  # the driver's first line too
