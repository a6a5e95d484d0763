"""`backbuddy analyze`: JSON shape, --out files, stills, and one clear line for bad input.

The pose model is replaced by a replay of a synthetic receiver (the real model runs
in tests/integration/test_mediapipe_pose.py); the clips are real files, decoded by OpenCV.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import Result
from tests.fixtures import poses

from backbuddy.adapters import mediapipe_pose
from backbuddy.motion.landmarks import Landmarks

DATA = Path(__file__).resolve().parents[2] / "data"
CLIP = DATA / "pose2sim_cam01.mp4"  # 50 frames at 30 fps
STILL = DATA / "pose2sim_cam01_frame0.jpg"
KEYS = [
    "source",
    "technique",
    "frames",
    "header_frames",
    "cut_short",
    "fps",
    "detected_frames",
    "processing_fps",
    "checks",
    "measures",
    "max_speed_deg_s",
    "placement",
    "hint",
    "events",
]


class ReplayModel:
    """Stands in for PoseModel: a fast seated-hug extension, one frame per call."""

    lm = poses.seated_hug(poses.profile(40.0, onset_s=0.6, move_s=0.5, duration_s=50 / 30)[1])

    def __init__(self, still: bool = False) -> None:
        self.i = 0

    def estimate(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The synthetic receiver, re-centred in pixels on whatever frame comes in."""
        i, self.i = self.i % len(self.lm), self.i + 1
        image = self.lm.image[i].copy()
        height, width = rgb.shape[:2]
        w0, h0 = self.lm.size
        image[:, 0] = (image[:, 0] * w0 - w0 / 2) / width + 0.5
        image[:, 1] = (image[:, 1] * h0 - h0 / 2) / height + 0.5
        return image, self.lm.world[i]

    def __enter__(self) -> ReplayModel:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


@pytest.fixture(autouse=True)
def replay_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay stands for MediaPipe alone: the two-person step (real MoveNet on the real
    clip) would rightly find the replayed skeleton on nobody; it has its own tests."""
    monkeypatch.setattr(mediapipe_pose, "PoseModel", ReplayModel)
    monkeypatch.setenv("BACKBUDDY_TWO_PERSON", "false")


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_json_summary_of_a_clip(backbuddy: Callable[..., Result]) -> None:
    s = _json(backbuddy("analyze", str(CLIP), "--json"))
    assert list(s) == KEYS
    assert (s["frames"], s["fps"], s["detected_frames"]) == (50, 30.0, 50)
    assert (s["header_frames"], s["cut_short"]) == (50, False)
    assert s["technique"] == "seated_hug_extension"
    assert set(s["checks"]) == {"sitting_upright", "arms_crossed", "chin_tucked"}
    assert all(0.0 <= v <= 1.0 for v in s["checks"].values())
    assert set(s["measures"]["trunk_lean_deg"]) == {"min", "max", "mean"}
    assert s["max_speed_deg_s"] > 30
    kinds = [e["kind"] for e in s["events"]]
    assert "over_speed_limit" in kinds
    assert all(set(e) == {"t", "kind", "detail"} for e in s["events"])


def test_a_named_technique(backbuddy: Callable[..., Result]) -> None:
    s = _json(backbuddy("analyze", str(CLIP), "--technique", "side_lying_rotation", "--json"))
    assert s["technique"] == "side_lying_rotation"
    assert set(s["checks"]) == {"lying_on_side", "bottom_leg_straight", "top_knee_at_90"}


def test_a_still_has_one_frame_and_checks_of_one_or_zero(backbuddy: Callable[..., Result]) -> None:
    s = _json(backbuddy("analyze", str(STILL), "--json"))
    assert (s["frames"], s["fps"], s["max_speed_deg_s"]) == (1, None, None)
    assert (s["header_frames"], s["cut_short"]) == (None, False)
    assert set(s["checks"].values()) <= {0.0, 1.0}


def test_out_writes_summary_landmarks_and_report(
    backbuddy: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "report"
    s = _json(backbuddy("analyze", str(CLIP), "--out", str(out), "--json"))
    assert sorted(p.name for p in out.iterdir()) == ["landmarks.npz", "report.html", "summary.json"]
    assert json.loads((out / "summary.json").read_text()) == s
    with np.load(out / "landmarks.npz") as npz:
        lm = Landmarks.from_arrays(npz)
        assert len(lm) == 50
        assert npz["speed_deg_s"].shape == (50,)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3  # the plot and at least two snapshots
    assert "over speed limit" in html
    assert "(cautious proposals, not a clinical standard)" in html
    assert "Seated Hug Extension" in html


def test_a_clip_cut_short_says_so_in_the_table_the_json_and_the_report(
    backbuddy: Callable[..., Result], tmp_path: Path
) -> None:
    """A copy cut off part-way still decodes, as fewer frames than its header promises: the
    analysis must not pass as the whole clip."""
    data = CLIP.read_bytes()
    cut = _write(tmp_path / "cut.mp4", data[: len(data) * 6 // 10])  # ~17 of 50 frames
    s = _json(backbuddy("analyze", str(cut), "--out", str(tmp_path / "out"), "--json"))
    assert s["cut_short"] is True
    assert s["header_frames"] == 50
    assert 0 < s["frames"] < 45
    text = " ".join(backbuddy("analyze", str(cut)).output.split())
    warning = f"The file says it has 50 frames but only {s['frames']} could be read"
    assert warning in text
    assert "cut short or damaged" in text
    assert warning in (tmp_path / "out" / "report.html").read_text()


def test_unsure_upright_frames_without_a_technique_say_what_to_add(
    backbuddy: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team (session 11): without `--technique` the two-person step never trusts a lone
    upright person, so a clip of the hug's receiver alone was measured nowhere and `analyze`
    said nothing of why; now it names the option to add (and says nothing once it is named)."""

    class Unsure(ReplayModel):
        identity = "unsure"  # as the two-person step says of a lone upright person, unnamed

    monkeypatch.setattr(mediapipe_pose, "PoseModel", Unsure)
    s = _json(backbuddy("analyze", str(CLIP), "--json"))
    assert s["hint"] is not None
    assert "--technique seated_hug_extension" in s["hint"]
    assert "50 of 50 frames were not measured" in s["hint"]
    result = backbuddy("analyze", str(CLIP))
    assert "--technique seated_hug_extension" in " ".join(result.output.split())
    named = _json(backbuddy("analyze", str(CLIP), "--technique", "seated_hug_extension", "--json"))
    assert named["hint"] is None
    monkeypatch.setattr(mediapipe_pose, "PoseModel", ReplayModel)  # sure of the receiver
    assert _json(backbuddy("analyze", str(CLIP), "--json"))["hint"] is None


def test_the_table_for_people(backbuddy: Callable[..., Result]) -> None:
    result = backbuddy("analyze", str(CLIP))
    assert result.exit_code == 0
    assert "Set-up checks" in result.output
    assert "over_speed_limit" in result.output
    text = " ".join(result.output.split())
    assert "The limits compared against are cautious proposals, not a clinical standard." in text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nope.mp4", "no such file"),
        (lambda d: _write(d / "noise.mp4", b"\x00garbage" * 100), "not a video OpenCV can read"),
        (lambda d: _write(d / "bad.jpg", b"not a jpeg"), "not an image OpenCV can read"),
    ],
)
def test_unreadable_input_is_exit_2_with_one_line(
    backbuddy: Callable[..., Result], tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    result = backbuddy("analyze", str(make(tmp_path)))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert message in lines[0]


def test_an_unknown_technique_is_exit_2(backbuddy: Callable[..., Result]) -> None:
    result = backbuddy("analyze", str(CLIP), "--technique", "cracking")
    assert result.exit_code == 2
    assert "unknown technique 'cracking'" in result.output


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (lambda d: Path("/proc/nope"), "--out /proc/nope: cannot make this folder"),
        (lambda d: _write(d / "a-file", b"x"), "is a file; give a folder for the report files"),
    ],
)
def test_an_out_folder_that_cannot_be_made_is_one_line_exit_2_before_analysing(
    backbuddy: Callable[..., Result],
    tmp_path: Path,
    out: Callable[[Path], Path],
    message: str,
) -> None:
    target = out(tmp_path)
    result = backbuddy("analyze", str(STILL), "--out", str(target))
    assert result.exit_code == 2
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert line.startswith(f"error: --out {target}")
    assert message in line
    assert "Traceback" not in result.output
