"""actions/parsing.py: every parser with a table of good answers and a table of bad ones.

A bad answer must raise ``BadAnswer`` whose text is the short, polite Chinese
sentence the bot says before asking again — never a traceback or an English
exception name. Today is pinned to 2026-12-01.
"""
from __future__ import annotations

import datetime as dt

import pytest

from actions.forms.report import REPORTER_ROLES
from actions.forms.visit import RISK_LEVELS, VISIT_KINDS, parse_risk
from actions.parsing import (
    BadAnswer,
    chinese_int,
    clean,
    parse_age,
    parse_choice,
    parse_date,
    parse_future_date,
    parse_name,
    parse_past_date,
    parse_phone,
    parse_relation,
    parse_return_time,
    parse_text,
    parse_village,
    parse_yes_no,
)
from unit_support import TODAY, assert_polite_chinese

D = dt.date

HTML = "<script>alert(1)</script>"
SQL = "'; DROP TABLE registrations;--"
HOSTILE = [
    pytest.param("", id="empty"),
    pytest.param("   \t\n ", id="whitespace"),
    pytest.param("x" * 10_000, id="10000-chars"),
    pytest.param("😀🎉👍🏻", id="emoji-only"),
    pytest.param(HTML, id="html"),
    pytest.param(SQL, id="sql"),
    pytest.param(None, id="none"),
]


def rejected(call, *args, **kwargs) -> str:
    """Call a parser that must refuse; return the message it would say (checked polite)."""
    with pytest.raises(BadAnswer) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert_polite_chinese(message)
    return message


# ---------------------------------------------------------------- clean / chinese_int


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("<b>王小明</b>", "王小明"),
        ("&lt;i&gt;大磨滩村&lt;/i&gt;", "大磨滩村"),
        ("A &amp; B", "A & B"),
        ("  石桥镇 \n\n 大磨滩村  ", "石桥镇 大磨滩村"),
        ("報備😀", "报备"),
        ("１３８", "138"),
        (None, ""),
        ("", ""),
    ],
)
def test_clean_strips_markup_and_normalises(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    "word, value",
    [("7", 7), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("两", 2), ("零", 0), ("一百", 100), ("", None), ("abc", None), ("十x", None)],
)
def test_chinese_int(word, value):
    assert chinese_int(word) == value


# ---------------------------------------------------------------- age


@pytest.mark.parametrize(
    "text, age",
    [
        ("12", 12),
        ("十二歲", 12),  # traditional script
        ("十二岁", 12),
        ("３岁", 3),  # full-width digit
        ("１７", 17),
        ("我家孩子8岁了", 8),
        ("孩子12岁，上六年级", 12),
        ("两岁", 2),
        ("十七周岁", 17),
        ("0", 0),
        ("刚出生", 0),
    ],
)
def test_parse_age_good(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["18", "100", "十八", "二十岁"])
def test_parse_age_adult_is_refused_with_the_range(text):
    message = rejected(parse_age, text)
    assert "18" in message and "17" in message


@pytest.mark.parametrize("text", ["１３８１２３４５６７８", "奶奶电话13912345678"])
def test_a_phone_number_said_at_the_age_question_is_no_age(text):
    """"奶奶电话13912345678" had been read as a child aged 139 ("这里登记的是未满18岁的孩子")."""
    message = rejected(parse_age, text)
    assert "几岁" in message and "18" not in message


@pytest.mark.parametrize("text", ["abc", "不知道", *[p for p in HOSTILE if p.id != "html"]])
def test_parse_age_bad(text):
    rejected(parse_age, text)


def test_parse_age_negative_is_refused():
    rejected(parse_age, "-1")


def test_parse_age_one_hundred_in_chinese_is_refused():
    rejected(parse_age, "一百岁")


def test_parse_age_months_old_baby_is_zero():
    assert parse_age("6个月") == 0


def test_parse_age_html_is_refused():
    rejected(parse_age, HTML)


# ---------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "text, phone",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("19912345678", "19912345678"),
        ("010-12345678", "01012345678"),  # landline with area code
        ("(0851)1234567", "08511234567"),
    ],
)
def test_parse_phone_good(text, phone):
    assert parse_phone(text) == phone


@pytest.mark.parametrize("text, length", [("1381234567", 10), ("138123456789", 12), ("１３８１２３４５６７", 10)])
def test_parse_phone_wrong_length_says_how_many_digits(text, length):
    message = rejected(parse_phone, text)
    assert f"{length}位" in message and "11位" in message


@pytest.mark.parametrize("text", ["abcdefghijk", "一三八一二三", "138abcd5678", *HOSTILE])
def test_parse_phone_bad(text):
    rejected(parse_phone, text)


def test_parse_phone_eleven_digits_not_a_mobile_message_makes_sense():
    message = rejected(parse_phone, "12812345678")
    assert "是11位，手机号应该是11位" not in message


def test_parse_phone_with_words_around_it():
    assert parse_phone("手机号是13812345678") == "13812345678"


# ---------------------------------------------------------------- name


@pytest.mark.parametrize(
    "text, name",
    [
        ("王小明", "王小明"),
        ("叫王小明", "王小明"),
        ("孩子叫李娜。", "李娜"),
        ("她的名字是张三", "张三"),
        ("王小明 ", "王小明"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("Tom", "Tom"),
        ("張偉", "张伟"),  # traditional script
        ("他外婆 李秀英 电话13907715566", "李秀英"),  # who, then the name, then the phone: the name
    ],
)
def test_parse_name_good(text, name):
    assert parse_name(text) == name


@pytest.mark.parametrize("text", ["王小明123", "13812345678", "王@明", "/affirm", "王" * 21, *HOSTILE])
def test_parse_name_bad(text):
    rejected(parse_name, text, "孩子的名字")


def test_parse_name_message_names_the_field_and_gives_an_example():
    message = rejected(parse_name, "王小明123", "照顾人的名字")
    assert "照顾人的名字" in message and "例如" in message


# ---------------------------------------------------------------- free text


@pytest.mark.parametrize(
    "text, value",
    [("歇马街道大磨滩村", "歇马街道大磨滩村"), ("大磨滩村 ", "大磨滩村"), ("北京", "北京"), ("廣州", "广州"), ("<b>大磨滩村</b>", "大磨滩村")],
)
def test_parse_text_good(text, value):
    assert parse_text(text, "村名", min_len=2) == value


@pytest.mark.parametrize("text", ["村", "!!!", "/inform", "x" * 41, *[p for p in HOSTILE if p.id not in {"html", "sql"}]])
def test_parse_text_bad(text):
    message = rejected(parse_text, text, "村名", min_len=2)
    assert "村名" in message


def test_parse_text_too_long_says_the_limit():
    assert "40" in rejected(parse_text, "新" * 41, "村名")


def test_parse_text_html_keeps_no_markup():
    """Markup is removed, not stored: what is left carries no tag a screen could run."""
    value = parse_text(HTML, "村名")
    assert "<" not in value and ">" not in value and "script" not in value


def test_parse_text_sql_is_kept_as_plain_text():
    """A free-text answer is stored as typed (bound parameters make it harmless; see test_submit_actions)."""
    assert parse_text(SQL, "探访情况", max_len=2000) == SQL


# ---------------------------------------------------------------- relation


@pytest.mark.parametrize(
    "text, relation",
    [
        ("爷爷", "爷爷"),
        ("是他奶奶", "奶奶"),
        ("姥姥", "外婆"),
        ("姥爺", "外公"),  # traditional script
        ("孩子的舅舅", "舅舅"),
        ("他爸爸", "父亲"),
        ("亲戚", "其他亲属"),
        ("其他亲属", "其他亲属"),
        ("继父", "继父"),  # unknown word kept
    ],
)
def test_parse_relation_good(text, relation):
    assert parse_relation(text) == relation


@pytest.mark.parametrize("text", ["/affirm", "住在我们家隔壁那个很好心的大婶", *[p for p in HOSTILE if p.id != "html"]])
def test_parse_relation_bad(text):
    rejected(parse_relation, text)


# ---------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    "text, intent, value",
    [
        ("是", None, True),
        ("对", None, True),
        ("好的", None, True),
        ("同意", None, True),
        ("可以", None, True),
        ("嗯", None, True),
        ("OK", None, True),
        ("已经报警了", None, True),
        ("报过了", None, True),
        ("不同意", None, False),
        ("不是", None, False),
        ("没有", None, False),
        ("还没报警", None, False),
        ("否", None, False),
        ("no", None, False),
        ("随便", "affirm", True),  # the classifier's intent wins
        ("随便", "deny", False),
        ("/affirm", "affirm", True),
    ],
)
def test_parse_yes_no_good(text, intent, value):
    assert parse_yes_no(text, intent) is value


@pytest.mark.parametrize("text", ["随便", "/affirm", *HOSTILE])
def test_parse_yes_no_bad(text):
    message = rejected(parse_yes_no, text, None)
    assert "是" in message


def test_parse_yes_no_no_problem_means_yes():
    assert parse_yes_no("没问题", None) is True


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, day",
    [
        ("今天", D(2026, 12, 1)),
        ("昨天", D(2026, 11, 30)),
        ("前天", D(2026, 11, 29)),
        ("大前天", D(2026, 11, 28)),
        ("3天前", D(2026, 11, 28)),
        ("三天前", D(2026, 11, 28)),
        ("11月20日", D(2026, 11, 20)),
        ("十一月二十日", D(2026, 11, 20)),
        ("１１月２０日", D(2026, 11, 20)),  # full-width digits
        ("2026-11-20", D(2026, 11, 20)),
        ("2026/11/20", D(2026, 11, 20)),
        ("2026年11月20日", D(2026, 11, 20)),
        ("去年12月25日", D(2025, 12, 25)),
        ("上个月15号", D(2026, 11, 15)),
        ("下个月15号", D(2027, 1, 15)),
        ("明天", D(2026, 12, 2)),
        ("7天后", D(2026, 12, 8)),
    ],
)
def test_parse_date_good(text, day):
    assert parse_date(text, TODAY) == day


@pytest.mark.parametrize("text", ["2月30日", "2026-02-30", "2026-13-01", "13月1日", "11月0日", "4月31号"])
def test_parse_date_impossible_date(text):
    assert "不存在" in rejected(parse_date, text, TODAY)


@pytest.mark.parametrize("text", ["11月", "下周", "某天", *HOSTILE])
def test_parse_date_bad(text):
    rejected(parse_date, text, TODAY)


@pytest.mark.parametrize("text, day", [("今天", TODAY), ("昨天", D(2026, 11, 30)), ("11月20日", D(2026, 11, 20)), ("2025-01-15", D(2025, 1, 15))])
def test_parse_past_date_good(text, day):
    assert parse_past_date(text, TODAY, "探访日期") == day


@pytest.mark.parametrize("text", ["明天", "12月25日", "2027-01-01", "3天后", "下个月15号"])
def test_parse_past_date_refuses_the_future(text):
    message = rejected(parse_past_date, text, TODAY, "探访日期")
    assert "不能晚于今天" in message and "2026-12-01" in message and "探访日期" in message


def test_parse_past_date_refuses_long_ago():
    assert "两年" in rejected(parse_past_date, "2020-01-01", TODAY, "探访日期")


@pytest.mark.parametrize("text", ["2月30日", *HOSTILE])
def test_parse_past_date_bad(text):
    rejected(parse_past_date, text, TODAY, "探访日期")


def test_parse_past_date_across_new_year():
    assert parse_past_date("12月25日", D(2027, 1, 5), "探访日期") == D(2026, 12, 25)


@pytest.mark.parametrize("text, day", [("今天", TODAY), ("明天", D(2026, 12, 2)), ("12月8日", D(2026, 12, 8)), ("下个月15号", D(2027, 1, 15)), ("30天后", D(2026, 12, 31))])
def test_parse_future_date_good(text, day):
    assert parse_future_date(text, TODAY, "下次探访日期") == day


@pytest.mark.parametrize("text, day", [("下个月再去", D(2027, 1, 1)), ("下周吧", D(2026, 12, 8)), ("过一个月", D(2027, 1, 1))])
def test_a_planned_visit_said_as_a_period_is_a_week_or_a_month_on(text, day):
    """"下个月再去" at the next-visit question got "这个日期我没看懂" with an example date already past."""
    assert parse_future_date(text, TODAY, "下次探访日期") == day


def test_a_date_not_understood_gets_an_example_on_the_right_side_of_today():
    assert "12月15日" in rejected(parse_future_date, "某天", TODAY, "下次探访日期")
    assert "11月28日" in rejected(parse_past_date, "某天", TODAY, "探访日期")


@pytest.mark.parametrize("text", ["昨天", "11月20日", "2026-01-01"])
def test_parse_future_date_refuses_the_past(text):
    message = rejected(parse_future_date, text, TODAY, "下次探访日期")
    assert "不能早于今天" in message and "2026-12-01" in message


def test_parse_future_date_refuses_more_than_a_year_ahead():
    assert "一年" in rejected(parse_future_date, "2028-01-01", TODAY, "下次探访日期")


@pytest.mark.parametrize("text", ["2月30日", *HOSTILE])
def test_parse_future_date_bad(text):
    rejected(parse_future_date, text, TODAY, "下次探访日期")


def test_parse_future_date_across_new_year():
    assert parse_future_date("1月10日", D(2026, 12, 20), "下次探访日期") == D(2027, 1, 10)


# ---------------------------------------------------------------- return time


@pytest.mark.parametrize(
    "text, value",
    [
        ("明年2月", "2027-02"),
        ("2月", "2027-02"),  # an earlier month than now is next year
        ("二月份", "2027-02"),
        ("12月", "2026-12"),
        ("3个月后", "2027-03"),
        ("两个月后", "2027-02"),
        ("春节", "春节"),
        ("過年", "过年"),  # traditional script
        ("不确定", "未定"),
        ("还不知道，看情况", "未定"),
        ("2027-03-01", "2027-03-01"),
        ("明年1月15日", "2027-01-15"),
    ],
)
def test_parse_return_time_good(text, value):
    assert parse_return_time(text, TODAY) == value


@pytest.mark.parametrize("text", ["13月", "明年13月"])
def test_parse_return_time_impossible_month(text):
    assert "月份不存在" in rejected(parse_return_time, text, TODAY)


@pytest.mark.parametrize("text", ["昨天", "2026-01-01"])
def test_parse_return_time_refuses_the_past(text):
    assert "不能早于今天" in rejected(parse_return_time, text, TODAY)


@pytest.mark.parametrize("text", ["x", "2月30日", *HOSTILE])
def test_parse_return_time_bad(text):
    message = rejected(parse_return_time, text, TODAY)
    assert "回来" in message or "不存在" in message


def test_parse_return_time_next_january():
    assert parse_return_time("1月15日", TODAY) == "2027-01-15"


# ---------------------------------------------------------------- choices


@pytest.mark.parametrize(
    "text, kind",
    [("入户", "入户"), ("上门看了", "入户"), ("去家里看的", "入户"), ("打电话", "电话"), ("视频", "电话"), ("去学校", "学校"), ("問了老師", "学校")],
)
def test_parse_choice_visit_kind(text, kind):
    assert parse_choice(text, VISIT_KINDS, "请选一种探访方式。") == kind


@pytest.mark.parametrize("text", ["路上碰到的", *HOSTILE])
def test_parse_choice_bad_repeats_the_question(text):
    assert rejected(parse_choice, text, VISIT_KINDS, "请选一种探访方式：入户、电话，还是学校。") == (
        "请选一种探访方式：入户、电话，还是学校。"
    )


@pytest.mark.parametrize(
    "text, risk",
    [("高", "高"), ("风险很高", "高"), ("很严重", "高"), ("一般", "一般"), ("有点风险", "一般"), ("无", "无"), ("正常", "无"), ("挺好的", "无")],
)
def test_parse_choice_risk_level(text, risk):
    assert parse_choice(text, RISK_LEVELS, "请选一个风险等级。") == risk


@pytest.mark.parametrize(
    "text, risk",
    [
        pytest.param("风险不高", "一般", id="not-high"),
        pytest.param("没有风险", "无", id="no-risk"),
        pytest.param("不严重", "一般", id="not-serious"),
        pytest.param("没危险", "无", id="no-danger"),
    ],
)
def test_parse_risk_understands_negation(text, risk):
    assert parse_risk(text) == risk


@pytest.mark.parametrize(
    "text, role",
    [("我是儿童主任", "儿童主任"), ("督导员", "儿童督导员"), ("我是他老师", "教师"), ("孩子妈妈", "家长或亲属"), ("村委会的", "村（居）委会工作人员"), ("卫生院医生", "医护人员")],
)
def test_parse_choice_reporter_role(text, role):
    assert parse_choice(text, REPORTER_ROLES, "请选一下您的身份。") == role


# ---------------------------------------------------------------- villages (the directory in records/data)


@pytest.mark.parametrize("text, village", [
    ("大磨滩村", "歇马街道大磨滩村"),
    ("歇马街道大磨滩村", "歇马街道大磨滩村"),
    ("大磨滩", "歇马街道大磨滩村"),
    ("歇馬街道大磨灘村", "歇马街道大磨滩村"),
    ("我们是静观镇素心村3组的", "静观镇素心村"),
    ("柳荫镇东升村", "柳荫镇东升村"),
    ("龙凤社区", "歇马街道龙凤社区"),
])
def test_parse_village_good(text, village):
    assert parse_village(text) == village


@pytest.mark.parametrize("text, hint", [
    ("东升村", "有2个"),
    ("大魔滩村", "大磨滩村吗"),
    ("北京市朝阳区", "还没有开通"),  # a county not covered: said so, not "没有找到"
    ("火星村", "没有找到"),
    ("村", "太短"),
    ("123456", "没有找到"),
    ("石门镇大磨滩村", "在歇马街道，不在石门镇"),  # another township's name: asked, not saved as 歇马街道's village
])
def test_parse_village_unknown_or_ambiguous(text, hint):
    assert hint in rejected(parse_village, text)


@pytest.mark.parametrize("text", HOSTILE)
def test_parse_village_hostile(text):
    message = rejected(parse_village, text)
    assert "DROP" not in message and "<script" not in message


@pytest.mark.parametrize("said", ["他奶奶带", "外婆", "奶奶在带"])
def test_who_looks_after_the_child_is_not_taken_for_their_name(said):
    """"他奶奶带" at the carer's name once became the carer's name: it is taken as who, and the form asks
    that relative's name (``action_ask_dep_carer_name``)."""
    from actions.parsing import BadAnswer, parse_name

    with pytest.raises(BadAnswer, match="好的，是(奶奶|外婆)。"):
        parse_name(said, "照顾人的名字")


@pytest.mark.parametrize("said, city", [("在深圳", "深圳"), ("去东莞打工", "东莞"), ("广州那边上班", "广州")])
def test_the_work_city_is_the_city_alone(said, city):
    from actions.parsing import parse_city

    assert parse_city(said) == city


def test_a_phone_number_is_not_a_city():
    from actions.parsing import BadAnswer, parse_city

    with pytest.raises(BadAnswer, match="城市"):
        parse_city("我的号就是这个 13812345678")


@pytest.mark.parametrize("said", ["十岁了", "他奶奶带", "身份证在他妈那儿"])
def test_an_answer_to_something_else_at_the_id_step_skips_the_optional_id(said):
    from actions.forms.base import Answer
    from actions.forms.departure import SKIP, _child_id

    assert _child_id(Answer(said, "inform", TODAY, {})) == SKIP


@pytest.mark.parametrize("said, kept", [("明年春节回来", "明年春节"), ("国庆才回得来", "国庆"), ("过完年", "过完年")])
def test_a_return_time_is_kept_without_its_return_words(said, kept):
    """The director's list read "预计明年春节回来回来"."""
    from actions.parsing import parse_return_time

    assert parse_return_time(said, TODAY) == kept


def test_a_carer_with_no_phone_is_asked_for_a_number_that_reaches_them():
    """"不知道姥姥电话 她没手机" got "这个电话号码好像不对"."""
    from actions.forms.departure import _carer_phone
    from actions.parsing import BadAnswer

    with pytest.raises(BadAnswer, match="邻居"):
        _carer_phone("不知道姥姥电话 她没手机")
    assert _carer_phone("她没手机 邻居电话13912345678") == "13912345678"


@pytest.mark.parametrize("said, day", [("过两天再去看看", "2026-12-09"), ("下周三", "2026-12-16"), ("下礼拜一", "2026-12-14"),
                                      ("一个礼拜后", "2026-12-14"), ("大后天", "2026-12-10")])
def test_a_next_visit_said_in_words_is_a_day(said, day):
    from actions.parsing import parse_future_date

    assert parse_future_date(said, dt.date(2026, 12, 7)).isoformat() == day


def test_a_visit_last_friday_is_that_friday():
    from actions.parsing import parse_past_date

    assert parse_past_date("上周五", dt.date(2026, 12, 7)) == dt.date(2026, 12, 4)


@pytest.mark.parametrize("said", ["好", "好的", "嗯嗯", "行"])
def test_a_yes_to_go_on_is_no_name(said):
    from actions.parsing import BadAnswer, parse_name

    with pytest.raises(BadAnswer):
        parse_name(said, "孩子的名字")


@pytest.mark.parametrize("said, name", [("孩子叫孙一诺今年五岁了在上幼儿园大班", "孙一诺"), ("王浩宇 小名叫豆豆", "王浩宇"),
                                        ("佢嫲嫲 黃美華", "黄美华"), ("孙小雨 今天 入户", "孙小雨"), ("王 小明", "王小明")])
def test_the_name_in_what_people_say_at_the_name_question(said, name):
    assert parse_name(said) == name


@pytest.mark.parametrize("said", ["幼儿园", "今天 入户"])
def test_a_school_or_a_day_is_no_name(said):
    with pytest.raises(BadAnswer):
        parse_name(said)


@pytest.mark.parametrize("said, back", [("大概明年六月返嚟", "2027-06"), ("腊月二十几号吧", "腊月二十几号")])
def test_a_return_said_in_cantonese_or_vaguely_is_kept_as_meant(said, back):
    assert parse_return_time(said, dt.date(2026, 12, 7)) == back
