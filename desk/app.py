"""The desk's ASGI app: its pages, its own static files (no CDN), security headers, Chinese error pages."""
from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desk.accounts import DeskUser
from desk.config import DeskSettings
from desk.pages import auth, dashboard, inbox, knowledge, records
from desk.web import HERE, page, redirect, render

logger = logging.getLogger(__name__)

ERRORS = {400: "请求有误。", 401: "请先登录。", 403: "页面已过期或请求不完整，请刷新后再试。",
          404: "没有找到这个页面，或者您没有查看它的权限。", 405: "不支持这个操作。",
          413: "上传的内容太大了。", 429: "操作太频繁了，请稍后再试。", 500: "系统出了点问题，已经记录下来。请稍后再试。"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MAX_BODY = 30 * 1024 * 1024  # the largest upload (a policy PDF)


class SecurityHeaders:
    """Headers on every response, and a cap on request bodies (pure ASGI: streaming untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            await PlainTextResponse(ERRORS[413], status_code=413)(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
            await send(message)

        await self.app(scope, receive, with_headers)


async def _error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 500:
        logger.error("a desk page failed: %s", type(error).__name__, exc_info=error)
    if request.headers.get("HX-Request"):
        return PlainTextResponse(ERRORS.get(status, ERRORS[400]), status_code=status)
    return render(request, "error.html", status_code=status, message=ERRORS.get(status, ERRORS[400]), status=status)


@page()
async def home(request: Request, user: DeskUser) -> Response:
    """Where a signed-in user starts: the inbox."""
    return redirect(request, "/inbox")


async def health(_request: Request) -> Response:
    """For the stack's start-up check."""
    return PlainTextResponse("ok")


def create_app(settings: DeskSettings | None = None) -> Starlette:
    """The desk app with ``settings`` (default: from the environment)."""
    routes = [Route("/", home), Route("/healthz", health),
              Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
              *auth.routes, *inbox.routes, *records.routes, *knowledge.routes, *dashboard.routes]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: _error, Exception: _error})
    app.state.settings = settings or DeskSettings()
    return app
