"""Records people can trust, end to end: invites, routing to the director, schedules, privacy, outages."""
from __future__ import annotations

import uuid

import httpx
import pytest

from bot.stack import Stack
from tests.e2e.conftest import REFERENCE, User, records_cli, records_query, verify_director
from tests.services.postgres import PostgresServer


def register_child(parent: User, child: str, village: str = "歇马街道大磨滩村", carer_phone: str = "13812345678") -> str:
    """A parent registers their departure; the reference number."""
    parent.says("我要外出打工，想给孩子报备")
    for answer in ("同意", child, "跳过", "9岁", village, "李秀英", "奶奶", carer_phone, "宁波", "13987654321", "明年春节"):
        assert parent.says(answer), f"no reply to {answer!r}"
    parent.says("/affirm")
    reference = REFERENCE.search(parent.text())
    assert reference and reference.group().startswith("BB"), parent.text()
    return reference.group()


def visit(director: User, child: str, date: str, risk: str) -> str:
    """A director files a visit log, accepting the proposed next visit; the reference number."""
    director.says("填写探访记录")
    for answer in (child, date, "入户", "孩子精神还好，作业按时完成", risk, "/affirm"):
        assert director.says(answer), f"no reply to {answer!r}"
    director.says("/affirm")
    reference = REFERENCE.search(director.text())
    assert reference and reference.group().startswith("TF"), director.text()
    return reference.group()


def test_an_invite_code_works_once_and_a_wrong_one_is_explained(stack: Stack) -> None:
    first, second = User(stack), User(stack)
    first.says("验证身份")
    assert first.active_form() == "invite_form"
    first.says("ABCD-EFGH")
    assert "邀请码不对" in first.text()
    code = records_cli(stack, "invite", "--role", "director", "--village", "素心村").split("邀请码：")[1].split()[0]
    first.says(code.lower())
    assert "验证成功" in first.text() and "静观镇素心村的儿童主任" in first.text()
    second.says(f"验证身份 {code}")
    assert "用过了" in second.text()


def test_only_a_verified_director_can_file_a_visit_log(user: User) -> None:
    user.says("我要填探访记录")
    assert user.active_form() == "visit_form", "the form opens (its first question is the invite code)"
    assert "邀请码" in user.text() and "/cancel" in user.payloads()
    user.says("王小明")
    assert "邀请码" in user.text()
    assert records_query(user.stack, "select count(*) from visit_logs where sender_id = :s", s=user.sender) == [(0,)]


def test_a_director_telling_of_a_visit_starts_the_visit_log_with_it(stack: Stack) -> None:
    """Tried as a stranger: "今天去了王小虎家 …" from a verified director got "没太明白"."""
    director = User(stack)
    verify_director(director, stack)
    director.says("今天去了王小虎家 他奶奶在 娃挺好的 作业也做了")
    assert director.active_form() == "visit_form" and "记下了" in director.text() and "邀请码" not in director.text()


def test_a_director_telling_of_a_worrying_visit_gets_the_110_line_and_the_visit_log(stack: Stack) -> None:
    """Tried as a stranger: a visit that told of a worry got the concern reply, then "没太明白" twice and a ticket."""
    director = User(stack)
    verify_director(director, stack)
    director.says("今天去了王家 孩子王小虎跟他爷爷 爷爷腿脚不好 娃作业也没人管")
    assert director.active_form() == "visit_form" and "110" in director.text() and "邀请码" not in director.text()


def test_a_directors_answers_in_their_own_words_fill_the_visit_log(stack: Stack) -> None:
    """Tried as a stranger: "算高吧" at the risk question got a card on leaving children alone, a statement got
    "我这里没有广东省的资料", and "过两天" as the next visit was not understood."""
    director = User(stack)
    verify_director(director, stack)
    director.says("我今天去了张小军家 他爷爷腿摔断了住院了 现在娃一个人在家 吃饭都是邻居给送")
    director.says("张小军")
    director.says("他爸妈在广东 我打电话了 说过几天回来")
    assert "风险等级" in director.text() and "广东省" not in director.text()
    director.says("娃才8岁 一个人在家我觉得挺危险的 算高吧")
    assert director.slot("visit_risk") == "高" and "建议下次探访" in director.text() and "依据" not in director.text()
    director.says("过两天再去看看")
    assert director.slot("visit_next_date") is not None, director.text()


def test_a_registration_reaches_the_village_director_and_their_work_list(stack: Stack) -> None:
    director, parent, elsewhere = User(stack), User(stack), User(stack)
    verify_director(director, stack, "虎头村")
    verify_director(elsewhere, stack, "集真村")
    child = "赵" + uuid.uuid4().hex[:2].translate(str.maketrans("0123456789abcdef", "一二三四五六七八九十甲乙丙丁戊己"))
    reference = register_child(parent, child, village="歇马街道虎头村")
    assert "已经送到歇马街道虎头村的儿童主任" in parent.text()
    recipients = records_query(stack, "select recipient, text from notifications where text like :r",
                               r=f"%{reference}%")
    assert [r[0] for r in recipients] == [director.sender], "only the village's director is told"
    assert child not in recipients[0][1], "the pushed notice masks the child's name"
    director.says("有没有新的报备")
    assert reference in director.text() and child in director.text()
    elsewhere.says("有没有新的报备")
    assert reference not in elsewhere.text() and child not in elsewhere.text()
    audit = records_cli(stack, "audit", "--actor", director.sender)
    assert reference in audit and "查看" in audit


def test_a_visit_sets_the_next_due_visit_and_the_director_sees_it(stack: Stack) -> None:
    director = User(stack)
    verify_director(director, stack, "龙凤社区")
    child = "钱" + uuid.uuid4().hex[:2].translate(str.maketrans("0123456789abcdef", "一二三四五六七八九十甲乙丙丁戊己"))
    visit(director, child, "11月20日", "高")  # high risk: due a week later, so due now
    director.says("我这周要走访谁")
    assert child in director.text() and "高风险" in director.text()
    director.says("有没有逾期的")
    assert director.text()
    outsider = User(stack)
    outsider.says("我这周要走访谁")
    assert "邀请码" in outsider.text() and child not in outsider.text()


def test_export_then_delete_my_data_removes_records_and_conversation(stack: Stack) -> None:
    parent = User(stack)
    reference = register_child(parent, "孙小梅", carer_phone="13711112222")
    parent.says("导出我的信息")
    assert reference in parent.text() and "13711112222" in parent.text()
    parent.says("删除我的信息")
    assert "/affirm" in parent.payloads() and "不能恢复" in parent.text()
    parent.says("/affirm")
    assert "已删除" in parent.text()
    assert records_query(stack, "select count(*) from registrations where ref = :r", r=reference) == [(0,)]
    events = parent.tracker()["events"]
    assert not any(e.get("event") == "user" and "孙小梅" in (e.get("text") or "") for e in events), \
        "the conversation that held the child's name is gone"
    parent.says("导出我的信息")
    assert reference not in parent.text()
    # nothing kept names them: not the audit log, not either server's log (issue 12)
    assert records_query(stack, "select count(*) from audit_log where actor = :s", s=parent.sender) == [(0,)]
    for log in (stack.var_dir / "log").glob("*.log"):
        text = log.read_text(encoding="utf-8", errors="ignore")
        assert parent.sender not in text and "13711112222" not in text, log.name


def test_declining_the_deletion_keeps_everything(stack: Stack) -> None:
    parent = User(stack)
    reference = register_child(parent, "周小兰")
    parent.says("把我的资料都删掉")
    parent.says("/deny")
    assert "没有删除" in parent.text()
    assert records_query(stack, "select count(*) from registrations where ref = :r", r=reference) == [(1,)]


def test_the_database_stopped_mid_conversation_loses_nothing(stack: Stack, records_server: PostgresServer) -> None:
    parent = User(stack)
    parent.says("我要外出打工，想给孩子报备")
    for answer in ("同意", "吴小军", "跳过", "10岁", "澄江镇北泉村", "吴大妈", "外婆", "13612345678", "深圳",
                   "13512345678", "明年6月"):
        parent.says(answer)
    assert "/affirm" in parent.payloads()
    records_server.stop()
    try:
        parent.says("/affirm")
        assert "保存不了" in parent.text() and "记着" in parent.text(), parent.text()
        assert "Traceback" not in parent.text()
    finally:
        records_server.start()
    parent.says("/affirm")
    reference = REFERENCE.search(parent.text())
    assert reference and reference.group().startswith("BB"), parent.text()
    assert records_query(stack, "select child_name, carer_phone from registrations where ref = :r",
                         r=reference.group()) == [("吴小军", "13612345678")], "every answer was kept"
    parent.says("/affirm")  # a late double tap
    assert records_query(stack, "select count(*) from registrations where sender_id = :s", s=parent.sender) == [(1,)]


def test_personal_data_never_reaches_the_logs_in_clear(stack: Stack) -> None:
    parent = User(stack)
    register_child(parent, "郑小雨", carer_phone="13298765432")
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (stack.var_dir / "log").glob("*.log"))
    assert "13298765432" not in logs and "13987654321" not in logs
    assert "郑小雨" not in logs


def test_the_http_api_shows_slots_cleared_after_filing(stack: Stack) -> None:
    parent = User(stack)
    register_child(parent, "冯小宝")
    response = httpx.get(f"{stack.rasa_url}/conversations/{parent.sender}/tracker",
                         headers=stack.api_headers, timeout=30)
    slots = response.json()["slots"]
    assert all(slots.get(name) is None for name in ("dep_child_name", "dep_carer_phone", "dep_parent_phone"))


@pytest.mark.parametrize("village, expected", [("大魔滩村", "大磨滩村吗"), ("东升村", "有2个"), ("火星村", "没有找到")])
def test_an_unknown_or_ambiguous_village_is_asked_again(user: User, village: str, expected: str) -> None:
    user.says("我要外出打工，想给孩子报备")
    for answer in ("同意", "陈小东", "跳过", "7岁"):
        user.says(answer)
    user.says(village)
    assert expected in user.text()
    assert user.active_form() == "departure_form"
