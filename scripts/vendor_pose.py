"""Vendor what the session page needs to run pose itself (issue 15); `make` runs this.

1. npm `@mediapipe/tasks-vision` (Apache-2.0): the ES module and the WASM files (the
   ES-module SIMD build, which a module worker can load), unpacked from the tarball
   the npm registry serves (fetched by URL: no npm needed), every file and the tarball
   itself checked against the sha256 pinned below.
2. The PoseLandmarker `.task` bundle, assembled from the installed mediapipe wheel's own
   model files (`backbuddy.adapters.pose_bundle`), checked against its pinned sha256.

Everything goes into a git-ignored folder the web app serves as static files; nothing
is downloaded at run time. Idempotent: when `MANIFEST.json` there matches these pins
and every file's hash still does, nothing is done. A mismatch is an error naming the
file (a changed package or wheel must be looked at, then pinned here on purpose).

    .venv/bin/python scripts/vendor_pose.py [--dest DIR] [--check]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import npm_vendor
from npm_vendor import VendorError

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "src" / "backbuddy" / "web" / "static" / "vendor"

NPM_PACKAGE = "@mediapipe/tasks-vision"
NPM_VERSION = "1.1.0"
NPM_LICENSE = "Apache-2.0"
NPM_TARBALL_SHA256 = "46fc3d3d13fa5de631915929d045be2f74bb32e909d7a5b3a322b28976f54165"
#: Files taken from the tarball (`package/<name>`) → their sha256; written to tasks-vision/.
NPM_FILES = {
    "vision_bundle.mjs": "9d5fc9ef74b22329cf9aa88dc543956d192b8c254210b187271614713eb5b10c",
    # The ES-module build of the WASM loader (SIMD): the page runs the model in a module
    # worker, where only this build can load.
    "wasm/vision_wasm_module_internal.js": (
        "70eff3956521b7de058d7173a4935c95e4a223c26ea624b9f5a936d3a043dcb0"
    ),
    "wasm/vision_wasm_module_internal.wasm": (
        "ee03b14a878e6c3c053a1bfa62e166dc45244be54dc0bbe61c578f710b771f6a"
    ),
    "package.json": "1b6bd640d09f7233cb8b9f8c5381ed706743ce97eb970db267db975089ab7663",
}
BUNDLE = "pose/pose_landmarker_full.task"
#: mediapipe 0.10.14's pose_detection.tflite + pose_landmark_full.tflite with metadata.
BUNDLE_SHA256 = "53882f7f986669189b12790b257320dfb90bc0eeb1f3ce090a2901436421e556"

NOTICE = f"""# Vendored by scripts/vendor_pose.py: do not edit, not in git

* `tasks-vision/`: npm `{NPM_PACKAGE}@{NPM_VERSION}` ({NPM_LICENSE}, Copyright The
  MediaPipe Authors): the ES module and the WASM files, unchanged.
* `{BUNDLE}`: assembled from the mediapipe 0.10.14 wheel's own
  `pose_detection.tflite` and `pose_landmark_full.tflite` (Apache-2.0, Copyright The
  MediaPipe Authors), the latter with TFLite metadata added
  (`backbuddy.adapters.pose_bundle`).

`MANIFEST.json` lists every file with its sha256.
"""


def expected() -> dict[str, str]:
    """Every vendored file (relative to the vendor folder) → its pinned sha256."""
    files = {f"tasks-vision/{name}": sha for name, sha in NPM_FILES.items()}
    files[BUNDLE] = BUNDLE_SHA256
    return files


def manifest() -> dict[str, object]:
    return {
        "npm": {"package": NPM_PACKAGE, "version": NPM_VERSION, "license": NPM_LICENSE},
        "tarball_sha256": NPM_TARBALL_SHA256,
        "bundle": BUNDLE,
        "files": expected(),
    }


def up_to_date(dest: Path) -> bool:
    return npm_vendor.up_to_date(dest, dest / "MANIFEST.json", manifest(), expected())


def vendor(dest: Path) -> str:
    if up_to_date(dest):
        return "up to date"
    sys.path.insert(0, str(ROOT / "src"))
    from backbuddy.adapters.pose_bundle import write_bundle

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_vendor.fetch(NPM_PACKAGE, NPM_VERSION, NPM_TARBALL_SHA256, Path(tmp), 120)
        for name, data in npm_vendor.members(NPM_PACKAGE, tarball, NPM_FILES):
            npm_vendor.write(dest / "tasks-vision" / name, data)
    sha = write_bundle(dest / BUNDLE)
    if sha != BUNDLE_SHA256:
        raise VendorError(
            f"the assembled {BUNDLE} has sha256 {sha}, not the pinned {BUNDLE_SHA256}: "
            "is mediapipe 0.10.14 installed?"
        )
    (dest / "README.md").write_text(NOTICE)
    (dest / "MANIFEST.json").write_text(json.dumps(manifest(), indent=2) + "\n")
    return "vendored"


def main() -> int:
    return npm_vendor.run(
        "vendor_pose",
        __doc__.splitlines()[0],
        DEST,
        up_to_date,
        vendor,
        lambda dest: dest / "MANIFEST.json",
        f"page pose model ({NPM_PACKAGE}@{NPM_VERSION} + {BUNDLE})",
    )


if __name__ == "__main__":
    sys.exit(main())
