"""The repository explains itself: every link and every file path named in README.md and
docs/ resolves inside a fresh clone, and docs/architecture.md names every top-level package.

A path in backquotes counts when it looks like a file (`dir/name.ext`); it may be
relative to the repository, to `src/backbuddy/`, or to the page itself, and may be a glob.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "backbuddy"
PAGES = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
#: Files that `make` writes and git ignores: named in the docs, absent from a clone until made.
GENERATED = frozenset({"bench/results.json"})
CODE_PATH = re.compile(r"`([\w.*/-]+/[\w.*-]+\.(?:py|md|yaml|yml|json|js|html|css|toml|csv|j2))`")


def _resolves(target: str, page: Path) -> bool:
    target = target.split("#", 1)[0]
    if not target or target in GENERATED:
        return True
    for root in (page.parent, REPO, PACKAGE):
        if any(root.glob(target)) if "*" in target else (root / target).exists():
            return True
    return False


def _targets(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    links = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    return links + CODE_PATH.findall(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_link_and_path_on_the_page_resolves_in_the_repository(page):
    missing = [t for t in _targets(page) if not _resolves(t, page)]
    assert missing == [], f"{page.name} names files that are not in the repository"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_page_sends_readers_outside_the_repository(page):
    assert "../shared" not in page.read_text(encoding="utf-8")


def _top_level() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    names |= {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("_")}
    return {f"backbuddy.{n}" for n in names}


def test_the_architecture_page_names_every_top_level_package_and_no_other():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| [^|]+ \| `(backbuddy\.\w+)` \|", text, flags=re.M))
    assert rows == _top_level()
