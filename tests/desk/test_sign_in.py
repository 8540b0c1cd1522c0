"""Signing in to the staff desk: passwords, the second factor, lockout, rate limit, sessions, CSRF, cookies."""
from __future__ import annotations

import pyotp
from starlette.testclient import TestClient

from tests.desk.conftest import PASSWORD, csrf_of, make_account, sign_in


def _login(client: TestClient, username: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_pages_need_sign_in(desk_app):
    client = TestClient(desk_app)
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_staff_must_give_a_totp_code_before_any_page(desk_app):
    username, secret = make_account("staff", county="北碚区")
    client = TestClient(desk_app)
    assert _login(client, username, PASSWORD).headers["location"].startswith("/login/totp")
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login/totp"
    page = client.get("/login/totp")
    wrong = client.post("/login/totp", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401 and "验证码不对" in wrong.text
    right = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert right.status_code == 303
    assert client.get("/account").status_code == 200


def test_first_sign_in_sets_up_the_authenticator(desk_app):
    from desk.accounts import create_admin

    create_admin("boss", "correct horse battery")
    client = TestClient(desk_app)
    _login(client, "boss", "correct horse battery")
    page = client.get("/login/totp")
    assert "<svg" in page.text  # the QR code, drawn by the app
    secret = page.text.split('data-testid="totp-secret">')[1].split("<")[0]
    client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page.text)})
    assert client.get("/account").status_code == 200


def test_a_director_without_totp_signs_in_with_the_password(desk_app):
    from records.db import session_scope
    from records.models import DeskAccount

    username, _ = make_account("director", county="北碚区", township="歇马街道", village="大磨滩村")
    with session_scope() as session:
        account = session.query(DeskAccount).filter_by(username=username).one()
        account.totp_enabled, account.totp_secret = False, None
    client = TestClient(desk_app)
    assert _login(client, username, PASSWORD).headers["location"] == "/"
    assert client.get("/account").status_code == 200


def test_wrong_passwords_lock_the_account(desk_app):
    username, _ = make_account("staff", county="北碚区")
    client = TestClient(desk_app)
    for _ in range(4):
        assert "用户名或密码不对" in _login(client, username, "not the password").text
    assert "锁定" in _login(client, username, "not the password").text
    assert "锁定" in _login(client, username, PASSWORD).text  # even the right password, for a while


def test_sign_in_attempts_are_rate_limited(desk_app):
    client = TestClient(desk_app)
    statuses = [_login(client, "nobody", "whatever-password").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429


def test_forms_without_the_csrf_token_are_refused(desk_app):
    username, secret = make_account("staff", county="北碚区")
    client = sign_in(TestClient(desk_app), username, secret)
    del client.headers["X-CSRF-Token"]
    refused = client.post("/account", data={"current": PASSWORD, "new": "another-long-pass", "new2": "another-long-pass"})
    assert refused.status_code == 403
    forged = client.post("/account", headers={"X-CSRF-Token": "forged"}, data={"current": PASSWORD})
    assert forged.status_code == 403
    login_without = TestClient(desk_app).post("/login", data={"username": username, "password": PASSWORD})
    assert login_without.status_code == 403


def test_sign_out_revokes_the_session_on_the_server(desk_app):
    username, secret = make_account("staff", county="北碚区")
    client = sign_in(TestClient(desk_app), username, secret)
    cookie = client.cookies.get("hutong_desk")
    client.post("/logout")
    stolen = TestClient(desk_app, cookies={"hutong_desk": cookie})
    assert stolen.get("/account", follow_redirects=False).status_code == 303


def test_password_change_ends_every_session(desk_app):
    username, secret = make_account("staff", county="北碚区")
    first = sign_in(TestClient(desk_app), username, secret)
    second = sign_in(TestClient(desk_app), username, secret)
    response = first.post("/account", data={"current": PASSWORD, "new": "a-new-pass-phrase-2",
                                            "new2": "a-new-pass-phrase-2"}, follow_redirects=False)
    assert response.status_code == 303
    assert second.get("/account", follow_redirects=False).status_code == 303
    assert _login(TestClient(desk_app), username, PASSWORD).status_code == 401
    assert _login(TestClient(desk_app), username, "a-new-pass-phrase-2").status_code == 303


def test_sessions_expire(desk_app, monkeypatch):
    import datetime as dt

    from records.db import session_scope
    from records.models import DeskSession

    username, secret = make_account("staff", county="北碚区")
    client = sign_in(TestClient(desk_app), username, secret)
    with session_scope() as session:
        for row in session.query(DeskSession):
            row.expires_at = row.expires_at - dt.timedelta(days=2)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_cookies_are_http_only_strict_and_secure_over_https(desk_app):
    username, _ = make_account("staff", county="北碚区")
    plain = _login(TestClient(desk_app), username, PASSWORD).headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=strict" in plain
    https = TestClient(desk_app, base_url="https://desk.example")
    cookie = _login(https, username, PASSWORD).headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie


def test_sign_up_with_an_invite_code(desk_app):
    from records.people import issue_invite

    code, _ = issue_invite("director", village="大磨滩村", township="歇马街道", county="北碚区", hours=24,
                           issued_by="test")
    client = TestClient(desk_app)
    token = csrf_of(client.get("/signup").text)
    form = {"code": code, "username": "zhang", "display_name": "张主任", "password": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1", "csrf_token": token}
    assert "已创建" in client.post("/signup", data=form).text
    again = client.post("/signup", data={**form, "username": "zhang2"})
    assert "已经用过" in again.text  # one code, one account
    assert _login(TestClient(desk_app), "zhang", "a-long-pass-phrase-1").status_code == 303


def test_a_short_password_is_refused(desk_app):
    from records.people import issue_invite

    code, _ = issue_invite("staff", county="北碚区", hours=24, issued_by="test")
    client = TestClient(desk_app)
    token = csrf_of(client.get("/signup").text)
    response = client.post("/signup", data={"code": code, "username": "li", "password": "123",
                                            "password2": "123", "csrf_token": token})
    assert "至少要10位" in response.text


def test_next_never_leaves_the_site(desk_app):
    username, secret = make_account("director", county="北碚区", township="歇马街道", village="大磨滩村")
    client = TestClient(desk_app)
    token = csrf_of(client.get("/login?next=//evil.example/x").text)
    response = client.post("/login?next=//evil.example/x", data={"username": username, "password": PASSWORD,
                                                                 "csrf_token": token}, follow_redirects=False)
    assert "evil" not in response.headers["location"]


def test_a_director_can_turn_the_second_factor_on(desk_app):
    from records.db import session_scope
    from records.models import DeskAccount

    username, _ = make_account("director", county="北碚区", township="歇马街道", village="大磨滩村")
    with session_scope() as session:
        account = session.query(DeskAccount).filter_by(username=username).one()
        account.totp_enabled, account.totp_secret = False, None
    client = TestClient(desk_app)
    _login(client, username, PASSWORD)
    page = client.get("/account/totp")
    secret = page.text.split('data-testid="totp-secret">')[1].split("<")[0]
    wrong = client.post("/account/totp", data={"code": "123456", "csrf_token": csrf_of(page.text)})
    assert "验证码不对" in wrong.text
    done = client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page.text)})
    assert "已开启" in done.text
    assert _login(TestClient(desk_app), username, PASSWORD).headers["location"].startswith("/login/totp")
