"""The web app tells the engine whether its camera watch sees the assistant's hold
(`Begin.sees_hold`): with the two-person step (role keeping for the page's landmarks, the
server's `ReceiverPose`) the assistant's step waits for a hold seen; without it the Ready is
taken as before (docs/accuracy.md "A Ready before his hold"). The refusal's words are a `say`
cue, shown and spoken as every other (the rule by example: tests/unit/domain/
test_session_settle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backbuddy.domain import events as ev
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.page_roles import PageRoles

from .conftest import make_client, start_session


def _no_model() -> None:
    raise AssertionError("no frame is analysed here")


def watch(roles: bool):  # type: ignore[no-untyped-def]
    def build(technique: Technique, limits: Limits) -> CameraWatch:
        keeping = PageRoles(_no_model, decode_jpeg) if roles else None  # type: ignore[arg-type]
        return CameraWatch(technique, _no_model, decode_jpeg, roles=keeping)  # type: ignore[arg-type]

    return build


@pytest.mark.parametrize("roles", [True, False])
def test_the_session_begins_knowing_whether_the_camera_sees_the_hold(
    tmp_path: Path, roles: bool
) -> None:
    with make_client(tmp_path, analyzers=watch(roles)) as client:
        sid = start_session(client, camera=True)
        registry = client.app.state.registry  # type: ignore[attr-defined]
        live = registry.get(sid)
        assert live.runner.state.sees_hold is roles
        begin = [e for e in registry.store.events(sid) if isinstance(e, ev.Begin)]
        assert [b.sees_hold for b in begin] == [roles]  # stored as the engine took it
