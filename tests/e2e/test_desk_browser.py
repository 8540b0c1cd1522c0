"""The staff desk in a real headless Chromium against the whole stack.

Each role signs up with an invite code (or, for the admin, from the command line) and signs in with a
TOTP code; scopes are checked by URL; a ticket is worked end to end while a user chats over the fake
Telegram API; a document is uploaded and asked. Screenshots of the main pages go to var/screenshots.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from bot.stack import Stack
from tests.e2e.desk_browser import DeskVisitor, create_admin
from tests.services.browser import CHROMIUM, LAUNCH_ARGS, install


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright (no browser download)."""
    install()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def visitors(browser: Browser, stack: Stack) -> Iterator[list[DeskVisitor]]:
    made: list[DeskVisitor] = []
    yield made
    for visitor in made:
        visitor.close()


def _visitor(browser: Browser, stack: Stack, visitors: list[DeskVisitor], prefix: str, phone: bool = False) -> DeskVisitor:
    visitor = DeskVisitor(browser, stack, f"{prefix}-{uuid.uuid4().hex[:6]}", phone=phone)
    visitors.append(visitor)
    return visitor


def test_each_role_signs_up_and_signs_in_with_its_second_factor(browser: Browser, stack: Stack, visitors) -> None:
    admin = _visitor(browser, stack, visitors, "admin")
    create_admin(stack, admin.username)
    admin.sign_in()
    expect(admin.page.locator("header .who")).to_contain_text("管理员")
    staff = _visitor(browser, stack, visitors, "staff").sign_up("staff", county="北碚区").sign_in()
    expect(staff.page.locator("header .who")).to_contain_text("北碚区")
    supervisor = _visitor(browser, stack, visitors, "sup").sign_up("supervisor", township="歇马街道").sign_in()
    expect(supervisor.page.locator("header .who")).to_contain_text("歇马街道")
    director = _visitor(browser, stack, visitors, "dir", phone=True)
    director.sign_up("director", village="大磨滩村").sign_in(second_factor=False)  # optional for directors
    expect(director.page.locator("header .who")).to_contain_text("大磨滩村")
    expect(director.page.locator("header nav")).not_to_contain_text("知识库")


def test_a_wrong_code_is_refused_and_sign_out_ends_the_session(browser: Browser, stack: Stack, visitors) -> None:
    staff = _visitor(browser, stack, visitors, "staff").sign_up("staff", county="北碚区").sign_in()
    staff.page.click("header form button")  # 退出
    staff.page.wait_for_url("**/login")
    staff.page.goto("/inbox")
    staff.page.wait_for_url("**/login?next=/inbox")
    page = staff.page
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("form button")
    page.fill("input[name=code]", "000000")
    page.click("form button")
    expect(page.locator(".error")).to_contain_text("验证码不对")
