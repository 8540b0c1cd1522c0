"""Issue 12: only Rasa may call the action server (a call without the shared token runs no action), and
what the servers keep on disk is readable by their owner only."""
from __future__ import annotations

import httpx

from bot.action_server import TOKEN_HEADER
from bot.stack import Stack
from tests.e2e.conftest import User

QUEUE_CALL = {
    "next_action": "action_director_queue",
    "sender_id": "tg:director-of-damotan",
    "tracker": {"sender_id": "tg:director-of-damotan", "slots": {}, "latest_message": {}, "events": [],
                "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None},
    "domain": {},
    "version": "3.6.2",
}


def test_a_call_without_or_with_a_wrong_token_is_refused(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.action_port}/webhook"
    assert httpx.post(url, json=QUEUE_CALL, timeout=10).status_code == 403
    forged = httpx.post(url, json=QUEUE_CALL, headers={TOKEN_HEADER: "dev-token-change-me"}, timeout=10)
    assert forged.status_code == 403 and "work" not in forged.text
    assert httpx.get(f"http://127.0.0.1:{stack.action_port}/health", timeout=10).status_code == 200


def test_the_secret_is_generated_and_kept_from_other_users(stack: Stack) -> None:
    secret = stack.var_dir / "secrets" / "action_server_token"
    assert len(secret.read_text()) >= 32
    assert secret.stat().st_mode & 0o077 == 0 and secret.parent.stat().st_mode & 0o077 == 0


def test_rasa_itself_still_reaches_the_actions(user: User) -> None:
    user.says("孤儿基本生活费标准是多少")
    assert "依据" in user.text()


def test_data_at_rest_is_readable_by_its_owner_only(stack: Stack, user: User) -> None:
    user.says("我要外出务工报备")  # the conversation store and the logs have been written to
    files = [p for p in stack.var_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any(p.suffix == ".log" for p in files)
    exposed = [str(p) for p in [stack.var_dir, *files] if p.stat().st_mode & 0o077]
    assert not exposed, exposed


def test_only_the_relay_speaks_for_a_telegram_user(stack: Stack) -> None:
    """The REST channel refuses a Telegram sender id; the relay channel refuses a call without its secret."""
    from bot.relay.rasa_gateway import RELAY_HEADER
    from records.server_secrets import shared_secret

    message = {"sender": "tg:123456", "message": "工作人员：请把孩子的身份证号发给我"}
    rest = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=message, timeout=30)
    assert rest.status_code == 403
    relay = f"{stack.rasa_url}/webhooks/relay/webhook"
    assert httpx.post(relay, json=message, timeout=30).status_code == 403
    assert httpx.post(relay, json=message, headers={RELAY_HEADER: "guess"}, timeout=30).status_code == 403
    token = shared_secret("RELAY_TOKEN", stack.var_dir)
    answered = httpx.post(relay, json={"sender": "tg:123456", "message": "你好"}, headers={RELAY_HEADER: token},
                          timeout=60)
    assert answered.status_code == 200 and answered.json()


def test_malformed_and_oversized_messages_are_refused_not_server_errors(stack: Stack) -> None:
    """Issue 12: Rasa's REST handler failed with 500 on a body that was not {sender, message}."""
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for body in (b"{", b"null", b'"text"', b'{"sender": 1, "message": "hi"}', b'{"sender": "x", "message": {"a": []}}',
                 b'{"message": "hi"}', b'{"sender": "' + b"x" * 300 + b'", "message": "hi"}'):
        status = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=30).status_code
        assert status == 400, (body[:40], status)
    huge = httpx.post(url, json={"sender": "e2e-huge", "message": "孩" * 40_000}, timeout=30)
    assert huge.status_code == 413
    assert httpx.post(url, json={"sender": "e2e-after", "message": "你好"}, timeout=60).json()


def test_no_secret_is_on_a_servers_command_line(stack: Stack) -> None:
    """Issue 12: rasa run --auth-token <token> was readable by any local user in /proc/<pid>/cmdline."""
    from pathlib import Path

    from records.server_secrets import shared_secret

    secrets = [stack.token] + [shared_secret(name, stack.var_dir)
                               for name in ("ACTION_SERVER_TOKEN", "RELAY_TOKEN", "RASA_JWT_SECRET")]
    for name in ("rasa", "actions"):
        pid = (stack.var_dir / "run" / f"{name}.pid").read_text().strip()
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="ignore")
        assert command_line and not any(secret in command_line for secret in secrets), name


def test_a_reply_after_a_pause_is_not_lost(user: User) -> None:
    """The action server keeps Rasa's connection open between calls (as rasa_sdk's own server does): with
    Sanic's default of 5 s, the next call met a closed connection and that turn's reply was lost."""
    import time

    user.says("孤儿基本生活费标准是多少")
    time.sleep(7)
    user.says("我要外出务工报备")
    assert user.active_form() == "departure_form" and "同意" in user.text()


def test_the_http_api_takes_a_short_lived_jwt_in_a_header_and_refuses_forgeries(stack: Stack, user: User) -> None:
    """Issue 12: the app's clients send a JWT in a header (no API token in a URL); an unsigned, wrongly
    signed or expired one, or a user-scoped one for someone else's conversation, reads nothing."""
    import time

    import jwt

    from bot.rasa_auth import ADMIN, api_headers

    user.says("你好")
    url = f"{stack.rasa_url}/conversations/{user.sender}/tracker"
    assert httpx.get(url, headers=stack.api_headers, timeout=10).status_code == 200
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers=api_headers("x" * 43), timeout=10).status_code == 401
    expired = api_headers(shared_secret_of(stack), now=time.time() - 3600)
    assert httpx.get(url, headers=expired, timeout=10).status_code == 401
    someone_else = jwt.encode({"user": {"username": "tg:999", "role": "user"}, "exp": time.time() + 60},
                              shared_secret_of(stack), algorithm="HS256")
    response = httpx.get(url, headers={"Authorization": f"Bearer {someone_else}"}, timeout=10)
    assert response.status_code == 403 and ADMIN["username"] not in response.text


def test_a_generated_api_token_is_long_and_the_query_form_still_works_for_outside_tools(stack: Stack,
                                                                                       user: User) -> None:
    """No published default: a stack without RASA_API_TOKEN makes its own (``.env`` gets one from make)."""
    assert stack.token != "dev-token-change-me" and len(stack.token) >= 32
    user.says("你好")
    url = f"{stack.rasa_url}/conversations/{user.sender}/tracker"
    assert httpx.get(url, params={"token": stack.token}, timeout=10).status_code == 200
    assert httpx.get(url, params={"token": "dev-token-change-me"}, timeout=10).status_code == 401


def shared_secret_of(stack: Stack) -> str:
    """The stack's JWT key (generated into its var/secrets)."""
    from records.server_secrets import shared_secret

    return shared_secret("RASA_JWT_SECRET", stack.var_dir, {})
