"""Questions asked in the middle of a form, against both servers (issue 11, digressions).

In each form, a question at a step is answered (with its source, or an honest
"not sure"), the same step is asked again, nothing the question said is
stored, and the form still finishes with every earlier answer: 20 different
questions across the departure form, others across the report and invite forms.
"""
from __future__ import annotations

from bot.stack import Stack
from tests.e2e.conftest import REFERENCE, User, records_query

BACK = "接着填"

# (answer to the step, question asked at that step first): every step of the departure form.
DEPARTURE = [
    ("同意", "为啥要给你们我的信息，会不会泄露"),
    ("王小明", "委托照护人是什么意思"),
    ("跳过", "为什么要填身份证"),
    ("8岁", "有两个孩子怎么填"),
    ("歇马街道大磨滩村", "村名要写全称吗"),
    ("李秀英", "照护人一定要是亲戚吗"),
    ("奶奶", "15岁的哥哥能当照顾人吗"),
    ("13812345678", "为什么要留电话"),
    ("东莞", "12355是干嘛的"),
    ("13987654321", "你们会把我电话给别人不"),
    ("腊月", "回来时间不确定咋写"),
]
MORE = ["这些信息谁能看到", "填了以后会给谁看", "外出打工的父母多久要和孩子联系一次", "孩子不满8岁能一个人在家吗",
        "登记要花钱吗", "孤儿补贴多少", "儿童主任是干什么的", "可以不填吗", "报备了以后会有人来家里看吗"]


def ask(user: User, question: str) -> None:
    """Ask a question in the middle of a form: it is answered and the form goes on."""
    replies = user.says(question)
    assert len(replies) >= 2 and BACK in user.text(), f"{question!r} → {user.text()}"
    assert user.active_form() is not None, f"{question!r} closed the form"


def test_twenty_questions_in_the_departure_form_are_answered_and_never_stored(user: User, stack: Stack) -> None:
    user.says("我要外出打工，帮孩子报备")
    assert user.active_form() == "departure_form"
    extra = iter(MORE)
    asked = []
    for step, (answer, question) in enumerate(DEPARTURE):
        for text in [question] + ([next(extra)] if 1 <= step <= len(MORE) else []):
            ask(user, text)
            asked.append(text)
            stored = {v for k, v in user.tracker()["slots"].items() if k.startswith("dep_")}
            assert text not in stored, f"{text!r} was stored"
        user.says(answer)
    assert len(set(asked)) >= 20
    summary = user.text()
    for given in ("王小明", "李秀英", "奶奶", "东莞", "大磨滩村"):
        assert given in summary, f"{given} missing from the summary: {summary}"
    user.says("/affirm")
    reference = REFERENCE.search(user.text())
    assert reference, user.text()
    assert records_query(stack, "select count(*) from registrations where ref = :ref", ref=reference.group()) == [(1,)]


def test_questions_in_the_report_form_are_answered_and_the_description_kept(user: User) -> None:
    user.says("我要报告一个孩子的情况")
    assert user.active_form() == "report_form"
    ask(user, "12355是干嘛的")
    ask(user, "我不想让人知道是我报的")
    user.says("邻居家孩子身上经常青一块紫一块，晚上还能听到哭")
    assert "第4类" in user.text()
    ask(user, "不报会怎么样")
    slots = user.tracker()["slots"]
    assert slots["rep_description"].startswith("邻居家孩子"), slots["rep_description"]
    assert user.active_form() == "report_form"


def test_a_question_while_giving_an_invite_code_is_answered(user: User) -> None:
    user.says("我是儿童主任，要验证")
    assert user.active_form() == "invite_form", user.text()
    ask(user, "邀请码找谁要")
    assert user.active_form() == "invite_form"
