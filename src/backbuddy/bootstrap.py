"""The one place that picks concrete adapters for the settings given.

Entry points (`cli/`, `web/`) call these functions; nothing else constructs an
adapter, so swapping SQLite for PostgreSQL (or a camera for a video file) is a
setting, not a code change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import Settings

if TYPE_CHECKING:  # MediaPipe loads only when a camera watch is asked for: it is slow
    from backbuddy.adapters.mediapipe_pose import PoseModel


class OpenedStore(NamedTuple):
    """The store, and the sessions found cut short since it was last open (I7)."""

    store: SqlStore
    interrupted: list[int]


def open_store(settings: Settings, now: datetime | None = None) -> OpenedStore:
    """Open (create or upgrade) the store and mark sessions left running by a crash.

    The caller owns the store: close it, or use it as a context manager.
    """
    store = SqlStore(settings.db)
    try:
        interrupted = store.mark_interrupted(now or datetime.now(UTC))
    except BaseException:
        store.close()
        raise
    return OpenedStore(store, interrupted)


def pose_model_factory() -> Callable[[], PoseModel] | None:
    """MediaPipe's bundled full pose model (never downloaded), or None when it is not installed."""
    from backbuddy.adapters.mediapipe_pose import PoseModel, bundled_model_present

    return PoseModel if bundled_model_present() else None
