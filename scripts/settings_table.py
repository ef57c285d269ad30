"""Print the README's table of environment variables from ``common.settings``."""

from __future__ import annotations

from pathlib import Path

from common.settings import ROOT, Settings


def _default(value: object) -> str:
    if value is None or value == "":
        return "(unset)"
    if isinstance(value, Path):
        try:
            return f"`{value.relative_to(ROOT)}`"
        except ValueError:
            return "shared data if present, else `data/`"
    return f"`{value}`"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        rows.append(f"| `{name.upper()}` | {_default(default)} | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
