"""How long conversations are kept: those idle longer than the retention period are deleted.

The conversation store is Rasa's (``RASA_TRACKER_URL``, table ``events``); it holds what people typed.
What they filed is in the records and stays; the chat around it need not. ``make up`` runs the purge
at every start, and ``python -m records purge-conversations`` can run from cron.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import inspect, text

from records.db import _make_engine

DEFAULT_DAYS = 180
DAY_SECONDS = 86_400
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MEDIA_DIR = "var/wecom_media"


def media_dir(environment: Mapping[str, str] | None = None) -> Path:
    """Where voice notes and photos from WeChat are kept (``WECOM_MEDIA_DIR``, relative to the project root):
    the WeCom relay writes there, the staff desk shows visit photos from there, the purge deletes old ones."""
    configured = Path((environment if environment is not None else os.environ).get("WECOM_MEDIA_DIR")
                      or DEFAULT_MEDIA_DIR)
    return configured if configured.is_absolute() else ROOT / configured


def retention_days() -> int:
    """``CONVERSATION_RETENTION_DAYS`` (default 180); at least 1."""
    try:
        return max(1, int(os.environ.get("CONVERSATION_RETENTION_DAYS") or DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS


def tracker_url() -> str:
    """The conversation store's URL."""
    return os.environ.get("RASA_TRACKER_URL") or "sqlite:///var/tracker.db"


def purge_conversations(url: str | None = None, days: int | None = None, now: float | None = None) -> int:
    """Delete every conversation whose last event is older than ``days``; how many were deleted."""
    engine = _make_engine(url or tracker_url())
    cutoff = (now if now is not None else time.time()) - (days or retention_days()) * DAY_SECONDS
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
                return 0
            stale = [row[0] for row in connection.execute(text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff})]
            for sender_id in stale:
                connection.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id})
        return len(stale)
    finally:
        engine.dispose()


def purge_media(folder: Path, days: int | None = None, now: float | None = None) -> int:
    """Delete the voice notes and photos in ``folder`` older than the retention period; how many.

    Those attached to a filed visit log are kept with it: a photo's file is named in the log's attachments.
    """
    from sqlalchemy import select

    from records.db import session_scope
    from records.models import VisitAttachment

    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - (days or retention_days()) * DAY_SECONDS
    with session_scope() as session:
        filed = {str(f).removeprefix("file:") for f in session.scalars(
            select(VisitAttachment.file_id).where(VisitAttachment.visit_ref.is_not(None),
                                                  VisitAttachment.file_id.startswith("file:")))}
    deleted = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in filed and path.stat().st_mtime < cutoff:
            path.unlink()
            deleted += 1
    return deleted
