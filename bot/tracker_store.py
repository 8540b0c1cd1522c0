"""Rasa's SQL tracker store, configured by one URL, that forgets a conversation whose data was deleted.

Runs inside the Rasa server (the rasa runtime: Python 3.10, SQLAlchemy 1.4).
``endpoints.yml`` names it with ``RASA_TRACKER_URL``: a SQLite file
(``sqlite:///var/tracker.db``) or PostgreSQL
(``postgresql://user:password@127.0.0.1:5432/rasa``).

When the action ``action_erase_my_data`` has deleted a person's records it
sets the ``data_erased`` slot; instead of saving that turn, this store deletes
every stored event of the conversation, so 「删除我的信息」 deletes the
conversation too and the next message starts a new one.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine.url import make_url

logger = logging.getLogger(__name__)

ERASED_SLOT = "data_erased"


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the new events, or delete the whole conversation once its data was erased."""
        if not self._erased(tracker):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == tracker.sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("deleted a conversation at its user's request (%d events)", deleted)
