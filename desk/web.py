"""What every page of the desk shares: templates, who is signed in, role checks, CSRF, polite errors.

A page is an async function ``(request, user) -> Response`` wrapped in ``@page(roles…)``: the wrapper
answers a visitor who is not signed in (or has not given the second factor) with the sign-in page, one
whose role may not see the page with 404, and a state-changing request without the session's CSRF token
with 403, before the page runs.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from desk.accounts import DeskUser
from desk.config import DeskSettings
from desk.scopes import Scope
from desk.sessions import COOKIE, SignedIn, current, same_token
from records.models import ROLE_NAMES

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL_ROLES = ("director", "supervisor", "staff", "admin")
PRE_COOKIE = "hutong_desk_pre"  # the CSRF token of the forms shown before sign-in (double-submit)

PageFunction = Callable[[Request, DeskUser], Awaitable[Response]]


def settings_of(request: Request) -> DeskSettings:
    """The app's settings."""
    return request.app.state.settings


def signed_in(request: Request) -> SignedIn | None:
    """The request's live session, looked up once per request."""
    if not hasattr(request.state, "signed_in"):
        request.state.signed_in = current(request.cookies.get(COOKIE), settings_of(request))
    return request.state.signed_in


def secure_cookies(request: Request) -> bool:
    """Whether cookies get the Secure flag: over HTTPS (``DESK_COOKIE_SECURE=auto``), or forced on/off."""
    mode = settings_of(request).secure_cookies
    return mode == "on" or (mode == "auto" and request.url.scheme == "https")


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    """A cookie scripts cannot read, sent only to this site (and only over HTTPS when it came over HTTPS)."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/",
                        secure=secure_cookies(request))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page from ``template`` with what every page needs (the user, their scope, the CSRF token)."""
    session = signed_in(request)
    user = session.user if session and session.second_factor_done else None
    context.setdefault("user", user)
    context.setdefault("scope", Scope(user) if user else None)
    context.setdefault("csrf_token", session.csrf_token if session else getattr(request.state, "pre_csrf", ""))
    context["request"] = request
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def redirect(request: Request, url: str) -> Response:
    """A redirect that htmx follows as a whole-page navigation."""
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def form_of(request: Request) -> FormData:
    """The request's form, read once (the CSRF check and the page both read it)."""
    if not hasattr(request.state, "form"):
        request.state.form = await request.form(max_files=5, max_fields=200)
    return request.state.form


async def csrf_ok(request: Request, expected: str) -> bool:
    """Whether a state-changing request carries ``expected`` (header for htmx, form field for forms)."""
    header = request.headers.get("X-CSRF-Token")
    if header is not None:
        return same_token(expected, header)
    content_type = request.headers.get("content-type", "")
    if "form" not in content_type:
        return False
    return same_token(expected, (await form_of(request)).get("csrf_token"))  # type: ignore[arg-type]


def not_found() -> HTTPException:
    """The answer to anything outside the user's scope: as if it did not exist."""
    return HTTPException(404)


def page(*roles: str) -> Callable[[PageFunction], Callable[[Request], Awaitable[Response]]]:
    """Make a page function an endpoint open only to signed-in users in ``roles`` (default: every desk role)."""
    allowed = frozenset(roles or ALL_ROLES)

    def wrap(function: PageFunction) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(function)
        async def endpoint(request: Request) -> Response:
            session = signed_in(request)
            if session is None:
                if request.method in STATE_CHANGING:
                    raise HTTPException(401)
                return redirect(request, f"/login?next={request.url.path}")
            if not session.second_factor_done:
                return redirect(request, "/login/totp")
            if request.method in STATE_CHANGING and not await csrf_ok(request, session.csrf_token):
                raise HTTPException(403, "csrf")
            if session.user.role not in allowed:
                raise not_found()
            return await function(request, session.user)

        endpoint.allowed_roles = allowed  # type: ignore[attr-defined]
        return endpoint

    return wrap
