"""Driving the staff desk in a real headless Chromium (Debian's, through Playwright): sign-up, sign-in with
TOTP, screenshots. Shared by the desk's browser tests."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, Page, expect

from bot.stack import ROOT, Stack
from tests.e2e.conftest import records_cli

PASSWORD = "a-long-pass-phrase-1"
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}


class DeskVisitor:
    """One person at the staff desk in their own browser context (own cookies), with their TOTP secret."""

    def __init__(self, browser: Browser, stack: Stack, username: str, phone: bool = False) -> None:
        self.stack, self.username, self.secret = stack, username, ""
        self.context = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 860},
                                           locale="zh-CN", base_url=stack.desk_url)
        self.page: Page = self.context.new_page()

    def close(self) -> None:
        self.context.close()

    def sign_up(self, role: str, **place: str) -> "DeskVisitor":
        """Issue an invite with the records CLI and redeem it on the sign-up page."""
        args = [f"--{k}={v}" for k, v in place.items()]
        code = re.search(r"邀请码：(\S+)", records_cli(self.stack, "invite", "--role", role, *args)).group(1)
        page = self.page
        page.goto("/signup")
        page.fill("input[name=code]", code)
        page.fill("input[name=username]", self.username)
        page.fill("input[name=display_name]", f"{self.username}")
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("form button")
        expect(page.locator(".ok")).to_contain_text("已创建")
        return self

    def sign_in(self, password: str = PASSWORD, second_factor: bool = True) -> "DeskVisitor":
        """Password, then the TOTP code (set up from the page's secret the first time)."""
        page = self.page
        page.goto("/login")
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", password)
        page.click("form button")
        if second_factor:
            page.wait_for_url(re.compile(r"/login/totp"))
            secret = page.locator("[data-testid=totp-secret]")
            if secret.count():
                self.secret = secret.inner_text().strip()
            page.fill("input[name=code]", pyotp.TOTP(self.secret).now())
            page.click("form button")
        page.wait_for_url(re.compile(r"/inbox"))
        return self

    def shot(self, name: str) -> Path:
        """A full-page screenshot under var/screenshots, for review."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def create_admin(stack: Stack, username: str) -> None:
    """``python -m desk create-admin`` against the stack's records, as a deployer does."""
    subprocess.run([sys.executable, "-m", "desk", "create-admin", username], cwd=ROOT, check=True,
                   capture_output=True, text=True,
                   env={**os.environ, "DATABASE_URL": stack.env["DATABASE_URL"], "DESK_ADMIN_PASSWORD": PASSWORD})
