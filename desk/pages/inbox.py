"""The ticket inbox and the ticket page: who is waiting, the conversation, claim, reply, notes, close.

Lists and timelines refresh every 3 seconds through htmx fragments, so new tickets, claims and messages (also
those made in the Telegram staff group) appear without a reload. The actions are plain forms: they work without
scripts, answer with the ticket page again, and show a polite error when refused.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk import handoffs
from desk.accounts import DeskUser
from desk.handoffs import NotInScope, TicketError
from desk.web import form_of, not_found, page, redirect, render, settings_of

# What the ticket page says after an action (?done=…), so a reload does not repeat the action.
DONE = {"claimed": "已认领。", "replied": "已发送，用户会在原来的聊天里收到。",
        "noted": "备注已保存（只有工作人员能看到）。", "closed": "工单已关闭，护童助手继续为用户服务。",
        "closed-offline": "工单已关闭。护童助手暂时联系不上，不过用户的下一条消息仍会交给护童助手回答。"}


def _view(request: Request) -> str:
    view = request.query_params.get("view", "open")
    return view if view in handoffs.VIEWS else "open"


def _list_context(request: Request, user: DeskUser) -> dict:
    view = _view(request)
    minutes = settings_of(request).unclaimed_minutes
    return {"view": view, "views": handoffs.VIEWS, "rows": handoffs.ticket_rows(user, view),
            "counts": handoffs.view_counts(user), "overdue": handoffs.unclaimed_overdue(user, minutes),
            "unclaimed_minutes": minutes, "limit": handoffs.LIST_LIMIT}


@page()
async def inbox(request: Request, user: DeskUser) -> Response:
    """The inbox: tabs, the alert for tickets waiting unclaimed, the list (refreshed every 3 s)."""
    return render(request, "inbox/index.html", **_list_context(request, user))


@page()
async def inbox_list(request: Request, user: DeskUser) -> Response:
    """The inbox's list alone, for the 3-second refresh."""
    return render(request, "inbox/_list.html", **_list_context(request, user))


def _ticket_page(request: Request, user: DeskUser, ref: str, status_code: int = 200, error: str = "",
                 reply_text: str = "", note_text: str = "") -> Response:
    try:
        ticket = handoffs.ticket_row(user, ref)
        entries = handoffs.timeline(user, ref)
    except NotInScope:
        raise not_found() from None
    done = DONE.get(request.query_params.get("done", "")) if not error else None
    reply_text = reply_text or handoffs.canned_text(request.query_params.get("canned"))
    return render(request, "inbox/ticket.html", status_code=status_code, ticket=ticket, entries=entries,
                  canned=handoffs.canned_replies(), error=error, done=done, reply_text=reply_text,
                  note_text=note_text, max_text=handoffs.MAX_TEXT)


@page()
async def ticket_page(request: Request, user: DeskUser) -> Response:
    """One ticket: details, the conversation and notes, the actions."""
    return _ticket_page(request, user, request.path_params["ref"])


@page()
async def timeline_fragment(request: Request, user: DeskUser) -> Response:
    """The ticket's state and timeline alone, for the 3-second refresh."""
    ref = request.path_params["ref"]
    try:
        ticket, entries = handoffs.ticket_row(user, ref), handoffs.timeline(user, ref)
    except NotInScope:
        raise not_found() from None
    return render(request, "inbox/_timeline.html", ticket=ticket, entries=entries)


@page()
async def recent_fragment(request: Request, user: DeskUser) -> Response:
    """The conversation's recent lines with the bot, from Rasa (loaded after the page, so Rasa never slows it)."""
    try:
        lines = await handoffs.recent_lines(user, request.path_params["ref"])
    except NotInScope:
        raise not_found() from None
    return render(request, "inbox/_recent.html", lines=lines)


@page()
async def reply_box(request: Request, user: DeskUser) -> Response:
    """The reply box filled with a canned reply (htmx swaps it in; staff can edit before sending)."""
    ref = request.path_params["ref"]
    try:
        ticket = handoffs.ticket_row(user, ref)
    except NotInScope:
        raise not_found() from None
    return render(request, "inbox/_reply_box.html", ticket=ticket, max_text=handoffs.MAX_TEXT,
                  reply_text=handoffs.canned_text(request.query_params.get("canned")))


def _done(request: Request, ref: str, code: str) -> Response:
    return redirect(request, f"/tickets/{ref}?done={code}")


@page()
async def claim(request: Request, user: DeskUser) -> Response:
    """Take the ticket."""
    ref = request.path_params["ref"]
    try:
        handoffs.claim(user, ref)
    except NotInScope:
        raise not_found() from None
    except TicketError as error:
        return _ticket_page(request, user, ref, 409, error=str(error))
    return _done(request, ref, "claimed")


@page()
async def reply(request: Request, user: DeskUser) -> Response:
    """Send a reply to the user (claims an unclaimed ticket)."""
    ref = request.path_params["ref"]
    text = str((await form_of(request)).get("text") or "")
    try:
        handoffs.reply(user, ref, text)
    except NotInScope:
        raise not_found() from None
    except TicketError as error:
        return _ticket_page(request, user, ref, 400, error=str(error), reply_text=text[:handoffs.MAX_TEXT * 2])
    return _done(request, ref, "replied")


@page()
async def note(request: Request, user: DeskUser) -> Response:
    """Keep a private note on the ticket."""
    ref = request.path_params["ref"]
    text = str((await form_of(request)).get("text") or "")
    try:
        handoffs.add_note(user, ref, text)
    except NotInScope:
        raise not_found() from None
    except TicketError as error:
        return _ticket_page(request, user, ref, 400, error=str(error), note_text=text[:handoffs.MAX_TEXT * 2])
    return _done(request, ref, "noted")


@page()
async def close(request: Request, user: DeskUser) -> Response:
    """Close the ticket and give the conversation back to the bot."""
    ref = request.path_params["ref"]
    try:
        resumed = await handoffs.close(user, ref)
    except NotInScope:
        raise not_found() from None
    except TicketError as error:
        return _ticket_page(request, user, ref, 409, error=str(error))
    return _done(request, ref, "closed" if resumed else "closed-offline")


routes: list[Route] = [
    Route("/inbox", inbox),
    Route("/inbox/list", inbox_list),
    Route("/tickets/{ref}", ticket_page),
    Route("/tickets/{ref}/timeline", timeline_fragment),
    Route("/tickets/{ref}/recent", recent_fragment),
    Route("/tickets/{ref}/reply-box", reply_box),
    Route("/tickets/{ref}/claim", claim, methods=["POST"]),
    Route("/tickets/{ref}/reply", reply, methods=["POST"]),
    Route("/tickets/{ref}/note", note, methods=["POST"]),
    Route("/tickets/{ref}/close", close, methods=["POST"]),
]
