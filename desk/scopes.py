"""Who may see what, decided on the server: a director their village, a supervisor their township, staff their
county, admins everything. Every query for a page or export goes through ``Scope.where``; a record outside
the scope is answered 404, as if it did not exist."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from desk.accounts import DeskUser
from records.models import (
    AuditEntry,
    Child,
    ConcernReport,
    HandoffTicket,
    Person,
    Registration,
    UnansweredQuestion,
    VisitLog,
)


@dataclass(frozen=True)
class Scope:
    """The part of the records one signed-in user may see."""

    user: DeskUser

    @property
    def everything(self) -> bool:
        """Admins see every place."""
        return self.user.role == "admin"

    def _placed(self, county, township, village, unplaced_to_county: bool = False) -> ColumnElement[bool]:
        """Rows with place columns (``None`` where the model has none) in scope.

        Village and township names repeat (two 东升村 in the example directory, in two townships), so a
        director's rows match the township as well as the village, and a supervisor's the county too.
        """
        user = self.user
        if self.everything:
            return true()
        if user.role == "director":
            if village is None or township is None or not (user.village and user.township):
                return false()
            return and_(village == user.village, township == user.township)
        if user.role == "supervisor":
            if township is None or not user.township:
                return false()
            same = township == user.township
            return and_(same, or_(county == user.county, county.is_(None))) if county is not None and user.county \
                else same
        if user.role == "staff" and user.county:
            if county is None:
                return false()
            return or_(county == user.county, county.is_(None)) if unplaced_to_county else county == user.county
        return false()

    def where(self, model: type) -> ColumnElement[bool]:
        """The SQL condition that keeps ``model``'s rows to this user's scope."""
        if model in (Child, Registration):
            return self._placed(model.county, model.township, model.village)
        if model is HandoffTicket:
            # A ticket whose user's place is unknown is county business: staff see it.
            return self._placed(model.county, model.township, model.village, unplaced_to_county=True)
        if model is ConcernReport:  # reports name a township, not a village: directors see the ones they filed
            if self.user.role == "director":
                return ConcernReport.sender_id == self.user.sender_id
            return self._placed(model.county, model.township, None)
        if model is VisitLog:
            # A visit log names its village but not the township: it is in scope through its child's file,
            # or (no file linked) through the place of the director who filed it.
            if self.everything:
                return true()
            filers = select(Person.sender_id).where(self._placed(Person.county, Person.township, Person.village))
            return or_(VisitLog.child_id.in_(select(Child.id).where(self.where(Child))),
                       and_(VisitLog.child_id.is_(None), VisitLog.sender_id.in_(filers)))
        if model is AuditEntry:
            if self.everything:
                return true()
            return AuditEntry.child_ref.in_(select(Child.ref).where(self.where(Child))) if self.user.role == "staff" \
                else false()
        if model is UnansweredQuestion:
            return true() if self.user.role in {"staff", "admin"} else false()
        raise ValueError(f"no scope rule for {model.__name__}")

    def place_label(self) -> str:
        """The scope in words, for the page header."""
        user = self.user
        if self.everything:
            return "全部地区"
        return {"director": user.village, "supervisor": user.township, "staff": user.county}.get(user.role) or "（未设置地区）"
