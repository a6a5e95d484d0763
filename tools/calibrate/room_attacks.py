"""A real room against the two-person step (issue 12, item 3): rendered clips cut and combined.

    .venv/bin/python tools/calibrate/room_attacks.py [--page] [SCENARIO ...] [--save DIR]

Each scenario is built from existing truth clips (no new render): the base is the seated hug
at 60° with the assistant in contact (`hug_correct_slow_side_front_60_f34_with_m26`, a placement
the gate accepts), after a 2 s still pre-roll (its first frame, as after a set-up):

* `hidden`: the receiver covered by a dark box (her true joints' box, padded) for 0.5 s
  (frames 50-64): someone or something passing right in front of her;
* `child`: a third person (the seated `f71` of `hug_correct_slow_side_front_60_f71`, cut out
  with her own background as a box and scaled to 0.6: a child) slid across the frame in front,
  her head lower than the receiver's, over 3 s;
* `walker`: the same third person at full size slid across in front of the receiver (someone
  walking between the camera and the pair);
* `swap`: the clip, then from frame 78 the same clip mirrored: receiver and assistant change
  sides at once;
* `base`: the clip alone (no event);
* `lone`: one person, no assistant: `tests/data/pose2sim_cam01.mp4` (the browser tests' fake
  camera: she leans ~40° forward and back in under a second; MoveNet now and then splits her
  in two) looped for 10 s, as the fake camera plays it; `lone_fast`: the same loop taking every
  3rd frame (a loaded server analyses a few frames a second, so her box moves three times as
  far between frames). Her reference points are MediaPipe's own on the whole frame (still
  mode): there is no rendered truth for a real clip; a second person stands far behind her.

Every frame goes through the server's two-person step (`ReceiverPose`: real MoveNet, role rule,
crop, MediaPipe) and `PoseMonitor`, or with `--page` the page stand-in
(`tests/support/page_people.py`); each frame's landmarks are judged against every true
skeleton in view (the receiver, the assistant, the third person moved as pasted): on the
receiver when nose, shoulder-mid and hip-mid are each within half a trunk length of hers and
nearer hers than anyone else's (or within 0.15 trunk lengths). Printed per scenario: frames
acted on (tracked, identity sure), those not on the receiver, and those with the gate open
(a movement could run); unsure frames during the event. `--tail S`: the clip's last frame
held still for S seconds more (the pair stays put after the event), and printed also the
unsure frames after the event and the first sure frame after it (frames from the event's
end; None: unsure to the end). `--save DIR` keeps each run's landmarks, identity flags and
judgement as a small npz for tests; `--looks DIR` the people each look of the role rule was
given (`people.choose`'s input, on either path), as `record_looks.py` writes them, for
tests/unit/motion/test_people_room.py. `--lone-looks FILE`: instead, MoveNet's people on every
frame of the `lone` clip once (50 looks, in `record_looks.py`'s format), to replay at any
look rate.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "support"))
from measure import truth_table  # noqa: E402
from receiver_truth import NEAR, NOISE, TRUTH, _points  # noqa: E402

BASE = "hug_correct_slow_side_front_60_f34_with_m26"
THIRD = "hug_correct_slow_side_front_60_f71"
PRE_ROLL = 60
HIDDEN = range(50, 65)
CROSS = range(20, 110)
SWAP_AT = 78


@dataclass
class Scene:
    """Frames (RGB), and per frame the true nose/shoulder-mid/hip-mid (3, 2) px of the
    receiver and of everyone else (NaN where not in view), the event's frames."""

    frames: list[np.ndarray]
    receiver: np.ndarray  # (n, 3, 2)
    others: list[np.ndarray]  # each (n, 3, 2)
    event: np.ndarray  # (n,) bool


def _clip(cid: str) -> list[np.ndarray]:
    from backbuddy.adapters.video import open_file

    with open_file(TRUTH / f"{cid}.mp4") as src:
        return [f.rgb for f in src]


def _joint_box(tr: dict[str, np.ndarray], i: int, prefix: str = "") -> np.ndarray:
    u = [tr[k][i] for k in tr if k.startswith(prefix) and k.endswith("_u")]
    v = [tr[k][i] for k in tr if k.startswith(prefix) and k.endswith("_v")]
    if not prefix:  # the receiver's joints only, not the assistant's
        u = [tr[k][i] for k in tr if not k.startswith("assistant_") and k.endswith("_u")]
        v = [tr[k][i] for k in tr if not k.startswith("assistant_") and k.endswith("_v")]
    return np.array([np.nanmin(u), np.nanmin(v), np.nanmax(u), np.nanmax(v)])


def base_scene() -> Scene:
    frames = _clip(BASE)
    tr = truth_table(BASE)
    n = len(frames)
    return Scene(frames, _points(tr, "", n), [_points(tr, "assistant_", n)], np.zeros(n, bool))


def hidden() -> Scene:
    s = base_scene()
    tr = truth_table(BASE)
    for i in HIDDEN:
        x0, y0, x1, y1 = _joint_box(tr, i)
        pw, ph = 0.15 * (x1 - x0), 0.1 * (y1 - y0)
        h, w = s.frames[i].shape[:2]
        a, b = int(max(0, x0 - pw)), int(min(w, x1 + pw))
        c, d = int(max(0, y0 - ph)), int(min(h, y1 + ph))
        s.frames[i] = s.frames[i].copy()
        s.frames[i][c:d, a:b] = (60, 55, 50)
        s.event[i] = True
    return s


def crossing(scale: float) -> Scene:
    s = base_scene()
    third, tt = _clip(THIRD), truth_table(THIRD)
    tb = truth_table(BASE)
    n = len(s.frames)
    pts = np.full((n, 3, 2), np.nan)
    h, w = s.frames[0].shape[:2]
    floor = _joint_box(tb, 0)[3]  # the receiver's feet
    for k, i in enumerate(CROSS):
        j = min(i, len(third) - 1)
        x0, y0, x1, y1 = _joint_box(tt, j)
        pw, ph = 0.25 * (x1 - x0), 0.12 * (y1 - y0)
        x0, x1 = int(max(0, x0 - pw)), int(min(w, x1 + pw))
        y0, y1 = int(max(0, y0 - ph)), int(min(h, y1 + ph))
        cut = third[j][y0:y1, x0:x1]
        cw, ch = max(2, int((x1 - x0) * scale)), max(2, int((y1 - y0) * scale))
        cut = cv2.resize(cut, (cw, ch), interpolation=cv2.INTER_AREA)
        left = int(-cw + (w + cw) * k / (len(CROSS) - 1))
        top = int(min(h - ch, floor + 0.12 * (y1 - y0) * scale - ch))
        a, b = max(0, left), min(w, left + cw)
        if b <= a:
            continue
        s.frames[i] = s.frames[i].copy()
        s.frames[i][top : top + ch, a:b] = cut[:, a - left : b - left]
        p = (_points(tt, "", len(third))[j] - (x0, y0)) * scale + (left, top)
        seen = (p[:, 0] >= 0) & (p[:, 0] < w)
        pts[i] = np.where(seen[:, None], p, np.nan)
        s.event[i] = True
    s.others.append(pts)
    return s


def swap() -> Scene:
    s = base_scene()
    w = s.frames[0].shape[1]
    for i in range(SWAP_AT, len(s.frames)):
        s.frames[i] = np.ascontiguousarray(s.frames[i][:, ::-1])
        for arr in (s.receiver, *s.others):
            arr[i, :, 0] = w - 1 - arr[i, :, 0]
    s.event[SWAP_AT : SWAP_AT + 30] = True
    return s


LONE = ROOT / "tests" / "data" / "pose2sim_cam01.mp4"
LONE_LOOPS = 6


def _lone_truth(frames: list[np.ndarray]) -> np.ndarray:
    """(n, 3, 2) px: nose, shoulder-mid, hip-mid of MediaPipe's reading of each whole frame."""
    from backbuddy.adapters.mediapipe_pose import PoseModel

    out = np.full((len(frames), 3, 2), np.nan)
    h, w = frames[0].shape[:2]
    with PoseModel(still=True) as model:
        for i, rgb in enumerate(frames):
            lm = model.estimate(rgb)[0][:, :2].astype(np.float64) * (w, h)
            out[i] = [lm[0], (lm[11] + lm[12]) / 2, (lm[23] + lm[24]) / 2]
    return out


def lone(stride: int = 1) -> Scene:
    from backbuddy.adapters.video import open_file

    with open_file(LONE) as src:
        clip = [f.rgb for f in src]
    truth = _lone_truth(clip)
    order = [i % len(clip) for i in range(0, LONE_LOOPS * len(clip), stride)]
    n = len(order)
    return Scene(
        [clip[i] for i in order], truth[order], [np.full((n, 3, 2), np.nan)], np.zeros(n, bool)
    )


def lone_looks(out: Path) -> None:
    """MoveNet's people on each frame of the `lone` clip, saved as `LookRecorder.save` does."""
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.video import open_file

    with open_file(LONE) as src:
        clip = [f.rgb for f in src]
    recorder = LookRecorder()
    detector = PeopleDetector()
    recorder.looks = [detector.detect(rgb) for rgb in clip]
    recorder.save(out, len(clip))


def held(scene: Scene, seconds: float) -> Scene:
    """The scene with its last frame held still `seconds` more (30 frames/s): the receiver
    and the assistant stay put, a passer-by is gone."""
    n = round(30 * seconds)
    if n <= 0:
        return scene
    last = [np.repeat(a[-1:], n, 0) for a in (scene.receiver, scene.others[0])]
    others = [np.concatenate([scene.others[0], last[1]])] + [
        np.concatenate([o, np.full((n, *o.shape[1:]), np.nan)]) for o in scene.others[1:]
    ]
    return Scene(
        scene.frames + [scene.frames[-1]] * n,
        np.concatenate([scene.receiver, last[0]]),
        others,
        np.concatenate([scene.event, np.zeros(n, bool)]),
    )


class LookRecorder:
    """Keeps the people every `people.choose` call is given, on either path."""

    def __init__(self) -> None:
        from backbuddy.motion import people

        self.module, self.choose = people, people.choose
        self.looks: list[object] = []

    def __enter__(self) -> LookRecorder:
        def spy(found, state):  # type: ignore[no-untyped-def]
            self.looks.append(found)
            return self.choose(found, state)

        self.module.choose = spy  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.module.choose = self.choose  # type: ignore[assignment]

    def save(self, out: Path, frames: int) -> None:
        """Writes the looks as `record_looks.py` does, and `frames`: the camera frames the
        looks were taken over (the pre-roll's included), for their rate."""
        looks = self.looks
        n = max(1, max(len(p) for p in looks))  # type: ignore[arg-type]
        kp = np.full((len(looks), n, 17, 3), np.nan, np.float32)
        box = np.full((len(looks), n, 4), np.nan, np.float32)
        score = np.full((len(looks), n), np.nan, np.float32)
        for k, p in enumerate(looks):
            m = len(p)  # type: ignore[arg-type]
            kp[k, :m], box[k, :m], score[k, :m] = p.keypoints, p.boxes, p.scores  # type: ignore[attr-defined]
        count = np.array([len(p) for p in looks])  # type: ignore[arg-type]
        np.savez_compressed(
            out, keypoints=kp, boxes=box, scores=score, count=count, frames=np.array(frames)
        )


SCENES = {
    "base": base_scene,
    "hidden": hidden,
    "child": lambda: crossing(0.6),
    "walker": lambda: crossing(1.0),
    "swap": swap,
    "lone": lone,
    "lone_fast": lambda: lone(3),
}


def judge(px: np.ndarray, scene: Scene) -> np.ndarray:
    """Per frame: are the landmarks (n, 33, 2 px) on the receiver (module docstring)?"""
    ours = np.stack([px[:, 0], (px[:, 11] + px[:, 12]) / 2, (px[:, 23] + px[:, 24]) / 2], axis=1)
    rec = scene.receiver
    trunk = np.linalg.norm(rec[:, 1] - rec[:, 2], axis=1)[:, None]
    d_rec = np.linalg.norm(ours - rec, axis=2)
    d_other = np.full_like(d_rec, np.inf)
    for o in scene.others:
        d = np.linalg.norm(ours - o, axis=2)
        d_other = np.fmin(d_other, np.where(np.isnan(d), np.inf, d))
    with np.errstate(invalid="ignore"):
        ok = ((d_rec < d_other) | (d_rec <= NOISE * trunk)) & (d_rec <= NEAR * trunk)
    return np.asarray(ok.all(axis=1))


def run_server(scene: Scene):  # type: ignore[no-untyped-def]
    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.receiver_pose import ReceiverPose
    from backbuddy.domain import techniques
    from backbuddy.motion.landmarks import stack
    from backbuddy.motion.monitors import PoseMonitor
    from backbuddy.services.analyze import identity_unsure

    frames = [scene.frames[0]] * PRE_ROLL + scene.frames
    rows, unsure = [], []
    h, w = frames[0].shape[:2]
    with ReceiverPose(PeopleDetector(), PoseModel, looks=InLine) as model:
        model.receiver_lies(False)
        for k, rgb in enumerate(frames):
            image, world = model.estimate(rgb, k / 30.0)
            rows.append((k / 30.0, image, world))
            unsure.append(identity_unsure(model))
    lm = stack(rows, (w, h), unsure)
    mon = PoseMonitor(techniques.get("seated_hug_extension"))
    mon.update(lm.take(slice(0, PRE_ROLL)))
    live = lm.take(slice(PRE_ROLL, None))
    trace = mon.update(live)
    acted = trace.tracked & ~trace.unsure
    return live.pixels(), acted, trace.placement.ok, np.asarray(trace.unsure)


def run_page(scene: Scene):  # type: ignore[no-untyped-def]
    import page_people

    from backbuddy.adapters.video import Frame
    from backbuddy.domain import techniques

    frames = [scene.frames[0]] * PRE_ROLL + scene.frames
    fr = [Frame(k, k / 30.0, rgb) for k, rgb in enumerate(frames)]
    run = page_people.run_clip(BASE, techniques.get("seated_hug_extension"), frames=fr)
    h, w = frames[0].shape[:2]
    px = run.pixels((w, h))[PRE_ROLL:]
    poses = [r.pose for r in run.results[PRE_ROLL:]]
    acted = np.array([p.tracked and p.identity == "receiver" for p in poses])
    gate = np.array([bool(p.placement_ok) for p in poses])
    unsure = np.array([p.identity == "unsure" for p in poses])
    return px, acted, gate, unsure


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenes", nargs="*", default=list(SCENES))
    ap.add_argument("--page", action="store_true")
    ap.add_argument("--save", type=Path)
    ap.add_argument("--looks", type=Path)
    ap.add_argument("--tail", type=float, default=0.0)
    ap.add_argument("--lone-looks", type=Path)
    a = ap.parse_args(argv)
    if a.lone_looks:
        lone_looks(a.lone_looks)
        return 0
    for name in a.scenes:
        scene = held(SCENES[name](), a.tail)
        with LookRecorder() as recorder:
            px, acted, gate, unsure = (run_page if a.page else run_server)(scene)
        on = judge(px, scene)
        seen = np.isfinite(px[:, 0, 0])
        off = acted & seen & ~on
        ev = scene.event
        out = {
            "scene": name,
            "path": "page" if a.page else "server",
            "frames": int(len(on)),
            "acted": int(acted.sum()),
            "acted_off_receiver": np.flatnonzero(off).tolist(),
            "acted_off_gate_open": np.flatnonzero(off & gate).tolist(),
            "event_frames": int(ev.sum()),
            "event_unsure": int((unsure & ev).sum()),
            "event_acted_on_receiver": int((acted & on & ev).sum()),
            "gate_open": int(gate.sum()),
            "unsure": int(unsure.sum()),
            "first_sure": int(np.argmax(~unsure)) if (~unsure).any() else None,
        }
        if ev.any():
            after = unsure[int(np.flatnonzero(ev)[-1]) + 1 :]
            out["unsure_after_event"] = int(after.sum())
            out["first_sure_after_event"] = int(np.argmax(~after)) if (~after).any() else None
        print(json.dumps(out), flush=True)
        if a.looks:
            a.looks.mkdir(parents=True, exist_ok=True)
            recorder.save(a.looks / f"looks_{name}_{out['path']}.npz", PRE_ROLL + len(scene.frames))
        if a.save:
            a.save.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                a.save / f"{name}_{out['path']}.npz",
                pixels=px.astype(np.float32),
                acted=acted,
                gate=gate,
                unsure=unsure,
                on=on,
                receiver=scene.receiver.astype(np.float32),
                others=np.stack(scene.others).astype(np.float32),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
