"""Rasa's SQL tracker store, configured by one URL, that forgets a conversation whose data was deleted.

Runs inside the Rasa server (the rasa runtime: Python 3.10, SQLAlchemy 1.4).
``endpoints.yml`` names it with ``RASA_TRACKER_URL``: a SQLite file
(``sqlite:///var/tracker.db``) or PostgreSQL
(``postgresql://user:password@127.0.0.1:5432/rasa``).

When the action ``action_erase_my_data`` has deleted a person's records it
sets the ``data_erased`` slot; instead of saving that turn, this store deletes
every stored event of the conversation, so 「删除我的信息」 deletes the
conversation too and the next message starts a new one.

When a form is filed or cancelled its actions set ``answers_cleared`` to the
form's name; this store then rewrites the events stored before that moment so
they no longer hold what was typed or the answers: the user's words of that
form (from the message that opened it), the bot's replies in it (the summary
read the answers back) and every value of the form's slots.
The records keep what was filed; the conversation does not keep a second copy.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine.url import make_url

logger = logging.getLogger(__name__)

ERASED_SLOT = "data_erased"
CLEARED_SLOT = "answers_cleared"
CLEARED_TEXT = "（已提交或取消的填写内容，已清除）"
# The slots that hold each form's answers (and their by-products): names, or prefixes ending in "_".
FORM_SLOTS: dict[str, tuple[str, ...]] = {
    "departure_form": ("dep_", "village_suggested"),
    "visit_form": ("visit_",),
    "report_form": ("rep_",),
    "change_form": ("chg_",),
    "invite_form": ("invite_code",),
}


def answer_slot(form: str, name: str) -> bool:
    """Whether slot ``name`` holds an answer to ``form``."""
    return any(name.startswith(p) if p.endswith("_") else name == p for p in FORM_SLOTS.get(form, ()))


def redacted(form: str, data: dict[str, Any]) -> dict[str, Any]:
    """A stored event of ``form``'s run without the words or answers it held (its type, intent and time kept)."""
    if data.get("event") == "user":
        parse = dict(data.get("parse_data") or {})
        parse.update(text=CLEARED_TEXT, entities=[])
        return {**data, "text": CLEARED_TEXT, "parse_data": parse}
    if data.get("event") == "bot" and data.get("text"):  # the summary read the answers back
        return {**data, "text": CLEARED_TEXT}
    if data.get("event") == "slot" and answer_slot(form, str(data.get("name"))) and data.get("value") is not None:
        return {**data, "value": CLEARED_TEXT}
    return data


def _connection_settings(url: str) -> dict[str, Any]:
    """SQLTrackerStore's keyword arguments for a SQLAlchemy URL."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        return {"dialect": "sqlite", "db": parsed.database or "var/tracker.db"}
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


class ErasableSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` from a URL, deleting a conversation once ``data_erased`` is set in it."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host or kwargs.pop("url", None) or "sqlite:///var/tracker.db"
        for key in ("dialect", "db", "port", "username", "password"):
            kwargs.pop(key, None)
        super().__init__(domain=domain, event_broker=event_broker, **_connection_settings(url), **kwargs)

    @staticmethod
    def _erased(tracker: DialogueStateTracker) -> bool:
        return any(isinstance(e, SlotSet) and e.key == ERASED_SLOT and e.value for e in tracker.events)

    @staticmethod
    def _cleared_in_this_turn(tracker: DialogueStateTracker) -> tuple[str, float] | None:
        """(form, time) when this turn filed or cancelled a form, else None."""
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return None
            if isinstance(event, SlotSet) and event.key == CLEARED_SLOT and event.value:
                return str(event.value), float(event.timestamp)
        return None

    def _opened_at(self, session: Any, sender_id: str, form: str, before: float) -> float:
        """When the user's message that opened the last run of ``form`` was sent (0: the conversation's start)."""
        opened = None
        for row in (session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id,
                                                         self.SQLEvent.type_name == "active_loop",
                                                         self.SQLEvent.timestamp < before)
                    .order_by(self.SQLEvent.id.desc())):
            if json.loads(row.data or "{}").get("name") == form:
                opened = row.timestamp
                break
        if opened is None:
            return 0.0
        message = (session.query(self.SQLEvent.timestamp)
                   .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "user",
                           self.SQLEvent.timestamp <= opened)
                   .order_by(self.SQLEvent.id.desc()).first())
        return message[0] if message else opened

    def _clear_answers(self, sender_id: str, form: str, until: float) -> int:
        """Rewrite the stored events of ``form``'s run before ``until``; how many were changed."""
        changed = 0
        with self.session_scope() as session:
            since = self._opened_at(session, sender_id, form, until)
            rows = session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == sender_id, self.SQLEvent.timestamp < until,
                self.SQLEvent.type_name.in_(("user", "bot", "slot")))
            for row in rows:
                data = json.loads(row.data or "{}")
                if (row.timestamp or 0.0) < since:
                    continue  # before the form: not its answers
                clean = redacted(form, data)
                if clean is not data:
                    row.data = json.dumps(clean)
                    changed += 1
            session.commit()
        return changed

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the new events, or delete the whole conversation once its data was erased; after a form is
        filed or cancelled, clear its answers from what is stored."""
        if not self._erased(tracker):
            await super().save(tracker)
            cleared = self._cleared_in_this_turn(tracker)
            if cleared is not None:
                changed = self._clear_answers(tracker.sender_id, *cleared)
                logger.info("cleared the answers of %s from the conversation (%d events)", cleared[0], changed)
            return
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == tracker.sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("deleted a conversation at its user's request (%d events)", deleted)
