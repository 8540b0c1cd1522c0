"""How the app's own clients authenticate to Rasa's HTTP API: a short-lived JWT in a header (app runtime).

Rasa's ``--auth-token`` is only read from the URL's query string, where proxies and access logs keep it.
Rasa also accepts a JWT in ``Authorization: Bearer …`` when it is started with ``--jwt-secret``
(``bot/rasa_server.py`` does, with ``RASA_JWT_SECRET``): the relays, benchmarks and tests send that, signed
with a secret that never leaves the machine and valid for minutes, so nothing reusable travels in a URL.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import jwt

from records.server_secrets import shared_secret

SECRET_NAME = "RASA_JWT_SECRET"
ALGORITHM = "HS256"
LIFETIME_SECONDS = 600
# Rasa's scopes: role "admin" may read and change any conversation (the relays pause and resume users').
ADMIN = {"username": "hutong-app", "role": "admin"}
VAR_DIR = Path(__file__).resolve().parent.parent / "var"


def jwt_secret(var_dir: Path = VAR_DIR) -> str:
    """The key Rasa checks JWTs with: the environment's, else this installation's (``var/secrets``)."""
    return os.environ.get(SECRET_NAME) or shared_secret(SECRET_NAME, var_dir)


def api_headers(secret: str | None = None, now: float | None = None) -> dict[str, str]:
    """Headers that let this process call Rasa's HTTP API for the next ``LIFETIME_SECONDS``."""
    issued = int(now if now is not None else time.time())
    token = jwt.encode({"user": ADMIN, "iat": issued, "exp": issued + LIFETIME_SECONDS},
                       secret or jwt_secret(), algorithm=ALGORITHM)
    return {"Authorization": f"Bearer {token}"}
