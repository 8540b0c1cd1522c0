"""Serve the staff desk, or make an administrator's account.

Usage:
    python -m desk                         serve on DESK_HOST:DESK_PORT (127.0.0.1:8300)
    python -m desk create-admin USERNAME   asks for the password (or reads DESK_ADMIN_PASSWORD)
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys


def _serve() -> int:
    import uvicorn

    from desk.app import create_app
    from desk.config import DeskSettings
    from records.privacy import install_log_masking

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    settings = DeskSettings()
    # proxy_headers: behind a reverse proxy on this machine, X-Forwarded-Proto https makes cookies Secure.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return 0


def _create_admin(username: str, display_name: str) -> int:
    from desk.accounts import AccountError, create_admin

    password = os.environ.get("DESK_ADMIN_PASSWORD") or getpass.getpass("密码（至少10位）：")
    try:
        user = create_admin(username, password, display_name)
    except AccountError as problem:
        print(str(problem), file=sys.stderr)
        return 2
    print(f"管理员账号 {user.username} 已创建。第一次登录时请用验证器（如 Google Authenticator、腾讯身份验证器）"
          "扫码设置动态验证码。")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the desk command line."""
    parser = argparse.ArgumentParser(prog="python -m desk", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    admin = sub.add_parser("create-admin", help="make an administrator's account")
    admin.add_argument("username")
    admin.add_argument("--name", default="", help="the name others see")
    args = parser.parse_args(argv)
    if args.command == "create-admin":
        return _create_admin(args.username, args.name)
    return _serve()


if __name__ == "__main__":
    sys.exit(main())
