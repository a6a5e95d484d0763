"""Vendor what the page needs to run the two-person step itself (issue 15, item 2); `make`
runs this after `scripts/fetch_movenet.py`.

1. npm `@litertjs/core` and `@litertjs/wasm-utils` (Apache-2.0): the ES modules and the
   WASM builds a worker loads (relaxed-SIMD and the compat build for browsers without it),
   unpacked from the tarballs the npm registry serves (fetched by URL: no npm needed),
   every tarball and file checked against the sha256 pinned below. One line is changed:
   core's bare `import … from "@litertjs/wasm-utils"` becomes a relative path (a worker
   has no import map); the changed file is pinned too.
2. MoveNet MultiPose with its input size written in (`backbuddy.adapters.movenet_shape`),
   one file per input shape the page may use, from the pinned model `make` extracted;
   each output pinned by sha256.

Everything goes into the git-ignored vendor folder the web app serves; nothing is
downloaded at run time. Idempotent (`movenet/MANIFEST.json`), a mismatch is an error.

    .venv/bin/python scripts/vendor_movenet.py [--dest DIR] [--check]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import npm_vendor
from npm_vendor import VendorError, digest

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "src" / "backbuddy" / "web" / "static" / "vendor"
MODEL = ROOT / "src" / "backbuddy" / "data" / "models" / "movenet_multipose_lightning.tflite"
MODEL_SHA256 = "d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd"

VERSION = "2.5.3"
LICENSE = "Apache-2.0"
#: package → (tarball sha256, {file in the tarball: sha256 as vendored})
PACKAGES = {
    "@litertjs/core": (
        "a97660833e9e7e1063c95e12016718881240b14f7438728a2f62785e912d30fd",
        {
            # with its import of @litertjs/wasm-utils made relative (see IMPORT_FROM)
            "dist/index.js": "f8c39ae2d1675c6829430dd72074497dc12faf513ca4618c5cb32ea8afc10490",
            "wasm/litert_wasm_internal.js": (
                "68efb69f770e3f76aff36a377de629ca496c131b86ac0f0f4b592a1543a898eb"
            ),
            "wasm/litert_wasm_internal.wasm": (
                "7280cf4471774867e385e6c3cd53e2b45e2975b80fea338fff4ef359b0865614"
            ),
            "wasm/litert_wasm_compat_internal.js": (
                "4d8f894b7883654fd6e8439730aa41e79ceaab7d19184fc4f1f0b0f1a2a2c8a5"
            ),
            "wasm/litert_wasm_compat_internal.wasm": (
                "5255c8ad06eabdbd2522cdebf6b22fc10faf74625c23a49b9e072570cd1fa41c"
            ),
            "package.json": "1ba6b1c4b25c061cf97876e4846be92f8dfe312d2f78d82ee3ee92ab45c80987",
        },
    ),
    "@litertjs/wasm-utils": (
        "ce2a1f8379c067be49e59752e5a7f40db6be09f6e497f0f11e59f17b515366a7",
        {
            "dist/index.js": "e0e20bc28ab001ac732cf40d15b6eebd24fb0deaeb95eeba5100f51eebf015f2",
            "package.json": "ae611a4748709d61321ab658619617ba5a82212463b2f07a9aea2ad179e34ded",
        },
    ),
}
IMPORT_FROM = ('from "@litertjs/wasm-utils"', 'from "../../wasm-utils/dist/index.js"')
#: (width, height) of MoveNet's input → sha256 of the fixed-shape file: the server's own
#: sizes (long side 384, the short side rounded up to 32) for 16:9, 4:3 and square cameras.
SHAPES = {
    (224, 384): "256ca8798180f560be34e9d51ad4e039d5f0c3209fd8a28ee77b56cbe343b4f5",
    (384, 224): "37638a34bbb41de6698e03dc294b73779d48f15ed0dc327657b3ca51d557bd3e",
    (288, 384): "d0024c9aa8ff1db4a0641131069f8572b291a34af06d79316559b92207c43b00",
    (384, 288): "e568d8947a51abe4ad4e86e3650919710efca9970f0f0907ea8270af4e9dfdbe",
    (384, 384): "4190f483e4f2a619bdcc199b192050feb0bb3ea8a17a8c3079ba590db2c3b7dd",
}

NOTICE = f"""# Vendored by scripts/vendor_movenet.py: do not edit, not in git

* `litertjs/core/`, `litertjs/wasm-utils/`: npm `@litertjs/core@{VERSION}` and
  `@litertjs/wasm-utils@{VERSION}` ({LICENSE}, Copyright Google LLC), unchanged but for
  core's import of wasm-utils, made a relative path.
* `movenet/movenet_WxH.tflite`: Google's MoveNet MultiPose Lightning ({LICENSE}), the file
  `make` extracted (`backbuddy/data/models/`, see its notices there), with only its input
  tensor's shape set to 1 × H × W × 3 (`backbuddy.adapters.movenet_shape`).

`movenet/MANIFEST.json` lists every file with its sha256.
"""


def model_name(width: int, height: int) -> str:
    return f"movenet/movenet_{width}x{height}.tflite"


def expected() -> dict[str, str]:
    """Every vendored file (relative to the vendor folder) → its pinned sha256."""
    files = {
        f"litertjs/{package.split('/')[1]}/{name}": sha
        for package, (_, members) in PACKAGES.items()
        for name, sha in members.items()
    }
    files.update({model_name(w, h): sha for (w, h), sha in SHAPES.items()})
    return files


def manifest() -> dict[str, object]:
    return {
        "npm": dict.fromkeys(PACKAGES, VERSION),
        "license": LICENSE,
        "model_sha256": MODEL_SHA256,
        "shapes": [list(s) for s in SHAPES],
        "files": expected(),
    }


def up_to_date(dest: Path) -> bool:
    return npm_vendor.up_to_date(dest, dest / "movenet" / "MANIFEST.json", manifest(), expected())


def relative_import(name: str, data: bytes) -> bytes:
    """core's bare import of wasm-utils made a relative path (a worker has no import map)."""
    if name != "dist/index.js":
        return data
    text = data.decode()
    if text.count(IMPORT_FROM[0]) != 1:
        raise VendorError(f"@litertjs/core: {name} does not import wasm-utils once")
    return text.replace(*IMPORT_FROM).encode()


def unpack(package: str, tarball: Path, dest: Path) -> None:
    """Only the pinned members, each checked, under dest/litertjs/<name>/."""
    short = package.split("/")[1]
    change = relative_import if package == "@litertjs/core" else lambda _n, data: data
    for name, data in npm_vendor.members(package, tarball, PACKAGES[package][1], change):
        npm_vendor.write(dest / "litertjs" / short / name, data)


def build_models(dest: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from backbuddy.adapters.movenet_shape import fixed_shape

    if not MODEL.is_file() or digest(MODEL.read_bytes()) != MODEL_SHA256:
        raise VendorError(
            f"{MODEL} is missing or not the pinned file: run scripts/fetch_movenet.py"
        )
    model = MODEL.read_bytes()
    for (w, h), sha in SHAPES.items():
        data = fixed_shape(model, w, h)
        if digest(data) != sha:
            raise VendorError(f"{model_name(w, h)}: sha256 {digest(data)} is not the pinned one")
        npm_vendor.write(dest / model_name(w, h), data)


def vendor(dest: Path) -> str:
    if up_to_date(dest):
        return "up to date"
    build_models(dest)
    with tempfile.TemporaryDirectory() as tmp:
        for package, (tarball_sha, _) in PACKAGES.items():
            unpack(package, npm_vendor.fetch(package, VERSION, tarball_sha, Path(tmp)), dest)
    (dest / "litertjs" / "README.md").write_text(NOTICE)
    (dest / "movenet" / "README.md").write_text(NOTICE)
    (dest / "movenet" / "MANIFEST.json").write_text(json.dumps(manifest(), indent=2) + "\n")
    return "vendored"


def main() -> int:
    return npm_vendor.run(
        "vendor_movenet",
        __doc__.splitlines()[0],
        DEST,
        up_to_date,
        vendor,
        lambda dest: dest / "movenet" / "MANIFEST.json",
        f"page people detector (@litertjs {VERSION} + MoveNet, {len(SHAPES)} shapes)",
    )


if __name__ == "__main__":
    sys.exit(main())
