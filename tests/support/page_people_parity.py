"""Roles decided on the page's people vs on the server's, for the same frames (issue 15, item 2).

The same picture goes to both detectors: a truth clip's frame scaled as the page scales a
role picture (384 px on its long side), handed to the page's people worker
(`static/js/people_worker.js`: MoveNet on `@litertjs/core` in real Chromium, served by the
real app, which passes it through JPEG at quality 0.7 as a role frame is) and, as the role
frame the page would send (JPEG at quality 0.7, `ROLE_QUALITY`), to the server's
(`adapters.movenet.PeopleDetector`, LiteRT in Python). Each
side's people then go through the server's own role rule, frame after frame, in a
`PageRoles` of its own (`place`, as `role_people` and role frames reach it), and the two
answers are compared: identity and the receiver's box. Used by
tests/e2e/test_page_people_parity_e2e.py and tools/calibrate/page_people_parity.py.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from playwright.sync_api import Page

from backbuddy.adapters.movenet import PeopleDetector
from backbuddy.motion import people as P
from backbuddy.web import schemas
from backbuddy.web.camera_watch import decode_jpeg
from backbuddy.web.page_roles import ROLE_MAX_SIDE, PageRoles, RoleAnswer
from backbuddy.web.role_people import to_people

#: Runs the people worker on PNG pictures (data URLs) one after another; every result.
RUN_WORKER = """
async ([pictures, longSide]) => {
  const worker = new Worker("/static/js/people_worker.js");
  const ask = (msg, moved) => new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.postMessage(msg, moved || []);
  });
  const loaded = await ask({ type: "load", longSide });
  if (loaded.type !== "loaded") return { failed: loaded.message };
  const out = [];
  for (let i = 0; i < pictures.length; i++) {
    const blob = await (await fetch(pictures[i])).blob();
    const bitmap = await createImageBitmap(blob);
    out.push(await ask({ type: "frame", bitmap, ms: 1000 + 100 * i }, [bitmap]));
  }
  worker.terminate();
  return { out };
}
"""


@dataclass
class Parity:
    """Per frame: the identities (page, server), the receiver boxes' IoU where both found
    her, and the page's ms a frame (its first, which compiles the model, apart)."""

    clip: str
    identities: list[tuple[str, str]] = field(default_factory=list)
    ious: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return sum(a == b for a, b in self.identities) / max(len(self.identities), 1)

    def found(self, side: int) -> float:
        """Share of frames whose answer named the receiver (0: page, 1: server)."""
        return sum(i[side] == "receiver" for i in self.identities) / max(len(self.identities), 1)


def role_pictures(clip: Path, every: int, limit: int) -> list[np.ndarray]:
    """RGB frames of the clip, every `every`-th, at most `limit`, scaled to the role size."""
    capture = cv2.VideoCapture(str(clip))
    out: list[np.ndarray] = []
    index = 0
    while len(out) < limit:
        ok, bgr = capture.read()
        if not ok:
            break
        if index % every == 0:
            h, w = bgr.shape[:2]
            scale = min(1.0, ROLE_MAX_SIDE / max(w, h))
            size = (round(w * scale), round(h * scale))
            small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            out.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        index += 1
    capture.release()
    return out


def data_url(rgb: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()


def page_people(page: Page, pictures: list[np.ndarray], long_side: int = 384) -> list[Any]:
    """The page worker's `people` result for each picture (the page must be on the app)."""
    result = page.evaluate(RUN_WORKER, [[data_url(p) for p in pictures], long_side])
    assert "failed" not in result, result.get("failed")
    return list(result["out"])


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return P.iou(np.asarray(a, np.float64), np.asarray(b, np.float64))


def compare(
    clip: Path, page: Page, every: int = 2, limit: int = 400, long_side: int = 384
) -> Parity:
    pictures = role_pictures(clip, every, limit)
    results = page_people(page, pictures, long_side)
    detector = PeopleDetector(input_size=long_side)
    on_page, on_server = PageRoles(_no_detector, decode_jpeg), PageRoles(_no_detector, decode_jpeg)
    parity = Parity(clip.stem)
    for k, (rgb, result) in enumerate(zip(pictures, results, strict=True)):
        ms = 1000.0 + 100.0 * k * every / 3
        size = (rgb.shape[1], rgb.shape[0])
        message = schemas.RolePeopleIn.model_validate(
            {"type": "role_people", "ms": ms, "size": list(size), "people": result["people"]}
        )
        mine: RoleAnswer = on_page.place(to_people(message), size, ms)
        theirs: RoleAnswer = on_server.place(detector.detect(as_role_frame(rgb)), size, ms)
        parity.identities.append((mine.identity, theirs.identity))
        if mine.box is not None and theirs.box is not None:
            parity.ious.append(_iou(mine.box, theirs.box))
        parity.page_ms.append(float(result["inferMs"]))
    return parity


def as_role_frame(rgb: np.ndarray) -> np.ndarray:
    """The picture as the server gets it in a role frame: JPEG at `ROLE_QUALITY`, decoded."""
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, ROLE_QUALITY]
    )
    assert ok
    return decode_jpeg(jpeg.tobytes())


#: roles.js QUALITY (role frames) and people_worker.js QUALITY, in cv2's 0..100.
ROLE_QUALITY = 70


def _no_detector() -> PeopleDetector:
    raise AssertionError("the parity harness gives PageRoles its people itself")
