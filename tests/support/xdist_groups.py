"""`--dist loadgroup` that groups again on pytest 9.2 (a pytest plugin, loaded by the conftest).

pytest-xdist (3.8) tells its scheduler a test's `xdist_group` by adding `@group` to the
test's node id, written to `item._nodeid`. pytest 9.2 keeps the id in `item._id` (a `NodeId`)
and no longer reads `_nodeid`, so the suffix is lost and every group is spread over all
workers as if unmarked (pytest-xdist issue 1386, open): the listening tests loaded Whisper
and decoded the same clips on both workers, the truth tests ran MediaPipe over the same
clips on both. This hook, run on each worker after xdist's own, writes the suffix where
pytest reads it. It does nothing when xdist's suffix took (older pytest, a fixed xdist) or
when the run is not `--dist loadgroup`.
"""

from __future__ import annotations

import pytest


def group_of(item: pytest.Item) -> str | None:
    """The group xdist gives an item: its `xdist_group` names, sorted and joined by `_`."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        group = group_of(item)
        if group is None or item.nodeid.endswith(f"@{group}"):
            continue
        from _pytest.nodeid import NodeId  # pytest >= 9.2, where the id is structured

        item._id = NodeId.parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]
        assert item.nodeid.endswith(f"@{group}"), "pytest keeps the node id elsewhere now"
