"""The action server: rasa_sdk's own app on loopback, answering only calls that carry the shared token.

Rasa sends the token in the ``X-Action-Token`` header (``endpoints.yml``); any other caller — a local
process, a request smuggled into loopback — gets 403 and runs no action, so nobody can ask for a
director's work list or erase someone's data by posting to ``:5055/webhook`` with a sender id of their choosing.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os

from rasa_sdk import utils
from rasa_sdk.constants import DEFAULT_KEEP_ALIVE_TIMEOUT
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Refuse every call but the health check unless it carries ``token`` (all of them when it is empty)."""
    expected = token.encode()

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "").encode()
        if expected and hmac.compare_digest(given, expected):
            return None
        logger.warning("refused a call to %s without the shared token", request.path)
        return response.json({"error": "forbidden"}, status=403)


def build_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa_sdk's app for ``actions_package``, no CORS (only Rasa calls it), behind the token check."""
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app = create_app(executor, cors_origins="")
    require_token(app, token)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--loglevel", default="WARNING")
    args = parser.parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if not token:
        logger.error("ACTION_SERVER_TOKEN is not set: every action call will be refused")
    app = build_app(token)
    app.config.REQUEST_MAX_SIZE = 16 * 1024 * 1024  # a long conversation's tracker, not more
    # As rasa_sdk's own server: Rasa keeps its connection open between calls, and one closed under it after
    # Sanic's default 5 s loses that turn's reply ("Cannot write to closing transport").
    app.config.KEEP_ALIVE_TIMEOUT = DEFAULT_KEEP_ALIVE_TIMEOUT
    app.run(host="127.0.0.1", port=args.port, workers=1, access_log=False, legacy=True)


if __name__ == "__main__":
    main()
