"""MoveNet with its input size written in (`adapters.movenet_shape`), and the page's people
detector files `make` vendored (`scripts/vendor_movenet.py`), issue 15 item 2."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.support.scripts import load_script

from backbuddy.adapters import movenet
from backbuddy.adapters.movenet_shape import ShapeError, fixed_shape
from backbuddy.web import page_pose

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "data" / "truth" / "hug_correct_setup_side_front_60_f34_with_m26.mp4"


def vendoring():  # type: ignore[no-untyped-def]
    return load_script("vendor_movenet")


def test_make_vendored_every_pinned_file_and_the_page_can_load_them() -> None:
    script = vendoring()
    assert script.up_to_date(page_pose.VENDOR), "run `make vendor`"
    assert page_pose.people_available()
    manifest = json.loads((page_pose.VENDOR / "movenet" / "MANIFEST.json").read_text())
    # The page picks its model from the manifest's shapes: each file is there.
    for w, h in manifest["shapes"]:
        assert (page_pose.VENDOR / "movenet" / f"movenet_{w}x{h}.tflite").is_file()
    assert not page_pose.people_available(Path("/nonexistent"))


def frame() -> np.ndarray:
    capture = cv2.VideoCapture(str(CLIP))
    ok, bgr = capture.read()
    capture.release()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_the_fixed_shape_file_finds_exactly_what_the_original_finds() -> None:
    """Only the input's declared shape changed: the same picture gives the same rows, bit
    for bit, as Google's file resized to that shape by the server's runtime."""
    from ai_edge_litert.interpreter import Interpreter

    original = movenet.model_path().read_bytes()
    rgb = cv2.resize(frame(), (288, 384), interpolation=cv2.INTER_AREA)[None]
    fixed = Interpreter(model_content=fixed_shape(original, 288, 384))
    fixed.allocate_tensors()
    assert list(fixed.get_input_details()[0]["shape"]) == [1, 384, 288, 3]
    assert list(fixed.get_input_details()[0]["shape_signature"]) == [1, 384, 288, 3]
    resized = Interpreter(model_content=original)
    resized.resize_tensor_input(0, (1, 384, 288, 3))
    resized.allocate_tensors()
    rows = []
    for interpreter in (fixed, resized):
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], rgb)
        interpreter.invoke()
        rows.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    assert np.array_equal(rows[0], rows[1])
    assert (rows[0][0, :, 55] >= movenet.MIN_PERSON_SCORE).sum() == 2  # both people found


def test_only_the_input_shape_changes_and_bad_sizes_are_refused() -> None:
    original = movenet.model_path().read_bytes()
    fixed = fixed_shape(original, 224, 384)
    assert len(fixed) == len(original)
    assert sum(a != b for a, b in zip(original, fixed, strict=True)) <= 16  # 2 × 2 int32
    with pytest.raises(ShapeError, match="multiples of 32"):
        fixed_shape(original, 250, 384)
