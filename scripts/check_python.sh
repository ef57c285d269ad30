#!/usr/bin/env bash
# Before anything is installed: the Python that will make .venv is 3.11 or newer and has
# the venv module (Debian and Ubuntu ship it apart, as pythonX.Y-venv); else say what to install.
python="${1:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "Shelfwise needs Python 3.11 or newer, and '$python' was not found." >&2
    echo "Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python@3.11)," >&2
    echo "or name one: make run PYTHON=/path/to/python3.11" >&2
    exit 1
fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
major=${version%%.*}
minor=${version#*.}
if [ -z "$version" ] || [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 11 ]; }; then
    echo "Shelfwise needs Python 3.11 or newer; '$python' is ${version:-unknown}." >&2
    echo "Install it (Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv; macOS: brew install python@3.11)," >&2
    echo "then: make run PYTHON=python3.11" >&2
    exit 1
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "'$python' (Python $version) lacks the venv module." >&2
    echo "Install it (Debian/Ubuntu: sudo apt-get install python$version-venv), then run make again." >&2
    exit 1
fi
