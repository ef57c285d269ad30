"""What ``make run`` does before anything starts: the Python check, its settings file, the
supervisor's configuration."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest

from scripts.run_local import local_environment, procfile, supervisor_config

ROOT = Path(__file__).resolve().parents[1]


def fake_python(tmp_path: Path, version: str, has_venv: bool = True) -> str:
    """An interpreter that reports ``version`` and may lack the venv module."""
    script = tmp_path / f"python{version}"
    venv = "exit 0" if has_venv else "exit 1"
    script.write_text(
        f'#!/bin/sh\ncase "$2" in *version_info*) echo {version};; *) {venv};; esac\n'
    )
    script.chmod(0o755)
    return str(script)


def check(python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "check_python.sh"), python],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_an_old_python_is_refused_with_what_to_install(tmp_path: Path) -> None:
    result = check(fake_python(tmp_path, "3.10"))
    assert result.returncode == 1
    assert "Shelfwise needs Python 3.11 or newer;" in result.stderr and "is 3.10." in result.stderr
    assert "sudo apt-get install python3.11 python3.11-venv" in result.stderr


def test_a_python_without_venv_is_refused_with_the_package_to_install(tmp_path: Path) -> None:
    result = check(fake_python(tmp_path, "3.12", has_venv=False))
    assert result.returncode == 1
    assert "lacks the venv module" in result.stderr
    assert "sudo apt-get install python3.12-venv" in result.stderr


def test_a_missing_python_is_named(tmp_path: Path) -> None:
    result = check(str(tmp_path / "no-such-python"))
    assert result.returncode == 1 and "was not found" in result.stderr


def test_this_python_passes() -> None:
    import sys

    result = check(sys.executable)
    assert result.returncode == 0, result.stderr


def test_the_local_runner_reads_env_local_and_never_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("INFERENCE_LOCK=/lock/inference.lock\n")
    (tmp_path / ".env.local").write_text("MODEL_WORKERS=3\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")  # the shell wins over the file
    monkeypatch.delenv("MODEL_WORKERS", raising=False)
    monkeypatch.delenv("INFERENCE_LOCK", raising=False)
    env = local_environment(tmp_path / ".env.local")
    assert env["MODEL_WORKERS"] == "3" and env["LOG_LEVEL"] == "WARNING"
    assert "INFERENCE_LOCK" not in env
    assert local_environment(tmp_path / "absent")["PATH"].split(":")[0].endswith("bin")


def test_supervisor_runs_every_procfile_process_and_restarts_them(tmp_path: Path) -> None:
    env = local_environment(tmp_path / "absent")
    parser = configparser.RawConfigParser()
    parser.read_string(supervisor_config(tmp_path / "run", env, 3, redis_port=6399))
    programs = {s.removeprefix("program:") for s in parser.sections() if s.startswith("program:")}
    assert programs == set(procfile()) | {"redis"}
    assert set(procfile()) == {"api", "model", "trainer", "frontend"}
    assert parser.get("program:model", "numprocs") == "3"
    for name in programs:
        assert parser.get(f"program:{name}", "autorestart") == "true"
        assert parser.get(f"program:{name}", "stopasgroup") == "true"
    assert "--port 6399" in parser.get("program:redis", "command")
    # Redis is started first and stopped last.
    assert int(parser.get("program:redis", "priority")) < 999
