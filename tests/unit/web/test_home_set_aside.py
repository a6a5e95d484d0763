"""A kept write cut off by a crash is said on the home page until it is marked read.

The journal of writes the database refused (`adapters.sql_journal`) sets a last line cut off
mid-write aside; that write may have carried a symptom. The log and the terminal said so;
the home page, where the pair look before the next session, said nothing.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import make_client

TORN = b'{"v":1,"session_id":2,"steps":[{"seq":'  # a crash mid-append: no newline


def test_a_torn_journal_line_is_said_on_the_home_page_until_read(tmp_path: Path) -> None:
    (tmp_path / "web.sqlite3.unstored").write_bytes(TORN)
    with make_client(tmp_path) as client:  # opening the store sets the line aside
        for _ in range(2):  # said on every visit, not once
            home = client.get("/").text
            assert "A record was cut off" in home
            assert "session 2" in home
            assert "tell a physiotherapist, chiropractor or doctor" in home
            assert "web.sqlite3.unstored.torn" in home
        read = client.post("/set-aside/read", follow_redirects=False)
        assert read.status_code == 303
        assert "A record was cut off" not in client.get("/").text
    with make_client(tmp_path) as client:  # read stays read after a restart
        assert "A record was cut off" not in client.get("/").text
