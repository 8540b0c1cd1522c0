"""A whole stack for the end-to-end tests: both servers on their own ports and their own databases.

The stack is the one ``make up`` starts (``bot.stack``), pointed at a
temporary directory, so a developer's running bot and its data are untouched.
Conversations are kept in SQLite (the default); the records live in a real
PostgreSQL server of the tests' own (port 54339), which one test stops and
starts again mid-conversation.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from typing import Any, Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.stack import ROOT, Stack
from tests.services.postgres import PostgresServer

# Ports of the e2e stack; override to run a second e2e session beside a first one.
RECORDS_PG_PORT = int(os.environ.get("E2E_PG_PORT", "54339"))
RASA_PORT = int(os.environ.get("E2E_RASA_PORT", "15005"))
ACTION_PORT = int(os.environ.get("E2E_ACTION_PORT", "15055"))
DESK_PORT = int(os.environ.get("E2E_DESK_PORT", "18300"))

REFERENCE = re.compile(r"[A-Z]{2}\d{8}-[2-9A-HJKMNP-Z]{4}")


@pytest.fixture(scope="session")
def records_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server that holds the stack's records."""
    PostgresServer.install()
    server = PostgresServer(port=RECORDS_PG_PORT)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, records_server: PostgresServer) -> Iterator[Stack]:
    """Rasa on :15005 and the action server on :15055 (by default), with a private tracker store and records."""
    var = tmp_path_factory.mktemp("stack")
    records_url = records_server.create_database("hutong_e2e")
    # The knowledge base's documents and index, copied: a document uploaded in the staff desk's test
    # changes the copies, never the project's own (same names and contents, so the index is not stale).
    shutil.copytree(ROOT / "knowledge" / "documents", var / "documents")
    if (ROOT / "var" / "knowledge").is_dir():
        shutil.copytree(ROOT / "var" / "knowledge", var / "knowledge")
    model = ROOT / "models" / "hutong.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    running = Stack(
        rasa_port=RASA_PORT,
        action_port=ACTION_PORT,
        desk_port=DESK_PORT,
        token="",  # generated into the stack's var/secrets, as a deployment's is into .env
        var_dir=var,
        model=model,
        env={
            "RASA_TRACKER_URL": f"sqlite:///{var / 'tracker.db'}",
            "DATABASE_URL": records_url,
            "VISIT_INTERVAL_DAYS": "高=7,一般=30,无=90",
            "KNOWLEDGE_DOCUMENTS_DIR": str(var / "documents"),
            "KNOWLEDGE_INDEX_DIR": str(var / "knowledge"),
            # The browser tests sign many people in from one address within a minute.
            "DESK_SIGNIN_PER_MINUTE": "500",
        },
    )
    try:
        running.up()
        yield running
    finally:
        running.down()
        for log in sorted((var / "log").glob("*.log")):
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            print(f"--- {log.name} (last lines)\n" + "\n".join(tail))


class User:
    """One person chatting with the bot over the REST channel."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = "e2e-" + uuid.uuid4().hex[:10]
        self.last: list[dict] = []

    def says(self, text: str) -> list[dict]:
        """Send a message; the replies (also kept in ``last``)."""
        self.last = self.stack.say(self.sender, text)
        return self.last

    def text(self) -> str:
        """All reply texts of the last message, joined."""
        return "\n".join(r.get("text") or "" for r in self.last)

    def payloads(self) -> list[str]:
        """The payloads of the buttons of the last message."""
        return [b.get("payload", "") for r in self.last for b in r.get("buttons") or []]

    def tracker(self) -> dict:
        """The conversation as Rasa stores it (HTTP API, with a short-lived JWT in a header)."""
        response = httpx.get(f"{self.stack.rasa_url}/conversations/{self.sender}/tracker",
                             headers=self.stack.api_headers, timeout=30)
        response.raise_for_status()
        return response.json()

    def active_form(self) -> str | None:
        """The form being filled, if any."""
        return (self.tracker().get("active_loop") or {}).get("name")

    def slot(self, name: str) -> object:
        """A slot's value in the conversation."""
        return (self.tracker().get("slots") or {}).get(name)


@pytest.fixture
def user(stack: Stack) -> User:
    """A fresh conversation."""
    return User(stack)


def records_query(stack: Stack, sql: str, **params: Any) -> list[tuple]:
    """Rows of a query on the records database the stack's action server writes."""
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def records_cli(stack: Stack, *args: str) -> str:
    """Run ``python -m records …`` against the stack's records; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "records", *args], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "DATABASE_URL": stack.env["DATABASE_URL"]},
    )
    return done.stdout


def verify_director(user: "User", stack: Stack, village: str = "大磨滩村") -> None:
    """Make ``user`` a verified child director of ``village`` the way a real one becomes one."""
    code = re.search(r"邀请码：(\S+)", records_cli(stack, "invite", "--role", "director", "--village", village))
    assert code, "the CLI printed an invite code"
    user.says(f"我是儿童主任，邀请码 {code.group(1)}")
    assert "验证成功" in user.text(), user.text()
