"""What the pair reads before the first attempt and on the "Learn more" page, as data.

`data/learn.yaml` holds plain-words points, each with the guide sentence it comes from
(`source`, quoted verbatim: a test checks it) and, where backbuddy says more than the
guide, the `basis` for it. A malformed file fails with its path and field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backbuddy.domain.errors import DefinitionError


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Point(_Model):
    """One thing to know, in plain words, traceable to the guide."""

    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    basis: str | None = None

    def said(self, rest_min: float) -> str:
        """The text with the region's rest after a pop filled in (whole minutes)."""
        return self.text.replace("{rest_min}", f"{rest_min:g}")


class Topic(_Model):
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    points: tuple[Point, ...] = Field(min_length=1)


class Learn(_Model):
    pop: Topic


def default_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "learn.yaml"


def load(path: Path | None = None) -> Learn:
    """Load the learn file (parsed once per path); problems name the file and field."""
    return _load(path or default_path())


@lru_cache(maxsize=4)
def _load(path: Path) -> Learn:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DefinitionError(f"{path}: cannot read the learn file ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise DefinitionError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: the learn file must be a mapping of topics")
    try:
        return Learn.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise DefinitionError(f"{path}: field {field}: {first['msg']}") from None
