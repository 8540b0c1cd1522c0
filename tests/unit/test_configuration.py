"""Configuration precedence (issue 12): a variable set in the environment beats .env and the defaults.

Before, make's own assignments from .env.example silently replaced it (``RASA_API_TOKEN=x make up``
ran with the published default token).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_value(name: str, **environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in (name, "MAKEFLAGS", "MAKELEVEL")} | environment
    done = subprocess.run(["make", "-s", f"config-{name}"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_environment_beats_the_documented_default() -> None:
    assert _make_value("RASA_API_TOKEN", RASA_API_TOKEN="set-by-the-deployer") == "set-by-the-deployer"
    assert _make_value("RASA_PORT", RASA_PORT="5999") == "5999"


def _configured(name: str) -> str:
    """The value .env gives ``name``, else .env.example's."""
    value = ""
    for file in (ROOT / ".env.example", ROOT / ".env"):
        if file.exists():
            for line in file.read_text(encoding="utf-8").splitlines():
                if line.startswith(f"{name}="):
                    value = line.split("=", 1)[1].strip()
    return value


def test_without_it_the_configured_value_holds() -> None:
    assert _make_value("RASA_PORT") == _configured("RASA_PORT") == (_configured("RASA_PORT") or "5005")
