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


def test_the_api_token_is_generated_once_into_an_owner_only_env_file(tmp_path: Path) -> None:
    """Issue 12: no published default token; the first make run writes a random one into .env (0600)."""
    import shutil

    for name in ("Makefile", ".env.example"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "MAKEFLAGS", "MAKELEVEL")}

    def token() -> str:
        done = subprocess.run(["make", "-s", "config-RASA_API_TOKEN"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    first = token()
    assert len(first) >= 32 and first != "dev-token-change-me"
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0
    assert token() == first  # made once, then read back


def test_the_open_rest_channel_is_off_in_a_deployment(monkeypatch, tmp_path: Path) -> None:
    """Issue 12: with a messaging channel configured, only the relays' secret-checked channel is served."""
    from bot.stack import Stack

    for name in ("REST_CHANNEL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert Stack(var_dir=tmp_path).credentials == "credentials.yml"  # a local run: the terminal chat works
    deployment = Stack(var_dir=tmp_path, env={"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert deployment.credentials == "credentials.deploy.yml"
    assert Stack(var_dir=tmp_path, env={"TELEGRAM_BOT_TOKEN": "123:abc", "REST_CHANNEL": "on"}).rest_channel
    assert not Stack(var_dir=tmp_path, env={"REST_CHANNEL": "off"}).rest_channel
    deploy = yaml_channels(ROOT / "credentials.deploy.yml")
    assert "bot.channels.LocalRestInput" not in deploy and "rest" not in deploy and "bot.channels.RelayInput" in deploy


def yaml_channels(path: Path) -> set[str]:
    """The channel names a credentials file configures."""
    import yaml

    return set((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).keys())
