"""The README documents every setting, and .env.example those compose passes on."""

from __future__ import annotations

from pathlib import Path

from common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    """In the README's table, or in the docs page of the part it configures."""
    text = (ROOT / "README.md").read_text()
    text += "".join(page.read_text() for page in sorted((ROOT / "docs").glob("*.md")))
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in text]
    assert missing == []


def test_readme_shows_the_two_commands_and_a_curl() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme and "curl " in readme


def test_env_example_variables_are_settings_or_compose_values() -> None:
    compose_only = {"POSTGRES_PASSWORD", "GRAFANA_ADMIN_USER", "GRAFANA_ADMIN_PASSWORD"}
    compose_only |= {"GRAFANA_PORT", "PROMETHEUS_PORT", "PROMETHEUS_RETENTION"}
    known = {name.upper() for name in Settings.model_fields} | compose_only
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert names and set(names) <= known
