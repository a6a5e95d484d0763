"""The `frame` answer is built as a plain dict (`live.frame_out`, issue 15): it must be
exactly what the protocol's model (`schemas.FrameOut`) dumps, key order included, for what
the camera watch really gives: seen and unseen, sure and unsure, with and without overlay."""

from __future__ import annotations

import json

import numpy as np

from backbuddy.domain import techniques as tech
from backbuddy.web import schemas
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.live import frame_out

from .test_landmarks_and_camera_loss import NoModel, points


def model_dump(result: FrameResult, seq: int, analyze_ms: float, analysed: int) -> dict:
    pose = result.pose
    return schemas.FrameOut(
        t=round(pose.t, 3),
        seq=seq,
        tracked=pose.tracked,
        identity=pose.identity,
        landmarks=[list(p) for p in result.landmarks] if result.landmarks else None,
        checks=dict(result.checks),
        measure=result.measure,
        speed_deg_s=pose.speed_deg_s,
        range_deg=pose.range_deg,
        analyze_ms=round(analyze_ms, 2),
        analysed=analysed,
    ).model_dump()


def test_frame_answers_are_the_models_dump_for_what_the_camera_watch_gives() -> None:
    technique = tech.get("seated_hug_extension")
    watch = CameraWatch(technique, NoModel(), decode_jpeg)
    checks = technique.setup[0].checks
    rng = np.random.default_rng(7)
    kinds = set()
    for k in range(120):
        t = k / 30
        if k % 17 == 5:  # nobody in view
            result = watch.analyze_landmarks(None, None, (270, 480), t, checks)
        else:
            image = np.asarray(points(k % 9), np.float32)
            image[:, :2] += rng.normal(0, 0.002, (33, 2)).astype(np.float32)
            world = np.asarray(points(100 + k % 9), np.float32) - 0.5
            if k % 3 == 0:  # a camera frame: the overlay goes back to the page
                result = watch._watch(image, world, (270, 480), t, checks)
            else:
                result = watch.analyze_landmarks(
                    image, world, (270, 480), t, checks, unsure=k % 5 == 0
                )
        ms = float(rng.uniform(0, 30))
        ours, theirs = (
            frame_out(result, result.pose, k, ms, 1 + k % 4),
            model_dump(result, k, ms, 1 + k % 4),
        )
        assert ours == theirs
        assert json.dumps(ours) == json.dumps(theirs)
        kinds.add((result.pose.tracked, result.pose.identity, result.landmarks is not None))
    # seen and unseen, sure and unsure, with and without the overlay were all compared
    assert {k[0] for k in kinds} == {True, False}
    assert {k[1] for k in kinds} == {"receiver", "unsure"}
    assert {k[2] for k in kinds} == {True, False}
