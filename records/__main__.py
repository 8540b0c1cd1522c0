"""Command line for staff: ``python -m records tickets`` lists open handoff tickets.

Usage:
    python -m records tickets            open tickets, urgent first
    python -m records close REF          close a ticket
"""
from __future__ import annotations

import argparse
import sys

from records.store import close_ticket, open_tickets

REASONS = {"user_request": "用户要求转人工", "urgent": "紧急情况", "fallback": "多次未能理解"}


def _tickets() -> int:
    tickets = open_tickets()
    if not tickets:
        print("没有待处理的工单。")
        return 0
    print(f"待处理工单 {len(tickets)} 个：")
    for t in tickets:
        flag = "【紧急】" if t.urgent else ""
        when = t.created_at.strftime("%Y-%m-%d %H:%M") if t.created_at else ""
        print(f"  {t.ref}  {when}  {flag}{REASONS.get(t.reason, t.reason)}  会话 {t.sender_id}  {t.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the records command line."""
    parser = argparse.ArgumentParser(prog="python -m records", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("tickets", help="list open handoff tickets")
    close = sub.add_parser("close", help="close a handoff ticket")
    close.add_argument("ref")
    args = parser.parse_args(argv)
    if args.command == "tickets":
        return _tickets()
    if args.command == "close":
        if close_ticket(args.ref):
            print(f"工单 {args.ref} 已关闭。")
            return 0
        print(f"没有找到未关闭的工单 {args.ref}。", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
