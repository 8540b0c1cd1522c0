"""Rasa's own command line, run with the HTTP API token taken from the environment (rasa runtime).

``rasa run --auth-token <token>`` puts the token on the command line, where any local user can read it
in ``/proc/<pid>/cmdline``. This launcher is started without it and adds ``RASA_API_TOKEN`` to the
arguments inside the process, which the kernel's copy of the command line never shows. The same for
``RASA_JWT_SECRET``, the key of the short-lived tokens the app's own clients send in a header
(``bot/rasa_auth.py``), so they never put the API token in a URL.
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.get("RASA_API_TOKEN", "")
    if not token:
        sys.exit("RASA_API_TOKEN is not set: the HTTP API is never started without a token.")
    sys.argv = ["rasa", *sys.argv[1:], "--auth-token", token]
    jwt_secret = os.environ.get("RASA_JWT_SECRET", "")
    if jwt_secret:
        sys.argv += ["--jwt-secret", jwt_secret, "--jwt-method", "HS256"]
    from rasa.__main__ import main as rasa_main  # imported late: it takes seconds and reads sys.argv

    rasa_main()


if __name__ == "__main__":
    main()
