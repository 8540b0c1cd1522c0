"""actions/parsing.py: 18-digit resident ID numbers (GB 11643-1999), good and bad.

Valid numbers are built here with an independent check-digit helper (weights
as powers of two mod 11, not the parser's table), so a wrong table in the
parser cannot make its own tests pass. Today is pinned to 2026-12-01.
"""
from __future__ import annotations

import datetime as dt

import pytest

from actions.parsing import BadAnswer, id_number_birth_date, parse_child_id_number, parse_id_number
from unit_support import TODAY, assert_polite_chinese


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2: the weight of position i (counted from the right, check digit = 1) is 2^(i-1) mod 11."""
    total = sum(int(d) * pow(2, 17 - k, 11) for k, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make(born: str = "20150312", region: str = "520102", seq: str = "123") -> str:
    """A valid 18-character number from its parts."""
    first17 = region + born + seq
    assert len(first17) == 17
    return first17 + check_char(first17)


def make_with_check(char: str, born: str = "20150312", region: str = "520102") -> str:
    """A valid number whose check character is ``char`` (the first sequence number that gives it)."""
    for n in range(1000):
        number = make(born, region, f"{n:03d}")
        if number[-1] == char:
            return number
    raise AssertionError(f"no sequence number gives check character {char}")


def wrong_check(number: str) -> str:
    """The same number with a check character that does not match."""
    return number[:17] + ("1" if number[-1] != "1" else "2")


def swap_sequence_digits(number: str) -> str:
    """The number with its 15th and 16th digits swapped (a typing slip MOD 11-2 always catches)."""
    assert number[14] != number[15]
    return number[:14] + number[15] + number[14] + number[16:]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def grouped(number: str, sep: str = " ") -> str:
    """520102 20150312 123X: region, birth date, sequence + check."""
    return sep.join((number[:6], number[6:14], number[14:]))


def rejected(call, *args) -> str:
    """Call a parser that must refuse; return the message it would say (checked polite)."""
    with pytest.raises(BadAnswer) as caught:
        call(*args)
    message = str(caught.value)
    assert_polite_chinese(message)
    return message


PLAIN = make()
WITH_X = make_with_check("X")
WITH_ZERO = make_with_check("0")


def test_independent_helper_agrees_with_a_published_example():
    # The specimen number printed in GB 11643-1999 and countless guides.
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


# ---------------------------------------------------------------- good numbers


GOOD = [
    pytest.param(PLAIN, PLAIN, id="plain"),
    pytest.param(WITH_X, WITH_X, id="check-X"),
    pytest.param(WITH_X.lower(), WITH_X, id="check-lowercase-x"),
    pytest.param(WITH_ZERO, WITH_ZERO, id="check-0"),
    pytest.param(fullwidth(WITH_X), WITH_X, id="full-width-digits-and-X"),
    pytest.param(fullwidth(WITH_X.lower()), WITH_X, id="full-width-lowercase-x"),
    pytest.param(grouped(WITH_X), WITH_X, id="spaced-groups"),
    pytest.param(grouped(WITH_X, "-"), WITH_X, id="dashed-groups"),
    pytest.param(grouped(PLAIN, "\u3000"), PLAIN, id="ideographic-spaces"),
    pytest.param(" ".join(PLAIN[i : i + 4] for i in range(0, 18, 4)), PLAIN, id="groups-of-four"),
    pytest.param(f"  {PLAIN}  \n", PLAIN, id="surrounding-whitespace"),
    pytest.param(f"身份证号：{PLAIN}", PLAIN, id="lead-in-words"),
    pytest.param(f"孩子的身份證號碼是 {grouped(WITH_X.lower())}。", WITH_X, id="traditional-lead-in"),
    pytest.param(f"<b>{PLAIN}</b>", PLAIN, id="html-around"),
    pytest.param(make("20160229"), make("20160229"), id="leap-day"),
    pytest.param(make(TODAY.strftime("%Y%m%d")), make(TODAY.strftime("%Y%m%d")), id="born-today"),
    pytest.param(make("19000101"), make("19000101"), id="born-1900-01-01"),
    pytest.param(make(region="110105"), make(region="110105"), id="region-starting-1"),
    pytest.param(make(region="810000"), make(region="810000"), id="region-starting-8"),
]


@pytest.mark.parametrize("text, number", GOOD)
def test_parse_id_number_good(text, number):
    assert parse_id_number(text, TODAY) == number


def test_result_is_eighteen_characters_with_uppercase_x():
    value = parse_id_number(grouped(WITH_X.lower(), "-"), TODAY)
    assert len(value) == 18 and value.endswith("X") and value[:17].isdigit()


# ---------------------------------------------------------------- bad numbers

HTML = "<script>alert(1)</script>"
SQL = "'; DROP TABLE children;--"

BAD = [
    pytest.param("", "没有收到", id="empty"),
    pytest.param("   \t\n ", "没有收到", id="whitespace"),
    pytest.param(None, "没有收到", id="none"),
    pytest.param("😀🎉👍🏻", "没有收到", id="emoji-only"),
    pytest.param("/inform", "没有收到", id="button-payload"),
    pytest.param(HTML, "看不懂", id="html"),
    pytest.param(SQL, "看不懂", id="sql"),
    pytest.param(f"{PLAIN[:9]}？{PLAIN[9:]}", "看不懂", id="punctuation-inside"),
    pytest.param("不知道", "看不懂", id="words"),
    pytest.param("x" * 10_000, "只有最后一位可能是字母X", id="10000-letters"),
    pytest.param("5" * 10_000, "10000位", id="10000-digits"),
    pytest.param(PLAIN[:17], "17位", id="17-digits"),
    pytest.param(PLAIN + "3", "19位", id="19-digits"),
    pytest.param(PLAIN[:16] + "X", "17位", id="16-digits-and-X"),
    pytest.param("520102150312123", "15位", id="old-15-digit"),
    pytest.param("520102 150312 123", "15位", id="old-15-digit-spaced"),
    pytest.param(PLAIN[:8] + "A" + PLAIN[9:], "字母X", id="letter-in-middle"),
    pytest.param("X" + PLAIN[1:], "字母X", id="X-first"),
    pytest.param(PLAIN[:17] + "Y", "字母X", id="final-letter-not-X"),
    pytest.param(wrong_check(PLAIN), "最后一位（校验码）对不上，请再核对一下", id="wrong-check-digit"),
    pytest.param(wrong_check(WITH_X), "校验码", id="X-expected-digit-given"),
    pytest.param(PLAIN[:17] + "X", "校验码", id="X-given-digit-expected"),
    pytest.param(swap_sequence_digits(PLAIN), "校验码", id="swapped-digits"),
    pytest.param(make("20150230"), "不是一个真实的日期", id="30-february"),
    pytest.param(make("20150229"), "不是一个真实的日期", id="29-february-not-leap"),
    pytest.param(make("20151301"), "不是一个真实的日期", id="month-13"),
    pytest.param(make("20150100"), "不是一个真实的日期", id="day-0"),
    pytest.param(make("18991231"), "早于1900年", id="before-1900"),
    pytest.param(make("20261202"), "晚于今天", id="born-tomorrow"),
    pytest.param(make("20300101"), "晚于今天", id="born-in-2030"),
    pytest.param(make(region="020102"), "第一位（地区代码）", id="region-starting-0"),
    pytest.param(make(region="920102"), "第一位（地区代码）", id="region-starting-9"),
]


@pytest.mark.parametrize("text, problem", BAD)
def test_parse_id_number_bad_says_what_is_wrong(text, problem):
    assert problem in rejected(parse_id_number, text, TODAY)


def test_every_bad_number_is_really_bad_for_the_reason_tested():
    # The date and region cases carry a correct check digit, so only the tested problem is wrong.
    for number in (make("20150230"), make("20261202"), make(region="020102"), make(region="920102")):
        assert check_char(number[:17]) == number[-1]
    # The check-digit cases are wrong only in the check digit.
    assert PLAIN[-1] != "X" and WITH_X[-1] == "X"
    assert swap_sequence_digits(PLAIN) != PLAIN


def test_wrong_length_message_counts_only_the_digits_typed():
    assert "17位" in rejected(parse_id_number, grouped(PLAIN[:17]), TODAY)


def test_impossible_date_message_quotes_the_date_digits():
    assert "20150230" in rejected(parse_id_number, make("20150230"), TODAY)


def test_future_date_message_gives_the_date():
    assert "2026年12月2日" in rejected(parse_id_number, make("20261202"), TODAY)


def test_different_problems_get_different_messages():
    messages = {
        rejected(parse_id_number, text, TODAY)
        for text in ("", "520102150312123", PLAIN[:17], PLAIN[:8] + "A" + PLAIN[9:], wrong_check(PLAIN),
                     make("20150230"), make("20261202"), make(region="920102"), HTML)
    }
    assert len(messages) == 9


# ---------------------------------------------------------------- birth date


def test_birth_date_is_read_from_digits_7_to_14():
    assert id_number_birth_date(make("20150312")) == dt.date(2015, 3, 12)
    assert id_number_birth_date(make_with_check("X", "20081130")) == dt.date(2008, 11, 30)


@pytest.mark.parametrize("junk", ["", "12345", "52010220150312123Y", "5201022015031212x"])
def test_birth_date_of_something_not_parsed_is_a_programming_error(junk):
    with pytest.raises(ValueError):
        id_number_birth_date(junk)


# ---------------------------------------------------------------- a child's number

CHILD_GOOD = [
    pytest.param(make("20150312"), id="eleven-years-old"),
    pytest.param(make_with_check("X", "20261130"), id="baby-born-yesterday"),
    pytest.param(make("20081202"), id="turns-18-tomorrow"),
]


@pytest.mark.parametrize("number", CHILD_GOOD)
def test_parse_child_id_number_good(number):
    assert parse_child_id_number(grouped(number.lower()), TODAY) == number


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(make("20081201"), id="eighteen-today"),
        pytest.param(make("19900515"), id="adult"),
        pytest.param(make_with_check("X", "19491001"), id="grandparent"),
    ],
)
def test_parse_child_id_number_refuses_an_adult(number):
    message = rejected(parse_child_id_number, number, TODAY)
    assert "18岁" in message and "孩子" in message


def test_child_born_on_29_february_turns_18_on_1_march():
    number = make("20080229")
    assert parse_child_id_number(number, dt.date(2026, 2, 28)) == number
    assert "18岁" in rejected(parse_child_id_number, number, dt.date(2026, 3, 1))


@pytest.mark.parametrize("text, problem", [p for p in BAD if p.id in {"empty", "17-digits", "wrong-check-digit", "born-tomorrow"}])
def test_parse_child_id_number_passes_on_the_number_problems(text, problem):
    assert problem in rejected(parse_child_id_number, text, TODAY)
