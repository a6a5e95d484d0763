"""The Mermaid diagram is drawn from the transition table and nothing else."""

from __future__ import annotations

from backbuddy.domain import diagram, session

DOOR = {
    "shut": {
        "open": ("swing", ("open",)),
        "knock": ("wait", ("shut",)),
        "lock": ("lock", ("gone",)),
    },
    "open": {"close": ("swing", ("shut",)), "knock": ("wait", ("open",))},
    "gone": {"knock": ("wait", ("gone",))},
}


def test_a_small_table_becomes_a_small_diagram():
    assert diagram.mermaid(DOOR) == (
        "stateDiagram-v2\n"
        "    [*] --> shut\n"
        "    shut --> open : open/swing\n"
        "    shut --> shut : knock/wait\n"
        "    shut --> gone : lock/lock\n"
        "    open --> shut : close/swing\n"
        "    open --> open : knock/wait\n"
        "    gone --> gone : knock/wait\n"
        "    gone --> [*]\n"
    )


def test_events_between_the_same_two_modes_share_one_edge():
    table = {"a": {"x": ("r", ("a", "b")), "y": ("s", ("b",))}, "b": {}}
    assert diagram.edges(table) == [("a", "a", "x/r"), ("a", "b", "x/r, y/s")]
    assert diagram.final_modes(table) == ["b"]


def test_the_session_diagram_starts_idle_ends_ended_and_shows_every_transition():
    text = diagram.mermaid(session.TRANSITIONS)
    lines = text.splitlines()
    assert lines[:2] == ["stateDiagram-v2", "    [*] --> idle"]
    assert lines[-1] == "    ended --> [*]"
    labels = {(src, dst): label for src, dst, label in diagram.edges(session.TRANSITIONS)}
    for mode, row in session.TRANSITIONS.items():
        for event, (rule, targets) in row.items():
            for target in targets:
                assert f"{event}/{rule}" in labels[(mode, target)].split(", ")
                assert f"    {mode} --> {target} : {labels[(mode, target)]}" in lines


def test_labels_hold_nothing_mermaid_would_misread():
    for _, _, label in diagram.edges(session.TRANSITIONS):
        assert not set(label) & set(':;{}[]"#'), label
