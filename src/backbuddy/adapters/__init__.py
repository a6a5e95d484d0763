"""Adapters: the only real I/O (database, camera, video, speech); they never decide safety."""
