"""The safety core: pure stdlib + pydantic, no I/O, no clock, no numpy."""
