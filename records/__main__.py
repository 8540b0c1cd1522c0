"""Command line for administrators and staff: invites, the audit log, tickets, reminders, the schema.

Usage:
    python -m records invite --role director --village 大磨滩村 [--township 歇马街道] [--hours 72]
    python -m records invite --role supervisor --township 歇马街道
    python -m records invite --role staff --county 北碚区
    python -m records audit [--child ET…] [--actor ID] [--days N] [--limit N]
    python -m records tickets            open tickets, urgent first
    python -m records close REF          close a ticket
    python -m records reminders          queue today's visit reminders for directors
    python -m records villages           the village directory
    python -m records migrate            bring the database schema up to date
    python -m records purge-conversations [--days N]   delete conversations idle longer than the retention
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from records.audit import audit_entries
from records.db import database_url, get_engine, utc_now
from records.directory import directory_path, villages
from records.models import ROLE_NAMES
from records.people import InviteError, issue_invite
from records.retention import purge_conversations, retention_days
from records.tickets import REASON_NAMES, close_ticket, open_tickets
from records.worklist import queue_visit_reminders

ACTION_NAMES = {"create": "新建", "read": "查看", "update": "修改", "delete": "删除", "export": "导出",
                "redeem": "验证身份", "invite": "发放邀请码", "denied": "被拒绝"}


def _tickets(_args: argparse.Namespace) -> int:
    tickets = open_tickets()
    if not tickets:
        print("没有待处理的工单。")
        return 0
    print(f"待处理工单 {len(tickets)} 个：")
    for t in tickets:
        flag = "【紧急】" if t.urgent else ""
        when = t.created_at.strftime("%Y-%m-%d %H:%M") if t.created_at else ""
        print(f"  {t.ref}  {when}  {flag}{REASON_NAMES.get(t.reason, t.reason)}  会话 {t.sender_id}  {t.summary}")
    return 0


def _close(args: argparse.Namespace) -> int:
    if close_ticket(args.ref):
        print(f"工单 {args.ref} 已关闭。")
        return 0
    print(f"没有找到未关闭的工单 {args.ref}。", file=sys.stderr)
    return 1


def _invite(args: argparse.Namespace) -> int:
    issuer = f"cli:{os.environ.get('USER') or 'admin'}"
    try:
        code, invite = issue_invite(args.role, village=args.village, township=args.township, county=args.county,
                                    hours=args.hours, issued_by=issuer)
    except InviteError as problem:
        print(str(problem), file=sys.stderr)
        return 2
    place = "".join(p for p in (invite.county, invite.township, invite.village) if p) or "全部"
    print(f"邀请码：{code}")
    print(f"角色：{ROLE_NAMES[invite.role]}  地方：{place}  有效期至：{invite.expires_at:%Y-%m-%d %H:%M} UTC，只能用一次。")
    print(f"请当面或电话告诉对方，让他在聊天里说：验证身份 {code}")
    bot = os.environ.get("TELEGRAM_BOT_USERNAME")
    if bot:
        print(f"Telegram 链接：https://t.me/{bot}?start={code.replace('-', '')}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    since = utc_now() - dt.timedelta(days=args.days) if args.days else None
    entries = audit_entries(child_ref=args.child, actor=args.actor, since=since, limit=args.limit)
    if not entries:
        print("没有符合条件的访问记录。")
        return 0
    print(f"{'时间':<19}  {'操作':<6}  {'谁':<28}  {'记录':<26}  原因")
    for e in entries:
        when = e.at.strftime("%Y-%m-%d %H:%M:%S") if e.at else ""
        record = " ".join(r for r in (e.record_type, e.record_ref or "", e.child_ref or "") if r)
        who = f"{e.actor}（{ROLE_NAMES.get(e.actor_role, e.actor_role)}）"
        print(f"{when:<19}  {ACTION_NAMES.get(e.action, e.action):<6}  {who:<28}  {record:<26}  {e.purpose}")
    return 0


def _reminders(_args: argparse.Namespace) -> int:
    queued = queue_visit_reminders(dt.date.today())
    print(f"已排队 {queued} 条走访提醒。")
    return 0


def _villages(_args: argparse.Namespace) -> int:
    print(f"村名录：{directory_path()}")
    for v in villages():
        print(f"  {v.county} {v.township} {v.name}")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    get_engine()
    print(f"数据库结构已是最新：{database_url().split('@')[-1]}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    days = args.days or retention_days()
    deleted = purge_conversations(days=days)
    print(f"删除了 {deleted} 段超过 {days} 天没有动静的对话。")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the records command line."""
    parser = argparse.ArgumentParser(prog="python -m records", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("tickets", help="list open handoff tickets").set_defaults(run=_tickets)
    close = sub.add_parser("close", help="close a handoff ticket")
    close.add_argument("ref")
    close.set_defaults(run=_close)
    invite = sub.add_parser("invite", help="issue a one-time invite code")
    invite.add_argument("--role", required=True, choices=["director", "supervisor", "staff", "admin"])
    invite.add_argument("--village")
    invite.add_argument("--township")
    invite.add_argument("--county")
    invite.add_argument("--hours", type=int, default=72)
    invite.set_defaults(run=_invite)
    audit = sub.add_parser("audit", help="who read or wrote children's records")
    audit.add_argument("--child", help="a child's file number (ET…)")
    audit.add_argument("--actor", help="a conversation id")
    audit.add_argument("--days", type=int, help="only the last N days")
    audit.add_argument("--limit", type=int, default=200)
    audit.set_defaults(run=_audit)
    sub.add_parser("reminders", help="queue today's visit reminders").set_defaults(run=_reminders)
    sub.add_parser("villages", help="list the village directory").set_defaults(run=_villages)
    sub.add_parser("migrate", help="bring the schema up to date").set_defaults(run=_migrate)
    purge = sub.add_parser("purge-conversations", help="delete conversations idle longer than the retention")
    purge.add_argument("--days", type=int, help="default CONVERSATION_RETENTION_DAYS (180)")
    purge.set_defaults(run=_purge)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
