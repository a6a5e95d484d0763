"""The served app sets its start-up heap aside from the garbage collector (`cli.serve_heap`):
a full collection then walks only what sessions made since, not the ~220,000 objects
of the app itself (a pause of the event loop, and every session's STOP, issue 15)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backbuddy.cli.serve_heap import frozen_after_startup
from backbuddy.config import Settings
from backbuddy.web.app import create_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's heap is handed back to the collector afterwards."""
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


def test_the_served_app_has_its_start_up_heap_frozen_and_still_serves(
    tmp_path: Path, unfrozen: None
) -> None:
    app = frozen_after_startup(create_app(Settings(db=str(tmp_path / "h.sqlite3"))))
    assert gc.get_freeze_count() == 0
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        # The app's own objects and what its start-up made (the store, the registry) are set
        # aside; a full collection now looks at far fewer objects than the process holds.
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        assert len(gc.get_objects()) < frozen
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
    # What is made after start-up is still collected: a cycle made now is freed.
    gc.collect()
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
