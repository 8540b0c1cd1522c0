"""Handoff to a WeCom 接待人员 (``WECOM_HANDOFF=servicer``): the chat moves inside WeCom, the bot stays silent.

When a turn opens a ticket that pauses the bot, the user is told, the session is
transferred (``kf/service_state/trans``, state 3) to a 接待人员 and Rasa is
paused; the user's messages are kept with the ticket (the 接待人员 reads them in
WeCom). When WeCom ends the session or gives it back (``session_status_change``),
the ticket is closed and the bot resumes.
"""
from __future__ import annotations

import itertools
import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.relay.outlets import UserPost
from bot.relay.rasa_gateway import RasaGateway, RasaUnavailable
from bot.wecom.api import SERVICER, WeComApi, WeComError
from bot.wecom.outlet import wecom_parts
from records.models import HandoffTicket
from records.tickets import PAUSING_REASONS, add_handoff_message, claim_ticket, close_ticket, open_ticket_for, set_topic
from records.wecom import servicer_of, set_servicer

logger = logging.getLogger(__name__)

TRANSFERRING = ("正在为您转接民政工作人员（工单 {ref}），请稍候，接下来会由工作人员直接回复您。"
                "如果孩子正面临危险，请不要等，马上拨打110。")
NOT_TRANSFERRED = "已转给民政工作人员（工单 {ref}），他们上班时间会联系您。如果孩子正面临危险，请马上拨打110。"
BACK_TO_BOT = "工作人员已结束这次对话。护童助手继续为您服务，有需要随时说。"
NO_TOPIC = 0  # the ticket's topic_id when a 接待人员 has it: the staff group opens no topic for it
ENDED_BY_SERVICER = 3  # session_status_change's change_type when a 接待人员 ends the session


class ServicerDesk:
    """The core's ``Desk`` when WeCom's own 接待人员 take handoffs."""

    def __init__(self, api: WeComApi, rasa: RasaGateway, users: UserPost, servicers: tuple[str, ...]) -> None:
        self.api, self.rasa, self.users = api, rasa, users
        self._next = itertools.cycle(servicers)

    async def after_bot_turn(self, sender: str) -> None:
        """A turn that opened a pausing ticket: tell the user, transfer the session, pause the bot."""
        try:
            ticket = open_ticket_for(sender)
            if ticket is None or ticket.reason not in PAUSING_REASONS or servicer_of(sender) or ticket.topic_id is not None:
                return
        except SQLAlchemyError:
            return
        servicer = next(self._next)
        open_kfid, user = wecom_parts(sender)
        await self.users.tell(sender, TRANSFERRING.format(ref=ticket.ref))  # while the API may still write
        try:
            await self.api.transfer(open_kfid, user, SERVICER, servicer)
        except WeComError as error:
            logger.warning("the session could not go to a 接待人员 (errcode %s)", error.errcode)
            await self.users.tell(sender, NOT_TRANSFERRED.format(ref=ticket.ref))
            return
        set_servicer(sender, servicer)
        set_topic(ticket.ref, NO_TOPIC)
        claim_ticket(ticket.ref, f"wecom:{servicer}")
        add_handoff_message(ticket.id, "bot", TRANSFERRING.format(ref=ticket.ref))
        try:
            await self.rasa.pause(sender)
        except RasaUnavailable:
            logger.warning("could not pause the conversation; the relay routes to the 接待人员 anyway")

    async def from_user(self, ticket: HandoffTicket, text: str) -> None:
        """The 接待人员 reads it in WeCom: kept with the ticket, nothing said."""
        add_handoff_message(ticket.id, "user", text, ticket.sender_id)

    async def session_changed(self, sender: str, change_type: int, new_servicer: str = "") -> None:
        """WeCom moved the session: to a 接待人员 (noted), or a 接待人员 ended it (ticket closed, the bot resumes)."""
        if new_servicer:  # taken from the queue (1), passed on (2) or taken up again (4) by a 接待人员
            set_servicer(sender, new_servicer)
            return
        if change_type != ENDED_BY_SERVICER:
            return
        ticket = open_ticket_for(sender)
        set_servicer(sender, None)
        if ticket is None:
            return
        close_ticket(ticket.ref)
        add_handoff_message(ticket.id, "staff", "（接待人员结束了会话）", ticket.claimed_by)
        try:
            await self.rasa.resume(sender)
        except RasaUnavailable:
            logger.warning("could not resume the conversation; the relay sends to the bot anyway")
        add_handoff_message(ticket.id, "bot", BACK_TO_BOT)
        await self.users.tell(sender, BACK_TO_BOT)
