"""The figures of the grey over everyone but the receiver (the two-person step), in one place
for both sides that draw it: the server's `adapters/receiver_pose.py` and the page's
`web/static/js/mask.js`, which gets them with every role answer (`schemas.RoleOut.mask`), so
the two cannot drift apart (docs/accuracy.md, "The grey mask made the landmarks jump").
"""

from __future__ import annotations

import math

from backbuddy.motion.people import MIN_SCORE

#: COCO skeleton edges drawn as limbs when masking a person (shoulders, arms, trunk, legs).
EDGES = (
    (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12), (11, 12),
    (11, 13), (13, 15), (12, 14), (14, 16), (0, 5), (0, 6),
)  # fmt: skip
#: Half-widths of a drawn body, in its box's long side: limbs, and the head's radius.
LIMB, HEAD_R = 0.06, 0.09
#: Everyone else's body is drawn this much wider than the receiver's cut-out.
OTHERS_SCALE = 1.3
#: A mask keypoint is moved when the detector puts it more than this share of the person's box
#: (long side) away. MoveNet's jitter on a still person is ≤ 0.016 of it; every redraw changes
#: the pose model's image next to the receiver's back. Wider slack (0.15) kept the slow hug's
#: speed better but held the mask still while the receiver jerked: the 60° jerk with the
#: assistant in contact was read 5 frames late.
MASK_SLACK = 0.03
#: A mask keypoint unseen (score under `people.MIN_SCORE`) for this long is dropped: people in
#: these set-ups stay put, and a dropped limb clears its grey at once.
MASK_FORGET_S = 4.0
#: A redrawn mask replaces the old one over this many frames, blended (0.27 s at 30 frames/s):
#: the landmarks then follow the change as a slow drift, not a step that reads as a jerk.
FADE_FRAMES = 8
#: The receiver's own cut-out is not moved in slack-sized steps: a keypoint past this smaller
#: slack (above MoveNet's ≤ 0.016 jitter on a still person) moves part of the way each look,
#: the part set by the time constant `FOLLOW_S` (0.30 of the way per look at 30 frames/s, a
#: look every 4 frames). Held by `MASK_SLACK` like everyone else's, the cut-out moved in 3 %
#: steps while the receiver moved slowly (16 of the slow 60° hug's 19 redraws were the
#: receiver's own keypoints), the grey bordering the receiver's back stepped with it, and so
#: did MediaPipe's landmarks: a false halt on a true 5 °/s lean. Following every look with no
#: slack fixed that too, but redrew on every look's jitter, and the side-lying twist on the
#: floor read 37.7 °/s off (7.7 held); a slack of 0.01 or 0.03 still false-halted the hug.
FOLLOW_SLACK = 0.02
FOLLOW_S = 0.37
#: …and at most this share of the way on one answer, however long since the last: the share of
#: one server look (4 frames at 30 frames/s, 0.30). The page's answers come `KEEPALIVE_MS` (2 s)
#: apart once the roles settle, and 1 − e^(−2 s/0.37 s) is 0.996: the cut-out jumped all the way
#: on each, the grey she had leaned into cleared at once, and MediaPipe's lean stepped 2.7° in one
#: frame (a `sudden` halt on the correct slow 60° hug at 10, 15 and 30 frames/s; docs/accuracy.md
#: "The page's cut-out jumped after a quiet answer gap").
FOLLOW_MAX_SHARE = 1.0 - math.exp(-(4 / 30.0) / FOLLOW_S)
#: Where the technique's grey fades (`VideoNeeds.grey_fades`, session 22): grey his drawn body no
#: longer covers (a keypoint moved, or forgotten after `MASK_FORGET_S`) fades out over this many
#: frames, as new grey fades in over `FADE_FRAMES` (his forgotten forearm cleared 580 pixels at
#: her back in one frame: the slow 60° hug's false stop)…
FADE_OUT_FRAMES = 30
#: …and her cut-out is drawn this much wider where it borders his drawn arms (`ARM_EDGES`): the
#: grey then keeps off her back, where a few hundred pixels moved her lean read by 2°.
CUT_SCALE = 1.5
#: COCO edges of the arms (shoulder-elbow, elbow-wrist).
ARM_EDGES = ((5, 7), (7, 9), (6, 8), (8, 10))


def mask_rule(fades: bool = False, grey: bool = True) -> dict[str, float | bool]:
    """The figures as the page gets them (`schemas.MaskRule`); `fades`: the technique's grey
    fades (`VideoNeeds.grey_fades`), `grey`: the assistant is greyed at all
    (`VideoNeeds.grey_assistant`), both told to the page with every answer."""
    return {
        "slack": MASK_SLACK,
        "forget_ms": MASK_FORGET_S * 1000.0,
        "fade_frames": float(FADE_FRAMES),
        "follow_slack": FOLLOW_SLACK,
        "follow_ms": FOLLOW_S * 1000.0,
        "follow_max": FOLLOW_MAX_SHARE,
        "min_score": MIN_SCORE,
        "limb": LIMB,
        "head_r": HEAD_R,
        "others_scale": OTHERS_SCALE,
        "fades": fades,
        "grey_assistant": grey,
        "fade_out_frames": float(FADE_OUT_FRAMES),
        "cut_scale": CUT_SCALE,
    }
