"""Named, seeded synthetic receivers (tests/fixtures/poses.py) and the two techniques."""

from __future__ import annotations

import pytest
from tests.fixtures import poses

from backbuddy.domain import techniques as tech
from backbuddy.domain.techniques import Technique


@pytest.fixture(scope="session")
def hug() -> Technique:
    return tech.get("seated_hug_extension")


@pytest.fixture(scope="session")
def lying() -> Technique:
    return tech.get("side_lying_rotation")


@pytest.fixture(scope="session")
def slow_extension_5deg_s() -> poses.Scenario:
    return poses.rotation(5.0)


@pytest.fixture(scope="session")
def slow_extension_10deg_s() -> poses.Scenario:
    return poses.rotation(10.0)


@pytest.fixture(scope="session")
def fast_extension_40deg_s() -> poses.Scenario:
    return poses.rotation(40.0)


@pytest.fixture(scope="session")
def jerk_at_3s() -> poses.Scenario:
    return poses.jerk(base=5.0, step=20.0, at_s=3.0)


@pytest.fixture(scope="session")
def twist_10deg_s() -> poses.Scenario:
    return poses.twist(10.0)
