"""Questions the knowledge base was not sure about: kept masked and counted, so staff write the cards people need.

The bot notes a question each time it answers "我没有把握" (``note_unanswered``); the same question asked
again (same words once spaces, case and end punctuation are set aside) counts up instead of adding a row.
Noting never fails the bot's answer: a database problem is logged and the question is let go.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from records.db import session_scope, utc_now
from records.models import UnansweredQuestion
from records.privacy import mask_text

logger = logging.getLogger(__name__)

MAX_CHARS = 300  # what the column holds
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = "。，,.!！?？~～…、；;：: \"'“”‘’"


def clean_question(question: str) -> str:
    """The question as kept: personal data masked, spaces collapsed, cut to ``MAX_CHARS``."""
    return mask_text(_SPACES.sub(" ", question or "").strip())[:MAX_CHARS].strip()


def question_key(question: str) -> str:
    """What makes two askings the same question: the masked text without case, width, spaces or end punctuation."""
    text = unicodedata.normalize("NFKC", clean_question(question)).lower()
    text = _SPACES.sub("", text).strip(_EDGE_PUNCTUATION)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def note_unanswered(question: str, best_score: float) -> None:
    """Count one more asking of ``question`` (masked), with the best score the knowledge base found.

    Safe on SQLite and PostgreSQL without an upsert statement: look, then update or insert; an insert
    that loses a race to the same new question (the unique hash) is retried as an update. Never raises.
    """
    text = clean_question(question)
    if not text:
        return
    key = question_key(text)
    score = float(best_score or 0.0)
    try:
        for attempt in (1, 2):
            try:
                with session_scope() as session:
                    _count(session, key, text, score)
                return
            except IntegrityError:
                if attempt == 2:
                    raise
    except SQLAlchemyError as error:
        logger.warning("could not note an unanswered question: %s", type(error).__name__)
    except Exception as error:  # noqa: BLE001 - noting must never cost the user their answer
        logger.warning("could not note an unanswered question: %s", type(error).__name__)


def _count(session: Session, key: str, text: str, score: float) -> None:
    """Add one asking to the row of ``key``, or make the row (the caller commits)."""
    found = session.scalar(select(UnansweredQuestion.id).where(UnansweredQuestion.question_hash == key))
    now = utc_now()
    if found is None:
        session.add(UnansweredQuestion(question_hash=key, question=text, best_score=score, count=1,
                                       first_at=now, last_at=now))
        session.flush()  # a concurrent insert of the same question fails here, inside the retry
        return
    session.execute(update(UnansweredQuestion).where(UnansweredQuestion.id == found)
                    .values(count=UnansweredQuestion.count + 1, last_at=now, best_score=score))


def open_questions(session: Session, scope: ColumnElement[bool] | None = None,
                   limit: int = 200) -> list[UnansweredQuestion]:
    """The questions not dismissed, most often asked first, then the most recently asked."""
    query = (select(UnansweredQuestion)
             .where(UnansweredQuestion.dismissed.is_(False), scope if scope is not None else true())
             .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_at.desc(),
                       UnansweredQuestion.id.desc())
             .limit(limit))
    return list(session.scalars(query))


def dismiss(session: Session, question_id: int, scope: ColumnElement[bool] | None = None) -> bool:
    """Take a question off the list (a card was written, or it is no question for the cards); False if unknown."""
    row = session.scalar(select(UnansweredQuestion).where(UnansweredQuestion.id == question_id,
                                                          scope if scope is not None else true()))
    if row is None:
        return False
    row.dismissed = True
    return True
