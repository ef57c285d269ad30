"""Print the requirements of one extra of pyproject.toml, self-references resolved.

Container builds install these in a layer of their own, before the code is copied.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def requirements(extra: str, project: dict) -> list[str]:
    found = list(project["dependencies"]) if extra == "core" else []
    for requirement in project["optional-dependencies"][extra]:
        own = re.fullmatch(r"shelfwise\[(.+)\]", requirement)
        if own:
            for name in own.group(1).split(","):
                found += requirements(name.strip(), project)
        else:
            found.append(requirement)
    return found


def main() -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + requirements(sys.argv[1], project)
    print("\n".join(dict.fromkeys(wanted)))


if __name__ == "__main__":
    main()
