"""Personal data kept out of logs: ``mask_text`` and the ``MaskingFilter`` every server installs on its handlers.

Pure functions and logging only: these run once, not per database.
"""
from __future__ import annotations

import io
import logging
from typing import Iterator

import pytest

from records.privacy import MaskingFilter, install_log_masking, mask_id_number, mask_name, mask_phone, mask_text



@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # mobile numbers
        ("电话13812345678", "电话138****5678"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234-5678", "138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("两个号码13812345678和19987654321。", "两个号码138****5678和199****4321。"),
        # ID numbers: 18 digits (last may be X), and the old 15 digits
        ("身份证500109201801011234", "身份证500***********1234"),
        ("身份证号11010519900101123X，", "身份证号110***********123X，"),
        ("11010519900101123x", "110***********123x"),
        ("老身份证110105900101123", "老身份证110********1123"),
        # landlines
        ("座机023-68861234", "座机023-****234"),
        ("0851-8123456", "0851-****456"),
        # e-mail
        ("邮箱zhang.san@example.com", "邮箱z***@example.com"),
        # names after the words that introduce them
        ("孩子叫王小明，今年8岁", "孩子叫王**，今年8岁"),
        ("姓名：张三", "姓名：张*"),
        ("姓名:张三丰", "姓名:张**"),
        ("照顾人：李秀英", "照顾人：李**"),
        ("孩子的名字是刘洋", "孩子的名字是刘*"),
        ('{"child_name": "张三丰", "age": 8}', '{"child_name": "张**", "age": 8}'),
        ("{'carer_name': '李四'}", "{'carer_name': '李*'}"),
        ('"name":"欧阳娜娜"', '"name":"欧***"'),
        # all at once, as a logged slot dump
        ('{"carer_name": "李秀英", "carer_phone": "139-1234-5678", "id": "500109201801011234"}',
         '{"carer_name": "李**", "carer_phone": "139****5678", "id": "500***********1234"}'),
        pytest.param("座机(023)68861234", "座机023-****234", id="landline-in-brackets"),
        pytest.param("座机023-6886-1234", "座机023-****234", id="landline-two-dashes"),
        pytest.param("电话１３８１２３４５６７８", "电话138****5678", id="full-width-mobile"),
    ],
)
def test_mask_text_hides_personal_data(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "您的编号是 BB20261201-7KQ2",
        "工单 RG20261231-8888 已关闭",
        "儿童档案 ET20260101-2345",
        "探访记录 TF20261201-3813",
        "下次探访 2026-12-01，上次 2026-11-30",
        "2026-12-01 08:00:00,123 INFO rasa.core",
        "2026年12月1日",
        "孤儿基本生活费每人每月1050元",
        "标准不低于1400元/月",
        "《未成年人保护法》第72条",
        "《未成年人网络保护条例》第三十六条",
        "拨打12349或110",
        "请在72小时内使用",
    ],
)
def test_mask_text_leaves_reference_numbers_dates_and_figures_alone(text: str) -> None:
    assert mask_text(text) == text


def test_the_single_value_maskers() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("张三") == "张*"
    assert mask_name("") == "" and mask_name(None) == ""
    assert mask_phone("138-1234-5678") == "138****5678"
    assert mask_phone("123") == "****"
    assert mask_id_number("500109201801011234") == "500***********1234"


@pytest.fixture
def masked_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own whose one handler writes to a string, with masking installed as the servers do."""
    logger = logging.getLogger("tests.records.masking")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    install_log_masking(logger)
    install_log_masking(logger)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_masking_is_installed_once_per_handler(masked_logger) -> None:
    logger, stream = masked_logger
    [handler] = [h for h in logger.handlers if getattr(h, "stream", None) is stream]
    assert sum(isinstance(f, MaskingFilter) for f in handler.filters) == 1


def test_log_arguments_are_masked(masked_logger) -> None:
    logger, stream = masked_logger
    logger.info("saved carer %s phone %s id %s", "李秀英", "13912345678", "500109201801011234")
    logger.info("slots %s", {"child_name": "王小明", "parent_phone": "13812345678"})
    out = stream.getvalue()
    assert "INFO saved carer" in out  # the record is written, not dropped
    for secret in ("13912345678", "500109201801011234", "13812345678", "王小明"):
        assert secret not in out
    assert "139****5678" in out and "500***********1234" in out and "王**" in out


def test_an_exception_logged_with_its_traceback_is_masked(masked_logger) -> None:
    logger, stream = masked_logger
    try:
        raise ValueError("could not save carer phone 13912345678 for 姓名：李秀英")
    except ValueError:
        logger.exception("filing failed for %s", "500109201801011234")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    for secret in ("13912345678", "李秀英", "500109201801011234"):
        assert secret not in out
    assert "139****5678" in out


def test_a_traceback_another_handler_formatted_first_is_masked_too(masked_logger) -> None:
    logger, stream = masked_logger
    plain = logging.StreamHandler(io.StringIO())  # formats (and caches) the traceback unmasked
    logger.handlers.insert(0, plain)
    try:
        try:
            raise RuntimeError("phone 13812345678")
        except RuntimeError:
            logger.exception("oops")
    finally:
        logger.removeHandler(plain)
    assert "13812345678" not in stream.getvalue()
    assert "138****5678" in stream.getvalue()


def test_a_badly_formatted_record_does_not_print_its_arguments_unmasked(masked_logger, capsys) -> None:
    """Too few arguments: logging prints 'Message: ... Arguments: (...)' to stderr; they must be masked too."""
    logger, stream = masked_logger
    logger.warning("carer phone %s and %s", "13912345678")
    captured = capsys.readouterr()
    assert "13912345678" not in stream.getvalue() + captured.err + captured.out


@pytest.mark.parametrize("written, secret, shown", [
    ("身份证 1101 0120 1703 0500 11", "1703", "110***********0011"),
    ("电话 138.1234.5678", "1234", "138****5678"),
    ("电话 138 1234 5678", "1234", "138****5678"),
    ("ＩＤ：５００１０９２０１８０１０１１２３４", "20180101", "500***********1234"),
])
def test_numbers_written_in_groups_are_masked(written, secret, shown) -> None:
    masked = mask_text(written)
    assert secret not in masked and shown in masked


def test_what_bypasses_logging_is_masked_too() -> None:
    """A warning (Rasa warns of an unparseable '/greet 电话…' this way) and an uncaught traceback go to stderr."""
    import subprocess
    import sys

    script = (
        "import logging, sys, warnings\n"
        "logging.basicConfig(stream=sys.stderr, format='%(name)s %(message)s')\n"
        "from records.privacy import install_log_masking\n"
        "install_log_masking()\n"
        "warnings.warn('could not parse /greet 电话13812345678')\n"
        "print('printed 500109201801011234', file=sys.stderr)\n"
        "raise RuntimeError('carer phone 13912345678')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    out = done.stderr + done.stdout
    assert "py.warnings" in out and "RuntimeError" in out  # written, not swallowed
    for secret in ("13812345678", "500109201801011234", "13912345678"):
        assert secret not in out, out


def test_a_huge_log_line_is_cut_before_it_is_masked(masked_logger) -> None:
    logger, stream = masked_logger
    logger.info("message %s", "孩" * 100_000 + "13812345678")
    out = stream.getvalue()
    assert len(out) < 10_000 and "截断" in out


def test_conversations_idle_longer_than_the_retention_are_purged(tmp_path) -> None:
    """Issue 12: the conversation store keeps what people typed; it is not kept for ever."""
    import json

    from sqlalchemy import create_engine, text

    from records.retention import DAY_SECONDS, purge_conversations

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    now = 2_000_000_000.0
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                                "timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)"))
        for sender, age_days in (("old", 200), ("old", 190), ("recent", 200), ("recent", 3)):
            connection.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                               {"s": sender, "t": now - age_days * DAY_SECONDS, "d": json.dumps({"text": "孩子叫王小明"})})
    assert purge_conversations(url, days=180, now=now) == 1
    with engine.connect() as connection:
        left = sorted({row[0] for row in connection.execute(text("SELECT sender_id FROM events"))})
    assert left == ["recent"]  # a conversation still going keeps its whole history
    assert purge_conversations(f"sqlite:///{tmp_path / 'missing.db'}", days=180, now=now) == 0  # no store yet
