"""Typed dependencies for routes: `RegistryDep`, `StoreDep`, `SettingsDep`, `TemplatesDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from backbuddy.config import Settings
from backbuddy.domain.ports import HistoryStore
from backbuddy.web.registry import Registry


def get_registry(conn: HTTPConnection) -> Registry:
    registry: Registry = conn.app.state.registry
    return registry


def get_store(conn: HTTPConnection) -> HistoryStore:
    return get_registry(conn).store


def get_settings(conn: HTTPConnection) -> Settings:
    return get_registry(conn).settings


def get_templates(conn: HTTPConnection) -> Jinja2Templates:
    templates: Jinja2Templates = conn.app.state.templates
    return templates


RegistryDep = Annotated[Registry, Depends(get_registry)]
StoreDep = Annotated[HistoryStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
