"""The Chinese normaliser (nlu/components/text_normaliser.py) and the danger detector (danger_signals.py).

The detector expects simplified text; in the running bot every message goes
through ``normalise`` first, so traditional-script cries for help are tested
the same way.
"""
from __future__ import annotations

import pytest

from nlu.components.danger_signals import describes_immediate_danger, tells_harm
from nlu.components.text_normaliser import normalise, strip_emoji, to_halfwidth, to_simplified


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("報備", "报备"),
        ("補貼", "补贴"),
        ("孤兒基本生活費標準", "孤儿基本生活费标准"),
        ("兒童主任", "儿童主任"),
        ("監護人", "监护人"),
        ("十二歲", "十二岁"),
        ("报备", "报备"),  # simplified stays as it is
    ],
)
def test_traditional_to_simplified(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("１３８１２３４５６７８", "13812345678"),
        ("ＡＢＣ ａｂｃ", "ABC abc"),
        ("孩子１２岁", "孩子12岁"),
        ("你好！", "你好!"),
        ("石桥镇\u3000大磨滩村", "石桥镇 大磨滩村"),  # ideographic space
    ],
)
def test_fullwidth_to_halfwidth(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("你好😀", "你好"),
        ("👍🏻好的", "好的"),
        ("❤️孩子", "孩子"),
        ("谢谢🙏🙏🙏", "谢谢"),
        ("👨\u200d👩\u200d👧", ""),  # a family emoji joined by zero-width joiners
        ("😀😀😀", ""),
    ],
)
def test_emoji_removed(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw, expected", [("👍", "好的"), ("👍🏻👍🏻", "好的"), ("🙏", "谢谢"), ("<b>你好</b>", "你好"),
                                           ("<p style='x'>我要报备</p><br/>", "我要报备"), ("孩子&amp;老人", "孩子&老人"),
                                           ("你係做咩嘅", "你是做什么的")])
def test_a_thumbs_up_alone_is_a_yes_and_markup_is_read_as_its_words(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  孩子  今年\t12岁 \n", "孩子 今年 12岁"),
        ("\u200b你好\ufeff", "你好"),  # zero-width space and BOM
        ("a\u00a0\u00a0b", "a b"),
        ("我\n\n\n想报备", "我 想报备"),
    ],
)
def test_whitespace_folded_and_trimmed(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t"])
def test_nothing_becomes_empty_string(raw):
    assert normalise(raw) == ""


def test_parts_of_the_normaliser():
    assert to_simplified("報備") == "报备"
    assert to_halfwidth("１２３") == "123"
    assert strip_emoji("好😀的").replace(" ", "") == "好的"


def test_normalise_is_idempotent():
    text = "  孩子現在被人打😭！！ １２歲 "
    once = normalise(text)
    assert normalise(once) == once
    assert once == "孩子现在被人打 !! 12岁"  # the emoji leaves one space


# ---------------------------------------------------------------- danger signals

URGENT = [
    # taken, held or tied up now; someone met online coming for the child
    "有个男的在校门口拉小女孩上车",
    "娃在河边耍 半天没见人影了",
    "俺家娃让人骗去缅甸了 打电话说被关着",
    "邻居家的娃被绑在树上一下午了 没人管",
    "我闺女网上认识个人 说明天要来接她去外地",
    # being beaten now
    "隔壁小孩正在被他爸打",
    "孩子现在被人打",
    "有人正在打孩子",
    "他还在打孩子",
    "孩子正被打，快来",
    # bleeding, collapse
    "孩子流了很多血",
    "孩子满身是血",
    "孩子头破血流的",
    "小孩被他后妈打得昏过去了",
    "孩子没有呼吸了",
    # missing
    "我家孩子不见了",
    "孩子找不到了",
    "孩子走丢了",
    "孩子一夜没回家",
    "儿子联系不上了",
    # taken away
    "孩子被人带走了",
    "孩子被拐了",
    "孩子被人贩子拐走了",
    # suicide threats
    "女儿说不想活了",
    "孩子要自杀",
    "孩子在天台上说要跳楼",
    "孩子割腕了",
    # drowning and other immediate danger
    "孩子掉进河里了",
    "小孩溺水了",
    "救命",
    # traditional script
    "孩子現在被人打",
    "孩子說不想活了",
    "我家孩子不見了",
    "孩子被人帶走了",
    "孩子掉進河裡了",
    "小孩溺水了，救救他",
]

NOT_URGENT = [
    # a parent driving a child, a father in custody, advice on meeting people from the net
    "我开车拉孩子上车去学校",
    "他爸被关在看守所里一个月了",
    "孩子跟网友见面要注意什么",
    # questions about rules
    "孩子走丢的话要报告吗",
    "如果孩子被打了怎么办",
    "监护人打孩子算不算家暴",
    "强制报告有哪些情形",
    "孩子在学校被欺负过，要报告吗",
    "未成年人保护法第22条是什么",
    # past suspicion
    "孩子身上经常有伤",
    "孩子好像被打过",
    "去年孩子被打过",
    "孩子老是被同学欺负",
    # policy and everyday questions
    "孤儿补贴标准是多少",
    "外出打工要怎么安排孩子",
    "孩子打疫苗有补贴吗",
    "孩子打游戏停不下来",
    "打电话给儿童主任",
    "我现在打工在广州",
    "孩子要去学游泳",
    "强制报告的九种情形里包括被拐卖吗",
    "孩子爸妈都联系不上超过半年了，算事实无人抚养吗",
    "孩子父母一直联系不上，能申请补贴吗",
    "孩子作息正常，学习也正常",
    "孩子腿抽筋了是缺钙吗",
    "孩子发烧39度要去医院吗",
    "如果有人威胁孩子发裸照怎么办",
    "传播未成年人裸照判几年",
    "你好",
    "",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_sentences_are_recognised(text):
    assert describes_immediate_danger(normalise(text)) is True


@pytest.mark.parametrize("text", NOT_URGENT)
def test_non_urgent_sentences_are_not(text):
    assert describes_immediate_danger(normalise(text)) is False


def test_empty_and_none_are_not_urgent():
    assert describes_immediate_danger("") is False
    assert describes_immediate_danger(None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("孩子被陌生人抱走了", id="taken-by-a-stranger"),
        pytest.param("孩子被坏人带走了", id="taken-by-a-bad-man"),
        pytest.param("有人把孩子带走了", id="someone-took-the-child"),
        pytest.param("孩子在流血", id="bleeding"),
        pytest.param("孩子喝了农药", id="drank-pesticide"),
        pytest.param("他爸拿刀要砍孩子", id="knife-threat"),
        pytest.param("娃出血止不住", id="bleeding-wont-stop"),
        pytest.param("有个娃在水塘里挣扎", id="struggling-in-a-pond"),
        pytest.param("一个男的把小女孩拽上车开走了", id="dragged-into-a-car"),
        pytest.param("邻居正拿皮带抽他家孩子", id="zheng-alone"),
        pytest.param("我家孩子被人绑架了", id="kidnapped"),
        pytest.param("有个男的在猥亵小孩", id="molesting-now"),
        pytest.param("孩子跳下去游泳一直没上来", id="not-come-up"),
        pytest.param("孩子烧到40度抽筋了 爷爷奶奶不懂 我在外地怎么办", id="fever-fit"),
        pytest.param("娃烧得迷迷糊糊的 叫不醒", id="fever-cannot-wake"),
        pytest.param("有人在网上让我女儿拍不穿衣服的照片，说不拍就把之前的发到她学校群里", id="sextortion-old-photos"),
        pytest.param("網友逼我閨女拍裸照 不拍就要來學校找她", id="sextortion-traditional"),
        pytest.param("小孩在河边玩 被水冲走了 我们在找", id="washed-away"),
        pytest.param("我儿子发消息说同学要在放学后围殴他 还带了刀", id="beating-planned-with-a-knife"),
        pytest.param("邻居家娃被链子拴在院子里一整天了 没吃没喝", id="chained-all-day"),
    ],
)
def test_missed_urgent_sentences(text):
    assert describes_immediate_danger(normalise(text)) is True


def test_a_pasted_book_is_read_as_its_start_and_end():
    from nlu.components.text_normaliser import MAX_MESSAGE_CHARS, shorten

    book = "开头" + "字" * 100_000 + "结尾孩子在哭"
    short = shorten(book)
    assert len(short) <= MAX_MESSAGE_CHARS + 3 and short.startswith("开头") and short.endswith("结尾孩子在哭")
    assert shorten("孩子叫周杰") == "孩子叫周杰"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("我在浙江打工 娃在屋头 他爷爷天天喝酒 喝醉了就打娃 咋个办", id="drunk-grandfather"),
        pytest.param("娃打电话给我哭 说他爸又拿皮带抽他了", id="belt-again"),
        pytest.param("孩子他后妈经常不给饭吃 还拿衣架抽", id="stepmother-starves"),
        pytest.param("孙子被他叔关在柴房里两天了", id="shut-in-for-days"),
        pytest.param("我闺女才14 她爸要把她嫁给邻村的 收了彩礼了", id="married-off"),
        pytest.param("我家娃说班主任老是摸她 她不想去上学了", id="teacher-touches"),
        pytest.param("隔壁老王動不動就揍他家小孩", id="traditional"),
        pytest.param("我们屯子有个小孩老被他爹削，身上没一块好地方，这得咋报啊", id="dialect-xiao"),
        pytest.param("我儿子说班主任摸他屁股，他是男孩也算吗", id="boy-touched-asked-if-it-counts"),
        pytest.param("女儿说隔壁叔叔亲她还脱她裤子", id="undressed-by-a-neighbour"),
        pytest.param("孩子脖子上被他爸用绳子勒出印子 现在还在家里", id="strangled"),
    ],
)
def test_harm_told_in_own_words_is_recognised(text):
    assert tells_harm(normalise(text)) is True


@pytest.mark.parametrize(
    "text",
    [
        "父母打孩子犯法吗",
        "我在外面打工，每天晚上八点给娃打电话",
        "婆婆又在给娃打毛衣了",
        "今天带娃打疫苗，针打完哭了好久",
        "我小时候经常被我爸打，现在我自己当妈了",
        "那个新闻说父母把孩子关在狗笼里，后来判没判",
        "如果孩子被老师打了，家长应该先找学校还是先报警",
        "娃儿被蚊子咬了一身包，抹啥好",
        "孩子天天打游戏咋整",
        "醫生知道小朋友被虐待但冇報告，會有咩後果？",
        "不是一家人但住一块儿的，打孩子也按家暴算吗",
        "发现孩子被打，哪些人必须报警",
        "学校发现学生被性侵要向哪里报告",
        "父母虐待孩子能撤销监护资格吗",
        "老师说娃最近上课老走神还跟人打架，我在外头该怎么弄",
        "老师说不能让别人摸你的隐私部位",
        "怎么教五岁的娃不让别人摸她的隐私部位",
        "",
    ],
)
def test_rules_past_news_and_daily_life_are_not_harm_told(text):
    assert tells_harm(normalise(text)) is False


@pytest.mark.parametrize("raw, expected", [
    ("喺出面打工嘅父母要几耐同细路倾一次偈", "在出面打工的父母要多久同孩子倾一次偈"),
    ("佢冇畀飯個仔食", "他没有给饭个仔食"),
    ("唔知點樣申請", "不知道怎样申请"),
    ("陈淑芬", "陈淑芬"),
    ("我們係佛岡嘅", "我们是佛冈的"),
    ("唔，好的", "唔,好的"),
    ("我哋要唔要俾錢佢", "我们要不要给钱他"),
    ("係唔係要報警", "是不是要报警"),
])
def test_written_cantonese_reads_as_mandarin(raw, expected):
    """佛冈's parents write Cantonese; its own words become the Mandarin the cards and the NLU know."""
    assert normalise(raw) == expected


@pytest.mark.parametrize("text", ["啥叫重残", "俺闺女十五岁让她一个人在家住中不中", "什么是事实无人抚养"])
def test_definition_and_a_not_a_questions_are_questions_about_rules(text):
    from nlu.components.danger_signals import rule_question_words

    assert rule_question_words(normalise(text))


@pytest.mark.parametrize("text", [
    "我闺女拿烟头烫自己的胳膊，说这样心里好受点",
    "儿子考砸了就拿头撞墙",
    "遗书我写好了，放在枕头底下",
    "谢谢你们一直以来对我好，以后不会再麻烦你们了",
    "他爹要把娃卖给外省的人，说好了下周来领",
])
def test_self_harm_farewells_and_a_child_to_be_sold_are_danger_now(text):
    assert describes_immediate_danger(normalise(text))


@pytest.mark.parametrize("text", [
    "他们家给十四岁的闺女说了婆家，过了年就办酒",
    "娃一个人在家三天了，没人做饭",
    "我妹初二，她说被补课老师猥亵过，当时不敢说",
    "隔壁男的又在大孩子了，哭得好惨",
])
def test_marriage_neglect_for_days_untold_abuse_and_a_typed_blow_are_harm_told(text):
    assert tells_harm(normalise(text))


@pytest.mark.parametrize("text", [
    "孩子被拐卖了一般判几年",
    "报名今天是最后一天了吗",
    "家里大孩子上初中，小的还在上幼儿园",
    "性侵未成年人的案子要不要报，法律怎么规定的",
])
def test_the_same_words_in_rules_statistics_and_daily_life_stay_calm(text):
    value = normalise(text)
    assert not describes_immediate_danger(value)
    assert not tells_harm(value)


@pytest.mark.parametrize("text, accident", [
    ("俺孙子让人家狗咬得血糊糊的 腿上好大一个口子", True), ("娃让蜂子蛰了 脸肿得眼睛都睁不开", True),
    ("他后爸拿开水烫他", False),  # someone did it: harm to report
    ("邻居家的狗把孩子咬了,狗主人不赔钱,法律上咋规定", False),  # a question on the law
    ("孩子上个月从三楼摔下来,骨盆骨折,现在出院了", False),  # over
])
def test_a_child_hurt_in_an_accident_just_now_is_told_from_harm_and_from_the_past(text, accident):
    from nlu.components.danger_signals import hurt_by_accident

    assert hurt_by_accident(normalise(text)) is accident


@pytest.mark.parametrize("text", ["孩子放学到现在都没回来 找遍了村子", "娃昨天晚上就没回来 同学家也问了都说没见",
                                  "家里小的那个找不到了 河边也找了", "我侄子被他不认识的人骑摩托带走了"])
def test_a_child_not_back_is_read_as_danger_now(text):
    assert describes_immediate_danger(normalise(text)) is True


@pytest.mark.parametrize("text", ["老公出去打麻将到现在没回来", "家里的猫跑了两天没回来"])
def test_a_grown_up_or_a_pet_not_back_is_no_missing_child(text):
    assert describes_immediate_danger(normalise(text)) is False


@pytest.mark.parametrize("text, swallowed", [
    ("快点快点我孙子把他爷爷的农药喝了一口嘴巴都是白沫子怎么办啊", True),
    ("俺家小孙子刚才把一颗纽扣电池吞下去了", True),
    ("如果孩子吃了老鼠药怎么办", False),
    ("小孙子把硬币吞了，去医院拍片说已经排出来了", False),
    ("每年因为误服农药送医的小孩有多少", False),
])
def test_poison_or_a_battery_just_swallowed_is_danger_now_whatever_the_network_thinks(text, swallowed):
    from nlu.components.danger_features import grade_level
    from nlu.components.danger_signals import swallowed_harm

    assert swallowed_harm(normalise(text)) is swallowed
    calm = grade_level(0.9, 0.05, 0.05, False, swallowed=swallowed_harm(normalise(text)))
    assert (calm == "now") is swallowed


@pytest.mark.parametrize("text", [
    "一般吧 不过走的时候小花偷偷跟我说奶奶新找的那个老头晚上老摸她 让她别告诉别人 她不敢回家",
    "12岁女生 舅舅这几个月晚上老进她房间脱她衣服 她今天不敢放学回去",
    "6岁 孩子下面红肿还有血 奶奶说不知道咋弄的 人还在我诊室",
    "隔壁那个幺儿遭他老汉儿吊起来打 喊得好惨哦 咋个整",
    "她昨天晚上给我发了一句 姐我好累 要是我不在了你会不会难过 然后就不回了",
])
def test_danger_told_in_the_strangers_own_words_is_heard_as_now(text):
    """Abuse the child must go back to tonight, an injury between the legs, a beating heard now, a farewell hinted."""
    assert describes_immediate_danger(normalise(text))


@pytest.mark.parametrize("text", ["猥亵儿童判几年", "以前被吊起来打过 现在好了", "我走了你们会不会想我",
                                  "我们村前年有个初中娃儿喝农药走了 事情早过去了 平时在家要注意些啥子"])
def test_the_same_words_about_the_past_rules_or_leaving_for_work_are_not_danger_now(text):
    assert not describes_immediate_danger(normalise(text))
