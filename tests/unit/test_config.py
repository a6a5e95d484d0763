"""Settings may tighten safety and never loosen it; the data lives where a user expects."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from backbuddy.config import SettingsError, load_settings
from backbuddy.domain import techniques as tech


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BACKBUDDY_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(platformdirs, "user_data_path", lambda app: tmp_path / "data" / app)


def test_defaults_keep_data_in_the_user_data_folder_without_creating_it(tmp_path: Path) -> None:
    settings = load_settings()

    expected = tmp_path / "data" / "backbuddy" / "backbuddy.sqlite3"
    assert settings.db == f"sqlite:///{expected}"
    assert not expected.parent.exists()
    assert (settings.host, settings.port, settings.screening_valid_hours) == ("127.0.0.1", 8000, 2)
    assert settings.overrides() == {}


def test_the_database_comes_from_the_environment_as_a_url_or_a_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKBUDDY_DB", "postgresql+psycopg://me@db.local/backbuddy")
    assert load_settings().db == "postgresql+psycopg://me@db.local/backbuddy"

    monkeypatch.setenv("BACKBUDDY_DB", str(tmp_path / "mine.sqlite3"))
    assert load_settings().db == f"sqlite:///{tmp_path / 'mine.sqlite3'}"
    assert load_settings(db="other.sqlite3").db.endswith("/other.sqlite3")


def test_a_screening_may_be_valid_for_less_time_but_not_more() -> None:
    assert load_settings(screening_valid_hours=0.5).screening_valid_hours == 0.5

    with pytest.raises(SettingsError, match=r"BACKBUDDY_SCREENING_VALID_HOURS.*at most 2 h"):
        load_settings(screening_valid_hours=3)


def test_limits_may_be_tightened_for_every_technique() -> None:
    settings = load_settings(hard_speed_deg_s=15, attempts=2, pop_rest_min=30)

    for technique in tech.load_all().values():
        limits = settings.limits_for(technique)
        assert limits.hard_speed_deg_s == 15
        assert limits.attempts == 2
        assert limits.pop_rest_min == 30
        assert limits.max_range_deg == technique.limits.max_range_deg


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("hard_speed_deg_s", 90),
        ("gentle_speed_deg_s", 25),
        ("max_range_deg", 40),
        ("attempts", 4),
        ("pop_rest_min", 5),
    ],
)
def test_a_limit_that_would_loosen_safety_is_refused(setting: str, value: float) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**{setting: value})
    message = str(caught.value)
    assert f"BACKBUDDY_{setting.upper()}={value:g} would loosen safety" in message
    assert "seated_hug_extension" in message


def test_a_hard_limit_below_the_gentle_speed_says_what_to_lower_too() -> None:
    with pytest.raises(SettingsError, match="lower BACKBUDDY_GENTLE_SPEED_DEG_S"):
        load_settings(hard_speed_deg_s=5)
    assert load_settings(hard_speed_deg_s=5, gentle_speed_deg_s=3).hard_speed_deg_s == 5


def test_listening_beyond_this_machine_needs_a_token() -> None:
    with pytest.raises(SettingsError, match="BACKBUDDY_TOKEN"):
        load_settings(host="0.0.0.0")
    assert load_settings(host="0.0.0.0", token="a-long-secret").host == "0.0.0.0"
    assert load_settings(host="::1").host == "::1"


def test_a_malformed_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKBUDDY_PORT", "eighty")
    with pytest.raises(SettingsError, match="BACKBUDDY_PORT"):
        load_settings()


def test_the_two_person_step_is_on_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().two_person is True
    monkeypatch.setenv("BACKBUDDY_TWO_PERSON", "false")
    assert load_settings().two_person is False
    monkeypatch.setenv("BACKBUDDY_TWO_PERSON", "maybe")
    with pytest.raises(SettingsError, match="BACKBUDDY_TWO_PERSON"):
        load_settings()
