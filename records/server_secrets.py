"""Secrets the servers share with each other, made once per machine and kept readable by the owner only.

A deployer may set one in the environment (or ``.env``); otherwise it is generated on first start into
``var/secrets/<name>`` (directory 0700, file 0600), so nothing ever runs on a fixed, published default.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_LENGTH = 32  # characters of a secret given in the environment


def shared_secret(name: str, var_dir: Path, environment: dict[str, str] | None = None) -> str:
    """The secret ``name`` (e.g. ``ACTION_SERVER_TOKEN``): from the environment, else the file, else a new one.

    A value in the environment shorter than ``MIN_LENGTH`` is refused: a guessable secret is worse than none.
    """
    given = (environment if environment is not None else os.environ).get(name, "")
    if given:
        if len(given) < MIN_LENGTH:
            raise ValueError(f"{name} must be at least {MIN_LENGTH} characters (unset it to have one generated)")
        return given
    folder = var_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / name.lower()
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value)
    return value
