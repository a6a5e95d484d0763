"""Suite-wide settings: hypothesis is derandomised in CI so a run is repeatable; app servers
are forked (tests/support/servers.py); `--dist loadgroup` groups (tests/support/xdist_groups.py).

Rich consoles read COLUMNS when they are built (at import), so it is fixed here,
before any backbuddy module loads: output wraps the same on every machine.
"""

import os

os.environ["COLUMNS"] = "200"

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Each test's app server is its own process, forked from one that imported the app once
# (tests/support/servers.py): the imports were most of a start.
from tests.support import servers  # noqa: E402

servers.FORKED = True

# A socket test waits at most `RECEIVE_DEADLINE_S` for a message, never for ever.
from tests.support import socket_deadline  # noqa: E402

socket_deadline.install()

# `xdist_group` marks keep their tests on one worker again under pytest 9.2 (the hook's
# docstring says why they did not).
from tests.support.xdist_groups import pytest_collection_modifyitems  # noqa: E402, F401
