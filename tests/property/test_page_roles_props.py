"""Who is who with pose in the page, over arbitrary message orders (red team, session 10;
issue 15 item 2, I3/I4).

The server's role keeping for one socket (`PageRoles`: the role rule on the people the
page's detector sent, `role_people`, and the identity chain over the page's landmarks) gets
an arbitrary interleaving of:

* landmarks on the receiver, on the assistant (the page's model followed her), or on nobody,
  at the camera's rate or after a stall, cropped to an answer or not;
* the page's people: both, either one alone, nobody, listed in either order, for a moment
  before, at or after the newest landmarks (late, early, far behind, ahead);
* the server's clock running on faster than the page's (a page clock that runs slow);
* where the receiver lies, her sitting up (her head then above the kneeling assistant's)
  and lying down again.

The page's first people message shows both (a lone person seen first cannot be told, and
is trusted only after looks alone: the rule's documented limit). Then, whatever the order:

* every role answer that names a receiver names her, not the assistant;
* landmarks on the assistant, or on nobody, are never carried as the receiver's;
* landmarks carried as the receiver's have a receiver answer behind them that arrived at
  most `MAX_ANCHOR_MS` ago on the server's clock and is at most that old in page time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.motion.test_people import lying_skeleton, skeleton
from tests.unit.web.test_page_roles import ASSISTANT, RECEIVER, H, W, skeleton_on

from backbuddy.motion.people import People
from backbuddy.web.camera_watch import decode_jpeg
from backbuddy.web.page_roles import MAX_ANCHOR_MS, PageRoles


def _box(kp: np.ndarray) -> np.ndarray:
    return np.array(
        [kp[:, 0].min() - 10, kp[:, 1].min() - 10, kp[:, 0].max() + 10, kp[:, 1].max() + 10],
        np.float32,
    )


@dataclass(frozen=True)
class Scene:
    """The two people in a W × H frame (COCO keypoints in px): the receiver as she is at
    first and, where she lies, sitting up; the assistant."""

    receiver: np.ndarray
    assistant: np.ndarray
    lying: bool
    sat_up: np.ndarray | None = None


HUG = Scene(RECEIVER[0], ASSISTANT[0], lying=False)
SIDE = Scene(
    lying_skeleton(60, 300, 280).astype(np.float32),
    skeleton(230, 120, 200).astype(np.float32),
    lying=True,
    sat_up=skeleton(120, 110, 200).astype(np.float32),
)
SIDE_LOW_ASSISTANT = Scene(
    SIDE.receiver, skeleton(230, 150, 170).astype(np.float32), lying=True, sat_up=SIDE.sat_up
)


def people(*bodies: np.ndarray, seed: int = 0) -> People:
    """The detector's people: its keypoints off by up to 2 px, differently each look."""
    if not bodies:
        return People.none()
    kp = np.stack(bodies).astype(np.float32)
    kp[:, :, :2] += np.random.default_rng(seed).uniform(-2, 2, kp[:, :, :2].shape)
    boxes = np.stack([_box(b) for b in bodies])
    return People(kp, boxes, np.full(len(bodies), 0.8, np.float32))


#: A run of landmarks: on whom, the page ms before its first frame (then 33 ms apart), how
#: many frames, cropped to an answer (role_ms set) or not.
landmarks = st.tuples(
    st.just("lm"),
    st.sampled_from(["receiver", "receiver", "assistant", "nobody"]),
    st.sampled_from([33.0, 33.0, 33.0, 66.0, 250.0, 400.0, 5000.0]),
    st.tuples(st.sampled_from([1, 3, 8, 15]), st.sampled_from([True, True, False])),
)
#: The page's people for a moment this far from the newest landmarks (mostly just before),
#: in one message or in a few at once for moments 1 ms apart (a page that floods).
found = st.tuples(
    st.just("people"),
    st.sampled_from(["both", "both", "both_reversed", "receiver", "assistant", "none"]),
    st.sampled_from([-100.0, -100.0, -50.0, 0.0, -5000.0, -1000.0, -200.0, 150.0, 400.0, 3000.0]),
    st.sampled_from([1, 1, 4]),
)
server = st.tuples(st.just("server"), st.just(""), st.sampled_from([0.5, 2.0, 4.0]), st.just(0))
posture = st.tuples(
    st.just("posture"), st.sampled_from(["sit_up", "lie_down"]), st.just(0.0), st.just(0)
)
steps = st.lists(
    st.one_of(landmarks, landmarks, landmarks, found, server, posture), min_size=5, max_size=80
)


def run(scene: Scene, script: list[tuple[str, str, float, object]]) -> None:
    clock = [100.0]
    roles = PageRoles(lambda: None, decode_jpeg, clock=lambda: clock[0], lying=scene.lying)  # type: ignore[arg-type, return-value]
    receiver = scene.receiver
    page_ms = 1000.0
    answered: list[tuple[float, float]] = []  # receiver answers: page ms, server s of arrival
    role_ms: float | None = None

    def look(which: str, ms: float) -> None:
        nonlocal role_ms
        bodies = {
            "both": (scene.assistant, receiver),
            "both_reversed": (receiver, scene.assistant),
            "receiver": (receiver,),
            "assistant": (scene.assistant,),
            "none": (),
        }[which]
        answer = roles.place(people(*bodies, seed=roles.looks), (W, H), ms, clock[0])
        if answer.identity == "receiver":
            assert answer.box is not None
            named = np.array(answer.box) * (W, H, W, H)
            off = [float(np.abs(named - _box(b)).max()) for b in (receiver, scene.assistant)]
            assert off[0] < off[1], f"the role rule named the assistant ({which} at {ms})"
            answered.append((ms, clock[0]))
            role_ms = ms

    look("both", page_ms)
    for kind, what, amount, extra in script:
        if kind == "posture" and scene.sat_up is not None:
            receiver = scene.sat_up if what == "sit_up" else scene.receiver
        elif kind == "server":
            clock[0] += amount
        elif kind == "people":
            for k in range(int(extra)):  # type: ignore[call-overload]
                look(what, max(0.0, page_ms + amount + k))
        elif kind == "lm":
            count, crop = extra  # type: ignore[misc]
            on = {"receiver": receiver, "assistant": scene.assistant, "nobody": None}[what]
            image = None if on is None else skeleton_on(on)
            for k in range(count):
                step = amount if k == 0 else 33.0
                page_ms += step
                clock[0] += step / 1000.0
                unsure = roles.unsure(image, (W, H), page_ms, role_ms if crop else None)
                if what != "receiver":
                    assert unsure, f"landmarks on {what} carried as the receiver's at {page_ms}"
                if not unsure:
                    behind = [
                        (ms, s)
                        for ms, s in answered
                        if clock[0] - s <= MAX_ANCHOR_MS / 1000.0 and page_ms - ms <= MAX_ANCHOR_MS
                    ]
                    assert behind, f"carried at {page_ms} ms with no recent receiver answer"


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(steps)
def test_the_seated_hug_never_carries_the_assistant_or_an_old_answer(
    script: list[tuple[str, str, float, object]],
) -> None:
    run(HUG, script)


@PROPS
@given(steps)
def test_side_lying_never_carries_the_assistant_whether_she_lies_or_sits_up(
    script: list[tuple[str, str, float, object]],
) -> None:
    run(SIDE, script)
    run(SIDE_LOW_ASSISTANT, script)
