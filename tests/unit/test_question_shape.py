"""A question or a worry is told from an answer, as people write both in the middle of a form."""
from __future__ import annotations

import pytest

from nlu.components.question_shape import is_question

QUESTIONS = [
    "补贴要几天到账", "要等几天",
    # asked in the middle of a report: A-not-A inside the sentence, Cantonese, a fear of being known
    "你先说 15岁嫁人 不领证 办酒 到底犯不犯法", "等一下 这个犯法不 她爹说我们这边都这样", "我哋要唔要俾錢佢",
    "我打了110 但是我怕那男的晓得是我报的",
    "委托照护人是什么意思", "有两个孩子怎么填", "照护人一定要是亲戚吗", "为什么要填身份证", "12355是干嘛的",
    "为啥要给你们我的信息，会不会泄露", "这些信息谁能看到", "填了以后会给谁看", "可以不填吗", "身份证号一定要填？",
    "我要是不填会怎样", "那散居的呢", "写错了能改不", "这个登记有啥用", "你们会把我电话给别人不",
    "孩子跟奶奶住行不行", "回来时间不确定咋写", "能不能写两个孩子", "妈妈的电话也要吗", "照顧人一定要是親戚嗎",
    "俺娃他大伯能当照顾人中不中", "報告咗之後會點樣？", "要报给哪个部门", "我不想让人知道是我报的", "怕他家报复",
    "能匿名吗", "这个表交给谁", "村名要写全称吗", "你是机器人吗", "wei shen me yao shen fen zheng?",
    "外出登记表要填照护人啥信息", "我想知道探访记录要写几次", "请问报备以后村里会来人看吗",
    "我娃的资料你们拿去做啥",
]
ANSWERS = [
    "张小明", "她外婆，叫陈淑芬", "13", "十二岁", "静观镇集真村", "奶奶", "13912345678", "一三九一二三四五六七八",
    "深圳", "腊月回来", "过完年", "不知道", "没有身份证", "同意", "对的就是那个", "是", "不清楚，是村东头老李家的孙女",
    "我还没想好什么时候回来", "不知道他叫什么", "孩子他爸喝醉了打孩子", "他爷爷，身体还行", "在浙江宁波打工",
    "明年春节前后", "就是我刚说的，13岁怀孕了", "家里人不让说", "邻居家的小孩，大概七八岁", "不记得多少号了",
    "好的", "没问题", "不同意", "算了不填了", "我不想说", "他们家的孩子老是没人管，饭也吃不上", "暂时回不来",
    "不知道什么时候回", "/affirm", "", "啥时候回来说不准 可能过年", "哪天走还没定",
    "他爸妈在广东 我打电话了 说过几天回来", "好几天没见着娃了", "前几天发烧了", "这几个孩子都挺好",
    "他爸天天打他 不管不顾", "孩子说不想不想回家",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_or_a_worry_is_a_question(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_an_answer_is_not_a_question(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize("text, english", [("Hello, do you speak English?", True), ("My child is missing", True),
                                           ("zhuan rengong", False), ("wo bu xiang huo le", False),
                                           ("K7QM-2XPA", False), ("孩子 is 8", False)])
def test_english_is_told_from_pinyin_and_codes(text, english):
    from nlu.components.question_shape import is_english

    assert is_english(text) is english


@pytest.mark.parametrize("text, quits", [
    ("娃初二就不读了 跟人去广东进厂", True),
    ("我女儿今年14 她说她不想读书了 要出去打工", True),
    ("我下个月去广东进厂 孩子跟奶奶", False),
])
def test_a_child_leaving_school_is_told_from_a_parent_leaving_for_work(text, quits):
    from nlu.components.question_shape import tells_child_quits_school

    assert tells_child_quits_school(text) is quits


@pytest.mark.parametrize("text, child", [
    ("我奶奶老是打我 我不想回家", True),
    ("我13岁 有个网友说要给我买手机 让我去见他", True),
    ("我是小学生 我爸妈在外面打工 我好想他们", True),
    ("老公打我", False),  # an adult, of their partner
    ("我家孩子被同学打了", False),
    ("我今年35岁 在广东打工", False),
])
def test_a_child_writing_for_themselves_is_told_from_an_adult(text, child):
    from nlu.components.question_shape import speaks_as_child

    assert speaks_as_child(text) is child
