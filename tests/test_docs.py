"""The docs: a short README, links that resolve, the generated settings table up to date,
and .env.example naming only settings and compose values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.settings import Settings
from scripts import settings_table

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 250
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings."""
    found = set()
    in_code = False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_readme_fits_on_a_few_screens() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README has {len(lines)} lines; move detail to docs/"


def test_readme_shows_the_two_commands_a_curl_and_the_first_admin() -> None:
    readme = README.read_text()
    assert "make run" in readme and "make test" in readme and "curl " in readme
    assert ".venv/bin/python -m api create-admin" in readme
    assert "import requests" in readme


def test_the_readme_diagram_batches_as_the_workers_do() -> None:
    diagram = README.read_text().split("```", 2)[1]
    counts = re.findall(r"COUNT (\d+)", diagram)
    assert counts == [str(Settings.model_fields["max_batch"].default)]


def test_docs_has_an_index_linking_every_page() -> None:
    index = ROOT / "docs" / "README.md"
    linked = {target.split("#")[0] for target in links(index)}
    assert {page.name for page in DOCS if page != index} <= linked


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert broken == []


def test_the_link_check_would_catch_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n[gone](missing.md) [here](#title) [nowhere](#other)\n")
    targets = links(page)
    assert targets == ["missing.md", "#title", "#other"]
    assert "title" in anchors(page) and "other" not in anchors(page)


def test_settings_table_is_generated_from_the_settings() -> None:
    page = settings_table.in_page(settings_table.PAGE.read_text())
    assert page == settings_table.table(), "run: python -m scripts.settings_table --write"
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in page]
    assert missing == []


def test_env_example_variables_are_settings_or_compose_values() -> None:
    compose_only = {"POSTGRES_PASSWORD", "GRAFANA_ADMIN_USER", "GRAFANA_ADMIN_PASSWORD"}
    compose_only |= {"GRAFANA_PORT", "PROMETHEUS_PORT", "PROMETHEUS_RETENTION"}
    compose_only |= {"BASE_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE"}
    known = {name.upper() for name in Settings.model_fields} | compose_only
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert names and set(names) <= known
