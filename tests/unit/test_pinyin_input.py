"""Pinyin sent as it was typed is read as the characters it stands for; English and codes are left alone."""
import pytest

from nlu.components.pinyin_input import split_syllables
from nlu.components.text_normaliser import normalise


@pytest.mark.parametrize("typed, meant", [
    ("wo bu xiang huo le, wo zai jiang bian", "我不想活了，我在江边"),
    ("shishi guer butie zai nali shenqing", "事实孤儿补贴在那里申请"),
    ("zhuan rengong", "转人工"),
    ("zhuanrengong", "转人工"),
    ("tongyi", "同意"),
    ("bu tongyi", "不同意"),
    ("wo yao baobei", "我要报备"),
    ("nüe dai", "虐待"),
    ("Hao De", "好的"),
    ("haizi bei da le zenme ban", "孩子被打了怎么办"),
])
def test_a_message_of_pinyin_is_read_as_characters(typed, meant):
    assert normalise(typed) == meant


@pytest.mark.parametrize("text", ["help me please", "do you speak english", "K7QM-2XPA", "ok", "a", "/request_human",
                                  "a man can go", "孩子 hao de"])
def test_english_codes_single_syllables_and_mixed_text_stay_as_typed(text):
    assert normalise(text) == text


def test_a_word_splits_into_the_fewest_syllables():
    assert split_syllables("buxiang") == ["bu", "xiang"]
    assert split_syllables("xian") == ["xian"]
    assert split_syllables("dangan") == ["dang", "an"]
    assert split_syllables("hello") is None


def test_a_long_run_of_letters_is_left_alone_and_quickly():
    assert normalise("a" * 10_000) == "a" * 10_000
    assert normalise("wo " * 200) == ("wo " * 200).strip()
