"""Orchestration over ports: screening flow, the session runner, analysis."""
