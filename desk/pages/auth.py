"""Signing in (password, then TOTP), signing up with an invite code, the account page, signing out."""
from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque

import segno
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.accounts import (
    AccountError,
    DeskUser,
    change_password,
    check_password,
    check_second_factor,
    has_second_factor,
    sign_up,
    totp_enrolment,
)
from desk.sessions import COOKIE, end, end_all, same_token, start
from desk.web import PRE_COOKIE, form_of, page, redirect, render, set_cookie, settings_of, signed_in

TOO_FAST = "登录尝试太频繁了，请1分钟后再试。"
_attempts: dict[str, deque[float]] = defaultdict(deque)


def _too_fast(request: Request) -> bool:
    """At most ``DESK_SIGNIN_PER_MINUTE`` sign-in attempts a minute from one address."""
    client = request.client.host if request.client else "?"
    now, window = time.monotonic(), _attempts[client]
    while window and now - window[0] > 60:
        window.popleft()
    window.append(now)
    return len(window) > settings_of(request).signin_per_minute


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): a sign-in never sends anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _public_form(request: Request, template: str, status_code: int = 200, **context) -> Response:
    """A form shown before sign-in, with a fresh double-submit CSRF token in a cookie and the form."""
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    request.state.pre_csrf = token
    response = render(request, template, status_code=status_code, **context)
    set_cookie(response, request, PRE_COOKIE, token, max_age=3600)
    return response


async def _public_csrf_ok(request: Request) -> bool:
    form = await form_of(request)
    return same_token(request.cookies.get(PRE_COOKIE) or "", form.get("csrf_token"))  # type: ignore[arg-type]


def _enrolment(account_id: int) -> dict[str, str]:
    """The secret and its QR code (SVG drawn here) for setting up an authenticator app."""
    secret, uri = totp_enrolment(account_id)
    return {"secret": secret, "qr_svg": segno.make(uri, error="m").svg_inline(scale=4)}


async def login(request: Request) -> Response:
    """The password step."""
    next_url = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return _public_form(request, "auth/login.html", next_url=next_url)
    if not await _public_csrf_ok(request):
        raise HTTPException(403, "csrf")
    form = await form_of(request)
    if _too_fast(request):
        return _public_form(request, "auth/login.html", 429, error=TOO_FAST, next_url=next_url)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    try:
        user = check_password(username, password, settings_of(request))
    except AccountError as problem:
        return _public_form(request, "auth/login.html", 401, error=str(problem), username=username[:40],
                            next_url=next_url)
    second = user.needs_second_factor or has_second_factor(user.account_id)
    response = redirect(request, "/login/totp?next=" + next_url if second else next_url)
    end(request.cookies.get(COOKIE))  # never carry an earlier session over (fixation)
    set_cookie(response, request, COOKIE, start(user.account_id, settings_of(request), not second))
    return response


async def login_totp(request: Request) -> Response:
    """The second step: a code from the authenticator app, set up here the first time."""
    session = signed_in(request)
    next_url = _safe_next(request.query_params.get("next"))
    if session is None:
        return redirect(request, "/login")
    if session.second_factor_done:
        return redirect(request, next_url)
    user = session.user
    enrolled = has_second_factor(user.account_id)
    context: dict = {"next_url": next_url, "enrolled": enrolled, "csrf_token": session.csrf_token}
    if not enrolled:
        context.update(_enrolment(user.account_id))
    if request.method == "GET":
        return render(request, "auth/totp.html", **context)
    form = await form_of(request)
    if not same_token(session.csrf_token, form.get("csrf_token")):  # type: ignore[arg-type]
        raise HTTPException(403, "csrf")
    if _too_fast(request):
        return render(request, "auth/totp.html", 429, error=TOO_FAST, **context)
    if not check_second_factor(user.account_id, str(form.get("code", "")), settings_of(request)):
        return render(request, "auth/totp.html", 401, error="验证码不对或已过期，请输入验证器里现在显示的6位数字。",
                      **context)
    # A new session once both factors are given (the half-signed-in one is revoked).
    end(request.cookies.get(COOKIE))
    response = redirect(request, next_url)
    set_cookie(response, request, COOKIE, start(user.account_id, settings_of(request), True))
    return response


async def signup(request: Request) -> Response:
    """An account from an invite code: the code (issued by an administrator) sets the password."""
    if request.method == "GET":
        return _public_form(request, "auth/signup.html")
    if not await _public_csrf_ok(request):
        raise HTTPException(403, "csrf")
    form = await form_of(request)
    if _too_fast(request):
        return _public_form(request, "auth/signup.html", 429, error=TOO_FAST)
    username = str(form.get("username", "")).strip()
    if form.get("password") != form.get("password2"):
        return _public_form(request, "auth/signup.html", 400, error="两次输入的密码不一样。", username=username[:40])
    try:
        user = sign_up(str(form.get("code", "")), username, str(form.get("password", "")),
                       str(form.get("display_name", "")).strip())
    except AccountError as problem:
        return _public_form(request, "auth/signup.html", 400, error=str(problem), username=username[:40])
    return _public_form(request, "auth/login.html", done=f"账号 {user.username} 已创建，请登录。", next_url="/")


async def logout(request: Request) -> Response:
    """Sign out: the session is revoked on the server, not only forgotten by the browser."""
    session = signed_in(request)
    if session is not None:
        form = await form_of(request)
        if not same_token(session.csrf_token, request.headers.get("X-CSRF-Token") or form.get("csrf_token")):  # type: ignore[arg-type]
            raise HTTPException(403, "csrf")
    end(request.cookies.get(COOKIE))
    response = redirect(request, "/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@page()
async def account(request: Request, user: DeskUser) -> Response:
    """The account page: change the password (every session ends, this one too)."""
    if request.method == "GET":
        return render(request, "auth/account.html", second_factor=has_second_factor(user.account_id))
    form = await form_of(request)
    if form.get("new") != form.get("new2"):
        return render(request, "auth/account.html", 400, error="两次输入的新密码不一样。",
                      second_factor=has_second_factor(user.account_id))
    try:
        change_password(user.account_id, str(form.get("current", "")), str(form.get("new", "")))
    except AccountError as problem:
        return render(request, "auth/account.html", 400, error=str(problem),
                      second_factor=has_second_factor(user.account_id))
    end_all(user.account_id)
    response = redirect(request, "/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@page()
async def account_totp(request: Request, user: DeskUser) -> Response:
    """Turn on the second factor from the account page (directors, for whom it is optional)."""
    if has_second_factor(user.account_id):
        return render(request, "auth/account_totp.html", enrolled=True)
    context = _enrolment(user.account_id)
    if request.method == "GET":
        return render(request, "auth/account_totp.html", enrolled=False, **context)
    if not check_second_factor(user.account_id, str((await form_of(request)).get("code", "")), settings_of(request)):
        return render(request, "auth/account_totp.html", 400, enrolled=False,
                      error="验证码不对或已过期，请输入验证器里现在显示的6位数字。", **context)
    return render(request, "auth/account_totp.html", enrolled=True, done="动态验证码已开启，以后登录时需要输入。")


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/login/totp", login_totp, methods=["GET", "POST"]),
    Route("/signup", signup, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/account", account, methods=["GET", "POST"]),
    Route("/account/totp", account_totp, methods=["GET", "POST"]),
]
