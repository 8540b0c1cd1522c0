"""Changes a parent makes to a registration already filed: a new return date, carer or phone number.

The parent's words come through the change form (``actions/forms/change.py``);
here the change is written to every registration it concerns, audited, and the
village's child director (or whoever stands in for them) is told, so nobody
works from an old phone number or an old return date. A registration changed
is shown again in the director's list of new registrations.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from records.audit import record_access
from records.db import session_scope, utc_now
from records.directory import Village
from records.filing import registration_next_step, registration_recipients
from records.models import Child, Registration
from records.outbox import queue
from records.people import Actor, NotAllowed
from records.privacy import mask_name

# Columns a parent may change after filing, and how the bot names them.
CHANGEABLE: dict[str, str] = {
    "expected_return": "预计回来时间",
    "work_city": "务工城市",
    "parent_phone": "您的电话",
    "carer_name": "照顾人姓名",
    "carer_relation": "照顾人和孩子的关系",
    "carer_phone": "照顾人电话",
    "child_name": "孩子姓名",
    "child_age": "孩子年龄",
}
# What a new registration for a brother or sister takes over from the parent's last one.
SHARED = ("village", "township", "county", "carer_name", "carer_relation", "carer_phone", "work_city",
          "parent_phone", "expected_return")


@dataclass(frozen=True)
class FiledRegistration:
    """One of the parent's registrations, as the change form shows it back to them."""

    ref: str
    child_name: str
    values: dict[str, Any]

    @property
    def village(self) -> Village:
        """The village the registration was routed to."""
        return Village(self.values.get("county") or "", self.values.get("township") or "", self.values["village"])


@dataclass(frozen=True)
class Changed:
    """What became of a change: which registrations, who was told."""

    refs: tuple[str, ...]
    route: str
    notified: int


def _view(registration: Registration) -> FiledRegistration:
    values = {column: getattr(registration, column) for column in (*CHANGEABLE, *SHARED)}
    return FiledRegistration(registration.ref, registration.child_name, values)


def registrations_of(actor: Actor, purpose: str = "家长查看自己的报备以便修改") -> list[FiledRegistration]:
    """The parent's own registrations, newest first; each read is audited."""
    with session_scope() as session:
        rows = session.execute(
            select(Registration, Child.ref).join(Child, Registration.child_id == Child.id, isouter=True)
            .where(Registration.sender_id == actor.sender_id).order_by(Registration.id.desc())
        ).all()
        for registration, child_ref in rows:
            record_access(session, actor=actor.sender_id, actor_role=actor.role, action="read",
                          record_type="registration", record_ref=registration.ref, child_ref=child_ref,
                          purpose=purpose)
        return [_view(registration) for registration, _ in rows]


def count_registrations(sender_id: str) -> int:
    """How many registrations the sender has filed (no personal data read, so not audited)."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Registration)
                              .where(Registration.sender_id == sender_id)) or 0


def change_registrations(actor: Actor, refs: list[str], changes: dict[str, Any]) -> Changed:
    """Write ``changes`` to the sender's registrations ``refs``, audit each, and tell their village's director.

    Only the sender's own registrations can be changed, and only the columns in ``CHANGEABLE``.
    """
    unknown = set(changes) - set(CHANGEABLE)
    if unknown or not changes or not refs:
        raise ValueError(f"nothing to change or not changeable: {sorted(unknown)}")
    what = "、".join(CHANGEABLE[column] for column in changes)
    stamp = utc_now().isoformat()
    notified, routes = 0, []
    with session_scope() as session:
        rows = session.execute(
            select(Registration, Child.ref).join(Child, Registration.child_id == Child.id, isouter=True)
            .where(Registration.ref.in_(refs))
        ).all()
        if len(rows) != len(set(refs)) or any(r.sender_id != actor.sender_id for r, _ in rows):
            raise NotAllowed("只能修改您自己提交的报备。")
        for registration, child_ref in rows:
            for column, value in changes.items():
                setattr(registration, column, value)
            registration.status = "new"  # the director sees it again with the new details
            record_access(session, actor=actor.sender_id, actor_role=actor.role, action="update",
                          record_type="registration", record_ref=registration.ref, child_ref=child_ref,
                          purpose=f"家长修改报备：{what}")
            village = Village(registration.county or "", registration.township or "", registration.village)
            recipients, route = registration_recipients(session, village)
            text = (f"{village.label}的外出务工报备 {registration.ref}（孩子 {mask_name(registration.child_name)}）"
                    f"有更新：家长修改了{what}。" + registration_next_step(route))
            notified += sum(queue(session, who, "registration", text, f"registration:{registration.ref}:{stamp}:{who}")
                            for who in recipients)
            routes.append(route)
    return Changed(tuple(refs), "、".join(dict.fromkeys(routes)), notified)
