"""backbuddy: a careful coach for partner-assisted back mobility."""

__version__ = "0.1.0"
