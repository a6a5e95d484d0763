"""The role rule on MoveNet's real looks, recorded in rooms the rendered clips do not show.

Recorded by `tools/calibrate/room_attacks.py --looks` (tests/data/two_people/README.md): the
people each look of the server's two-person step (`server`) or of the page's role frames
(`page`) was given, replayed here through `people.choose` without running the detector.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backbuddy.motion import people as P

DATA = Path(__file__).resolve().parents[2] / "data" / "two_people"


def _looks(name: str) -> tuple[list[P.People], float]:
    """The recorded looks and their rate (looks a second at 30 frames/s)."""
    z = np.load(DATA / f"looks_{name}.npz")
    looks = [
        P.People(z["keypoints"][i, :n], z["boxes"][i, :n], z["scores"][i, :n])
        for i, n in enumerate(z["count"])
    ]
    return looks, len(looks) * 30.0 / float(z["frames"])


def _replay(looks: list[P.People]) -> tuple[list[P.Choice], P.RoleState]:
    state, out = P.RoleState(lying=False), []
    for people in looks:
        choice, state = P.choose(people, state)
        out.append(choice)
    return out, state


def test_the_assistant_hidden_in_one_skeleton_is_not_forgotten_while_the_pair_stays_still() -> None:
    """The seated hug held still for 40 s (`looks_still_pair_server`): from the clip's end
    MoveNet finds one skeleton over both people, so only his memory greys the assistant out
    of her crop. Forgotten after `REMEMBER_LOOKS` (about 20 s), the server's pose model drifted
    onto him and was acted on with the gate open (session 16, main's rule: 3 frames here;
    session 15: 14-19 after a passer-by), then stayed on him, unsure, for the rest of the
    tail."""
    looks, _ = _looks("still_pair_server")
    choices, _ = _replay(looks[:1])
    first = choices[0]
    assert first.receiver is not None
    assert len(first.people) == 2
    assistant = first.people.boxes[1 - first.receiver]
    lone = [k for k, p in enumerate(looks) if len(P.real_people(p)) != 1]
    assert len(looks) - 1 - lone[-1] > P.REMEMBER_LOOKS + 10  # one skeleton, long enough
    state = P.RoleState(lying=False)
    for k, people in enumerate(looks):
        choice, state = P.choose(people, state)
        assert choice.identity == "receiver", f"look {k}: {choice.reason}"
        here = [o for o in state.others if P.iou(assistant, o.box) >= 0.6]
        assert here, f"look {k}: the assistant is forgotten"
