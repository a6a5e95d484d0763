"""What the install-time vendor scripts share (`vendor_pose.py`, `vendor_movenet.py`): fetch
a pinned npm tarball by URL (no npm needed), take only its pinned members, say whether a
vendored folder still matches its manifest, and the command line both scripts have.

Every byte is checked against a sha256 pinned in the calling script; a mismatch is a
`VendorError` naming the file, which `run` turns into one line and exit status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path


class VendorError(Exception):
    """Something to vendor is missing or is not what was pinned."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tarball_url(package: str, version: str) -> str:
    """The tarball `npm pack` would fetch, straight from the registry."""
    return f"https://registry.npmjs.org/{package}/-/{package.split('/')[1]}-{version}.tgz"


def fetch(package: str, version: str, sha256: str, workdir: Path, timeout: float = 180) -> Path:
    """The pinned tarball in workdir, checked; a fresh machine needs Python only, not npm."""
    url = tarball_url(package, version)
    tarball = workdir / f"{package.split('/')[1]}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            tarball.write_bytes(response.read())
    except (OSError, urllib.error.URLError) as exc:
        raise VendorError(f"could not fetch {url} (make needs the network once): {exc}") from exc
    if file_digest(tarball) != sha256:
        raise VendorError(f"{tarball.name}: not the pinned tarball (sha256 differs)")
    return tarball


def members(
    package: str,
    tarball: Path,
    pinned: Mapping[str, str],
    change: Callable[[str, bytes], bytes] = lambda _name, data: data,
) -> Iterator[tuple[str, bytes]]:
    """Each pinned `package/<name>` as (name, bytes), after `change`, checked against its pin."""
    with tarfile.open(tarball, "r:gz") as tar:
        for name, sha in pinned.items():
            member = tar.getmember(f"package/{name}")
            if not member.isfile():
                raise VendorError(f"{package}: package/{name} is not a regular file")
            source = tar.extractfile(member)
            assert source is not None
            data = change(name, source.read())
            if digest(data) != sha:
                raise VendorError(f"{package}: package/{name} is not the pinned file")
            yield name, data


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def up_to_date(dest: Path, manifest_file: Path, manifest: object, files: Mapping[str, str]) -> bool:
    """The manifest written last time is this one and every file still has its pinned hash."""
    try:
        if json.loads(manifest_file.read_text()) != manifest:
            return False
    except (OSError, ValueError):
        return False
    return all((dest / n).is_file() and file_digest(dest / n) == s for n, s in files.items())


def run(
    name: str,
    description: str,
    default_dest: Path,
    check: Callable[[Path], bool],
    vendor: Callable[[Path], str],
    stamp: Callable[[Path], Path],
    said: str,
) -> int:
    """The command line both scripts have: `[--dest DIR] [--check]`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dest", type=Path, default=default_dest)
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    args = parser.parse_args()
    if args.check:
        ok = check(args.dest)
        print(f"{args.dest}: {'up to date' if ok else 'missing or changed'}")
        return 0 if ok else 1
    try:
        what = vendor(args.dest)
    except VendorError as err:
        print(f"{name}: {err}", file=sys.stderr)
        return 1
    stamp(args.dest).touch()  # make sees it newer than the script
    print(f"{said}: {what}")
    return 0
