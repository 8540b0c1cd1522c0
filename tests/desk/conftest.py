"""Fixtures for the staff desk's route tests: a fresh records database, and a signed-in client per role.

``desk_client(role, …)`` makes a person and a desk account at a place and signs in through the real
pages (password, then a TOTP code from the account's secret), so every test exercises the sign-in
path it depends on. ``seed`` holds plain functions that put children, filings and tickets in places.
"""
from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pyotp
import pytest
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "a-long-pass-phrase-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def desk_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite records database per test (engine caches cleared)."""
    from records import db

    url = f"sqlite:///{tmp_path / 'records.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
    from desk.pages import auth

    auth._attempts.clear()
    yield url
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


def make_account(role: str, *, county: str | None = None, township: str | None = None, village: str | None = None,
                 username: str | None = None) -> tuple[str, str]:
    """A desk account (and its person) in ``role`` at a place; returns (username, TOTP secret)."""
    from desk.accounts import HASHER
    from records.db import session_scope
    from records.models import DeskAccount, Person

    username = username or f"{role}-{uuid.uuid4().hex[:6]}"
    secret = pyotp.random_base32()
    with session_scope() as session:
        session.add(Person(sender_id=f"web:{username}", role=role, county=county, township=township, village=village))
        session.add(DeskAccount(username=username, sender_id=f"web:{username}", display_name=username,
                                password_hash=HASHER.hash(PASSWORD), totp_secret=secret, totp_enabled=True))
    return username, secret


def csrf_of(html: str) -> str:
    """The CSRF token a page carries."""
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, secret: str, password: str = PASSWORD) -> TestClient:
    """Sign ``client`` in through the login and TOTP pages."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    page = client.get("/login/totp")
    response = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    client.headers["X-CSRF-Token"] = csrf_of(client.get("/account").text)  # as htmx sends it
    return client


@pytest.fixture
def desk_app():
    """The desk app, as ``python -m desk`` serves it."""
    from desk.app import create_app

    return create_app()


@pytest.fixture
def desk_client(desk_app) -> Callable[..., TestClient]:
    """``desk_client(role, county=…, township=…, village=…)``: a client signed in as a new account there."""
    clients: list[TestClient] = []

    def make(role: str, **place: str | None) -> TestClient:
        username, secret = make_account(role, **place)
        client = TestClient(desk_app, raise_server_exceptions=False)
        clients.append(client)
        return sign_in(client, username, secret)

    yield make
    for client in clients:
        client.close()


# The example directory's places (records/data/villages.yml).
COUNTY, TOWNSHIP, VILLAGE = "北碚区", "歇马街道", "大磨滩村"
OTHER_TOWNSHIP, OTHER_VILLAGE = "澄江镇", "东升村"
