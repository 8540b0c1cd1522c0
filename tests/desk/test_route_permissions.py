"""Every route of the desk, for every role: who may open it, and that no state-changing request passes
without the session's CSRF token. The table below is the policy; a new route must be added to it."""
from __future__ import annotations

import re

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.desk.conftest import COUNTY, TOWNSHIP, VILLAGE

PLACES = {"director": {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE},
          "supervisor": {"county": COUNTY, "township": TOWNSHIP}, "staff": {"county": COUNTY}, "admin": {}}
EVERYONE = frozenset(PLACES)
COUNTY_OFFICE = frozenset({"staff", "admin"})
OVERSIGHT = frozenset({"supervisor", "staff", "admin"})
# The policy: which signed-in roles may use each route (None: open to visitors, before sign-in).
POLICY: dict[str, frozenset[str] | None] = {
    "/": EVERYONE, "/healthz": None, "/login": None, "/login/totp": None, "/signup": None, "/logout": None,
    "/account": EVERYONE, "/account/totp": EVERYONE,
    "/inbox": EVERYONE, "/inbox/list": EVERYONE, "/tickets/{ref}": EVERYONE, "/tickets/{ref}/timeline": EVERYONE,
    "/tickets/{ref}/recent": EVERYONE, "/tickets/{ref}/reply-box": EVERYONE, "/tickets/{ref}/claim": EVERYONE,
    "/tickets/{ref}/reply": EVERYONE, "/tickets/{ref}/note": EVERYONE, "/tickets/{ref}/close": EVERYONE,
    "/records": EVERYONE, "/records/registrations": EVERYONE, "/records/children": EVERYONE,
    "/records/overdue": EVERYONE, "/records/visits": EVERYONE, "/records/reports": EVERYONE,
    "/records/children/{ref}": EVERYONE, "/records/visits/{ref}": EVERYONE, "/records/reports/{ref}": EVERYONE,
    "/records/registrations/{ref}": EVERYONE, "/records/attachments/{id:int}": EVERYONE,
    "/records/export/{name}": EVERYONE,
    "/audit": COUNTY_OFFICE, "/knowledge": COUNTY_OFFICE, "/knowledge/cards": COUNTY_OFFICE,
    "/knowledge/upload": COUNTY_OFFICE, "/knowledge/upload/confirm": COUNTY_OFFICE,
    "/knowledge/rebuild": COUNTY_OFFICE, "/knowledge/rebuild/status": COUNTY_OFFICE, "/knowledge/try": COUNTY_OFFICE,
    "/knowledge/unanswered": COUNTY_OFFICE, "/knowledge/unanswered/{question_id}/dismiss": COUNTY_OFFICE,
    "/dashboard": OVERSIGHT,
}


def _routes(app) -> list[Route]:
    return [r for r in app.routes if isinstance(r, Route)]


def _concrete(path: str) -> str:
    """A URL for a route pattern (parameters filled with values that name nothing)."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if ":int" in m.group() else "XX00000000-NONE", path)


def test_every_route_is_in_the_policy_and_declares_its_roles(desk_app):
    for route in _routes(desk_app):
        assert route.path in POLICY, f"{route.path} is not in the permission table"
        declared = getattr(route.endpoint, "allowed_roles", None)
        assert declared == POLICY[route.path], f"{route.path}: the page allows {declared}"


@pytest.mark.parametrize("role", sorted(PLACES))
def test_pages_outside_a_role_answer_404_and_the_others_open(desk_app, desk_client, role):
    client = desk_client(role, **PLACES[role])
    for route in _routes(desk_app):
        allowed = POLICY[route.path]
        if allowed is None or "GET" not in (route.methods or ()) or "{" in route.path:
            continue
        response = client.get(route.path, follow_redirects=False)
        if role in allowed:
            assert response.status_code in (200, 303), f"{role} {route.path}: {response.status_code}"
        else:
            assert response.status_code == 404, f"{role} {route.path}: {response.status_code}"
            assert "没有找到" in response.text


@pytest.mark.parametrize("role", sorted(PLACES))
def test_no_state_changing_request_passes_without_the_csrf_token(desk_app, desk_client, role):
    client = desk_client(role, **PLACES[role])
    token = client.headers.pop("X-CSRF-Token")
    for route in _routes(desk_app):
        if "POST" not in (route.methods or ()) or POLICY[route.path] is None:
            continue
        url = _concrete(route.path)
        assert client.post(url, data={"text": "x"}).status_code == 403, f"{route.path} without a token"
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 403, f"{route.path} forged"
        assert client.post(url, headers={"X-CSRF-Token": token[:-2] + "xx"}).status_code == 403
    assert client.get("/account").status_code == 200, "the session survives refused requests"


def test_visitors_are_sent_to_sign_in_and_cannot_post(desk_app):
    client = TestClient(desk_app)
    for route in _routes(desk_app):
        if POLICY[route.path] is None:
            continue
        url = _concrete(route.path)
        if "GET" in (route.methods or ()):
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 303 and "/login" in response.headers["location"], route.path
        if "POST" in (route.methods or ()):
            assert client.post(url, data={"x": "1"}).status_code == 401, route.path
