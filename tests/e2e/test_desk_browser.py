"""The staff desk in a real headless Chromium against the whole stack.

Each role signs up with an invite code (or, for the admin, from the command line) and signs in with a
TOTP code; scopes are checked by URL; a ticket is worked end to end while a user chats over the fake
Telegram API; a document is uploaded and asked. Screenshots of the main pages go to var/screenshots.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import pyotp
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
    # Optional for a director, yet they can turn it on; from then on it is asked at every sign-in.
    page = director.page
    page.goto("/account")
    page.click("[data-testid=totp-setup-link]")
    director.secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(director.secret).now())
    page.click("[data-testid=totp-enable]")
    expect(page.locator("[data-testid=totp-done]")).to_be_visible()
    page.click("header form button")  # 退出
    page.wait_for_url("**/login")
    director.sign_in()  # password, then the code


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


# ---- a ticket worked in the browser while the user chats on (fake) Telegram ------------------------

from tests.e2e.test_telegram import STAFF_CHAT, Chat, chat, relay, staff_says, telegram  # noqa: E402,F401
from tests.e2e.conftest import REFERENCE  # noqa: E402


def test_a_ticket_from_telegram_is_worked_in_the_browser(browser: Browser, stack: Stack, visitors, chat: Chat,
                                                         telegram, capsys: pytest.CaptureFixture) -> None:
    import time

    staff = _visitor(browser, stack, visitors, "staff").sign_up("staff", county="北碚区").sign_in()
    page = staff.page
    started = telegram.mark()
    chat.says("我想找个人问问孩子上学的事", settle=1.0)
    asked = time.perf_counter()
    chat.says("/human", settle=0.5)
    topic = telegram.wait_for(lambda c: c.method == "createForumTopic", after=started)
    ref = REFERENCE.search(topic.params["name"]).group()
    thread = int(telegram.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == STAFF_CHAT
                                   and ref in c.text, after=started).params["message_thread_id"])

    row = page.locator(f"[data-testid=ticket-row][data-ref='{ref}']")
    expect(row).to_be_visible(timeout=15_000)  # the inbox polls: no reload
    shown = time.perf_counter() - asked
    staff.shot("inbox")
    row.locator("a").first.click()
    page.wait_for_url(f"**/tickets/{ref}")

    mark = telegram.mark()
    page.click("[data-testid=claim-button]")
    telegram.wait_for(lambda c: c.chat_id == STAFF_CHAT and "认领" in c.text and "工作台" in c.text, after=mark)

    mark = telegram.mark()
    page.fill("[data-testid=reply-text]", "您好，我是县民政局的小王，孩子上学的事我来帮您问。")
    page.click("[data-testid=reply-submit]")
    telegram.wait_for(lambda c: c.chat_id == chat.id and "小王" in c.text, after=mark, timeout=15)
    telegram.wait_for(lambda c: c.chat_id == STAFF_CHAT and "小王" in c.text, after=mark, timeout=15)

    telegram.push_text(chat.id, "好的，谢谢您，孩子叫小明")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("谢谢您", timeout=15_000)
    staff_says(telegram, thread, "我是群里的老李，我也看着这个工单")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("老李", timeout=15_000)
    page.fill("[data-testid=note-text]", "家长态度配合，下周回访。")
    page.click("[data-testid=note-submit]")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("下周回访")
    staff.shot("ticket")

    mark = telegram.mark()
    page.click("[data-testid=close-button]")
    telegram.wait_for(lambda c: c.chat_id == chat.id and "结束" in c.text, after=mark, timeout=15)
    chat.says("你好")
    assert "护童助手" in chat.text(), "the bot answers again once the ticket is closed in the browser"
    assert not any("下周回访" in c.text for c in telegram.calls[started:]), "a private note never leaves the desk"
    with capsys.disabled():
        print(f"\n--- a user's request reached the browser inbox in {shown * 1000:.0f} ms (inbox polls every 3 s)")


# ---- scopes, by URL, per role; the main pages' screenshots -------------------------------------------

@pytest.fixture
def seeded(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A child in 歇马街道大磨滩村 and one in 澄江镇东升村, each with a visit log and a ticket, in the stack's records."""
    from records import db
    from tests.desk import seed

    monkeypatch.setenv("DATABASE_URL", stack.env["DATABASE_URL"])
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
    here = seed.child("张小花", village="大磨滩村", township="歇马街道", risk="高")
    there = seed.child("李小草", village="东升村", township="澄江镇", risk="一般")
    seed.visit_log(here, locations=[(29.8, 106.4)])
    seed.visit_log(there)
    seed.registration(here)
    refs = {"here": here, "there": there,
            "ticket_here": seed.ticket(f"tg:{uuid.uuid4().int % 10**9}", village="大磨滩村", township="歇马街道"),
            "ticket_there": seed.ticket(f"tg:{uuid.uuid4().int % 10**9}", village="东升村", township="澄江镇")}
    yield refs
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


def _status(visitor: DeskVisitor, path: str) -> int:
    response = visitor.page.goto(path)
    return response.status if response else 0


def test_every_role_sees_only_its_own_place(browser: Browser, stack: Stack, visitors, seeded) -> None:
    director = _visitor(browser, stack, visitors, "dir", phone=True).sign_up("director", village="大磨滩村").sign_in(
        second_factor=False)
    supervisor = _visitor(browser, stack, visitors, "sup").sign_up("supervisor", township="澄江镇").sign_in()
    staff = _visitor(browser, stack, visitors, "staff").sign_up("staff", county="北碚区").sign_in()
    admin = _visitor(browser, stack, visitors, "admin")
    create_admin(stack, admin.username)
    admin.sign_in()
    here, there = seeded["here"], seeded["there"]
    expected = {  # (child here, child there, ticket here, ticket there, dashboard, knowledge, audit)
        director: (200, 404, 200, 404, 404, 404, 404),
        supervisor: (404, 200, 404, 200, 200, 404, 404),
        staff: (200, 200, 200, 200, 200, 200, 200),
        admin: (200, 200, 200, 200, 200, 200, 200),
    }
    for visitor, statuses in expected.items():
        seen = tuple(_status(visitor, path) for path in (
            f"/records/children/{here}", f"/records/children/{there}", f"/tickets/{seeded['ticket_here']}",
            f"/tickets/{seeded['ticket_there']}", "/dashboard", "/knowledge", "/audit"))
        assert seen == statuses, f"{visitor.username}: {seen}"
        if statuses[1] == 404:
            expect(visitor.page.locator("main")).to_contain_text("没有找到")
    staff.page.goto(f"/records/children/{here}")
    expect(staff.page.locator("[data-testid=child-record]")).to_contain_text("张小花")
    staff.shot("child-record")
    staff.page.goto("/records/overdue")
    staff.page.goto("/dashboard")
    expect(staff.page.locator("[data-testid=chart-registrations] svg")).to_be_visible()
    staff.shot("dashboard")
    staff.page.goto(f"/audit?child={here}")
    expect(staff.page.locator("[data-testid=audit-table]")).to_contain_text(staff.username)
    director.page.goto("/inbox")
    expect(director.page.locator(f"[data-ref='{seeded['ticket_here']}']")).to_be_visible()
    expect(director.page.locator(f"[data-ref='{seeded['ticket_there']}']")).to_have_count(0)
    director.shot("inbox-phone")


def test_an_export_downloads_only_the_scope(browser: Browser, stack: Stack, visitors, seeded) -> None:
    director = _visitor(browser, stack, visitors, "dir").sign_up("director", village="大磨滩村").sign_in(
        second_factor=False)
    director.page.goto("/records/children")
    with director.page.expect_download() as download:
        director.page.click("[data-testid=export-children-csv]")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert seeded["here"] in text and seeded["there"] not in text


# ---- a document uploaded in the browser, then asked, in the desk and in the chat ----------------------

DOCUMENT = """# 北碚区农村留守儿童“护苗驿站”服务办法

第一条 为做好农村留守儿童关爱服务，各村设立“护苗驿站”。

第二条 护苗驿站每周六上午9点至12点开放，由村儿童主任值守，为留守儿童提供作业辅导和亲情视频通话。

第三条 外出务工父母可以提前一天向村儿童主任预约亲情视频通话，每次不超过30分钟。
"""


def test_a_document_uploaded_in_the_browser_answers_the_chat(browser: Browser, stack: Stack, visitors,
                                                             tmp_path) -> None:
    staff = _visitor(browser, stack, visitors, "staff").sign_up("staff", county="北碚区").sign_in()
    page = staff.page
    path = tmp_path / "护苗驿站服务办法.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    page.goto("/knowledge/upload")
    page.set_input_files("[data-testid=upload-file]", str(path))
    page.fill("[data-testid=upload-title]", "北碚区农村留守儿童护苗驿站服务办法")
    page.fill("[data-testid=upload-issuer]", "北碚区民政局")
    page.fill("[data-testid=upload-date]", "2026-11-01")
    page.fill("[data-testid=upload-region]", "北碚区")
    staff.shot("knowledge-upload")
    page.click("[data-testid=upload-submit]")
    expect(page.locator("[data-testid=passage-preview]")).to_contain_text("每周六上午9点")
    staff.shot("knowledge-preview")
    page.click("[data-testid=confirm-upload]")
    expect(page.locator("[data-testid=rebuild-status]")).to_have_attribute("data-state", "done", timeout=180_000)
    page.fill("[data-testid=try-input]", "护苗驿站几点开门")
    page.click("[data-testid=try-submit]")
    expect(page.locator("[data-testid=try-answer]")).to_contain_text("护苗驿站")
    staff.shot("knowledge-try")

    # The action server loads the new index by itself (KNOWLEDGE_RELOAD_SECONDS), no restart.
    import time

    deadline, reply = time.monotonic() + 30, ""
    while time.monotonic() < deadline:
        reply = "\n".join(m.get("text", "") for m in stack.say(f"doc-{uuid.uuid4().hex[:6]}", "留守儿童的护苗驿站什么时候开放"))
        if "周六" in reply:
            break
        time.sleep(2)
    assert "周六" in reply and "护苗驿站" in reply, reply
