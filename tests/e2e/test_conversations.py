"""Whole conversations over REST against both running servers, as a parent or a director has them."""
from __future__ import annotations

import re

import httpx
import pytest

from bot.stack import Stack
from tests.e2e.conftest import REFERENCE, User, records_cli, records_query, verify_director

CJK = re.compile(r"[\u4e00-\u9fff]")


def finish(user: User, answers: list[str]) -> None:
    """Give the form its answers, one message each, checking the bot never goes silent."""
    for answer in answers:
        assert user.says(answer), f"no reply to {answer!r}"


def test_greeting_shows_what_the_bot_does_as_buttons(user: User) -> None:
    user.says("你好")
    payloads = user.payloads()
    assert {"/register_departure", "/log_visit", "/report_concern", "/request_human"} <= set(payloads)
    assert "护童助手" in user.text()


def test_policy_question_gets_a_figure_and_its_source(user: User) -> None:
    user.says("黔西那里散居的孤儿每月能领多少钱")
    text = user.text()
    assert "1050" in text and "依据" in text and "黔西" in text


def test_question_outside_child_protection_offers_a_person_and_no_figure(user: User) -> None:
    user.says("今晚有什么好看的电视剧")
    assert "/request_human" in user.payloads()
    assert not re.search(r"\d{3,}", user.text())


def test_departure_registration_from_start_to_reference_number(user: User, stack: Stack) -> None:
    user.says("我下周要去东莞打工，孩子跟奶奶，想报备一下")
    assert user.active_form() == "departure_form"
    assert "同意" in user.text()
    finish(user, ["同意", "王小明"])
    user.says("11010120150101123")
    assert "17位" in user.text(), "a 17-digit ID number is refused and the count is said"
    user.says("跳过")
    user.says("二十五岁")
    assert "18" in user.text(), "an adult's age is refused politely"
    finish(user, ["8岁", "歇马街道大磨滩村", "李秀英", "奶奶"])
    user.says("1381234567")
    assert "11位" in user.text(), "a 10-digit phone number is refused"
    finish(user, ["13812345678", "东莞", "13987654321", "明年春节"])
    assert "王小明" in user.text() and "/affirm" in user.payloads(), "a summary to confirm"
    user.says("/affirm")
    text = user.text()
    reference = REFERENCE.search(text)
    assert reference and reference.group().startswith("BB")
    assert "第22条" in text and "第23条" in text
    assert records_query(stack, "select count(*) from registrations where ref = :ref", ref=reference.group()) == [(1,)]
    assert user.active_form() is None
    slots = user.tracker()["slots"]
    assert slots.get("dep_child_name") is None and slots.get("dep_carer_phone") is None, "answers are not kept"


def test_mandatory_report_with_inferred_situation(user: User) -> None:
    replies = user.says("我要报告，邻居家孩子身上老是有伤")
    assert user.active_form() == "report_form"
    assert "110" in replies[0]["text"] and "发生了什么" not in user.text(), "what was told is not asked again"
    user.says("邻居家孩子身上经常青一块紫一块，晚上还能听到哭")  # more told at the situation question
    finish(user, ["不知道", "大磨滩村三组", "最近一直这样", "/deny", "邻居"])
    assert "第4类" in user.text() and "青一块紫一块" in user.text() and "老是有伤" in user.text()
    assert "/affirm" in user.payloads()
    user.says("/affirm")
    text = user.text()
    reference = REFERENCE.search(text)
    assert reference and reference.group().startswith("BG")
    assert "第11条" in text and "110" in text


def test_child_in_danger_gets_110_first_even_inside_a_form(user: User, stack: Stack) -> None:
    verify_director(user, stack)
    user.says("我要填探访记录")
    assert user.active_form() == "visit_form"
    user.says("张小花")
    replies = user.says("快来人，隔壁小孩正在被他爸用皮带抽")
    assert "110" in replies[0]["text"], "the very first reply says to call 110"
    assert "12345" in replies[0]["text"]
    assert "/resume_form" in user.payloads()
    user.says("/resume_form")
    assert user.active_form() == "visit_form"
    assert "今天探访" in user.text(), "the form goes on where it was: the child's name was kept"


def test_asking_for_a_person_opens_a_ticket_staff_can_list(user: User, stack: Stack) -> None:
    user.says("我想找个工作人员聊聊")
    reference = REFERENCE.search(user.text())
    assert reference and reference.group().startswith("RG")
    assert reference.group() in records_cli(stack, "tickets")


@pytest.mark.parametrize("message", [
    "", "啊" * 10000, "😀😀😀🙏", "<script>alert('x')</script>", "'; DROP TABLE registrations;--",
    "hello, what can you do?", "補貼多少錢", "？？？？",
])
def test_bad_input_gets_a_polite_chinese_reply(user: User, message: str) -> None:
    replies = user.says(message)
    text = user.text()
    assert replies and CJK.search(text), f"a Chinese reply to {message[:20]!r}"
    assert "Traceback" not in text and "Error" not in text


def test_http_api_needs_the_token(stack: Stack) -> None:
    response = httpx.get(f"{stack.rasa_url}/conversations/someone/tracker", timeout=10)
    assert response.status_code == 401


def test_visit_log_survives_a_rasa_restart_mid_form(user: User, stack: Stack) -> None:
    verify_director(user, stack)
    user.says("登记一下今天的家访")
    assert user.active_form() == "visit_form"
    finish(user, ["张小花", "/affirm"])
    stack.restart_rasa()
    assert user.active_form() == "visit_form", "the conversation came back from the tracker store"
    finish(user, ["入户", "孩子身体好，作业按时完成，奶奶身体也还行"])
    user.says("高")
    assert "每周" in user.text(), "high risk proposes a visit within a week"
    user.says("/affirm")
    assert "/affirm" in user.payloads()
    user.says("/affirm")
    reference = REFERENCE.search(user.text())
    assert reference and reference.group().startswith("TF")
