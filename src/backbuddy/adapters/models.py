"""Where the pinned model files are installed, checked against their pins before use.

The models ship inside wheels that `make` installs (data/audio.yaml names package,
version, file and sha256); nothing is downloaded, ever. A file that is missing or
whose bytes differ from the pin raises ModelMissing with the package to reinstall.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sysconfig
from functools import cache
from pathlib import Path

from backbuddy.audio.config import ModelPin
from backbuddy.audio.config import load as load_config
from backbuddy.audio.errors import ModelMissing

__all__ = ["ModelMissing", "locate", "sha256", "verified"]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(pin: ModelPin) -> Path:
    """The installed file of `pin`; raises ModelMissing naming the wheel when it is absent."""
    try:
        version = importlib.metadata.version(pin.package)
    except importlib.metadata.PackageNotFoundError:
        version = None
    path = Path(sysconfig.get_paths()["purelib"]) / pin.file
    if version != pin.version or not path.is_file():
        found = "not installed" if version is None else f"version {version} installed"
        raise ModelMissing(
            f"{pin.file} is missing: it ships in {pin.package}=={pin.version} ({found}); "
            "run `make` to install it"
        )
    return path


@cache
def verified(name: str) -> Path:
    """The pinned model `name` (vad, words, voice), its sha256 checked once per process."""
    pin = load_config().models[name]
    path = locate(pin)
    if sha256(path) != pin.sha256:
        raise ModelMissing(
            f"{path} is not the pinned file (sha256 differs); reinstall {pin.package}"
        )
    return path
