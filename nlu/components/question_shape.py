"""Whether a message asks something rather than answers: shared by the NLU (``question_router``) and the forms.

Inside a form, a question ("委托照护人是什么意思", "为什么要填身份证") is not the
answer to the question the bot asked: it must be answered, and the form asked
again. The intent classifier learned questions from policy examples, but a
question about the form itself often comes out as ``inform`` (a form answer) or
as ``nlu_fallback``; ``question_router.QuestionRouter`` turns those into ``ask_policy`` when the
message has the shape of a question, so Rasa's form pattern (``not_intent`` in
the slot mappings, a rule that answers and returns to the form) takes over.
Outside a form it changes little: ``inform`` and ``nlu_fallback`` ask the
knowledge base too.

Task requests are left alone ("给娃登记的事儿在你这弄不" is a request in a
question's shape), and so is any message the danger assessor graded: a
description of harm that ends with "这算不算家暴" is a report first.
"""
from __future__ import annotations

import re

from nlu.components.text_normaliser import normalise

# A question ends so ("…吗", "…么", "？"), or asks with a phrase that only questions use.
_ENDS = re.compile(r"(吗|嗎|(?<![什怎这那])么|[?？]|..[^不没]不|..[^不没]没)[\s。.!！~～啊呀呢哈]*$")  # …能改不, …去了没
_ASKS = re.compile(
    r"(什么意思|啥意思|啥用|什么用|是什么|是啥|啥叫|什么叫|啥是|为什么|为啥|为何|干嘛|干啥|干什么|做啥|拿去做什么|怎么办|咋办|怎么填|咋填|怎么写|咋写|怎么弄|咋弄|怎么算|"
    r"能不能|可不可以|可以不|行不行|要不要|用不用|需不需要|必不必须|是不是|会不会|有没有|算不算|对不对|该不该|"
    r"([^\s，,])不\2[\s。!！]*$|"  # A-not-A at the end: 中不中, 行不行
    r"(行|中|成|对|能|可以|要|犯法|违法|合法|算|管|得行|要得)不[\s，,]|"  # …行不 (and then why): "照顾人填我家老大行不 她才十五"
    r"(?<!不)(?P<verb>[\u4e00-\u9fff])不(?P=verb)(?!不)|"  # A-not-A inside: "到底犯不犯法", "要唔要俾钱" (normalised)
    r"^[^，,。]{2,8}还是[^，,。]{1,6}[\s。!！]*$|"  # either-or: 虚岁还是周岁
    r"哪些|哪个|哪里|哪儿|在哪|谁|多久|多长时间|(?<![过好这那前后头没隔十])几(天|个)|多少|怎样|怎么|如何|咋|[吗嗎][\s，,。]|"
    r"(啥|什么)(时候|材料|证件|证明|手续|资料|东西|信息|内容)|(要|带|拿|交|准备|需要|写|填|记|录|问|看|注意|说|做|干|弄)(些|点)?(啥|什么)[\s。!！~～啊呀呢]*$|"
    r"^(请问|我?想(问问|问一下|问下|知道|了解一下|了解|咨询一下|咨询|请教一下|请教)))"  # "我想知道探访记录要写几次"
)
# An answer that says what the user does not know ("不知道他叫什么") is not a question.
_UNKNOWN = re.compile(r"^(我)?(也|还)?(不知道|不清楚|不记得|记不清|忘了|说不准|说不好|不晓得|不确定|还没定|没想好)")
# …nor one that says when is not known yet ("啥时候回来说不准 可能过年", "哪天走还没定"): an answer to "when".
_WHEN_UNKNOWN = re.compile(r"(啥时候|什么时候|几时|哪天|哪一天|多久|几月|哪个月).{0,6}"
                           r"(说不准|说不好|不一定|不好说|不知道|不清楚|没定|还没定|定不下来|不确定|看情况)")
# A short follow-up ("那散居的呢") asks about what was just answered.
_SHORT_FOLLOW_UP = re.compile(r"^(那|那么|那要是|要是|如果)[^，,。]{1,12}呢[\s？?。]*$")


# A worry said as a statement is a question too: "我不想让人知道是我报的" wants to hear how reporters are protected.
_WORRY = re.compile(r"(不想让[^，,。]{0,6}(知道|晓得)|怕[^，,。]{0,6}(知道|晓得|晓得了)|找我麻烦|怕[^，,。]{0,4}报复|匿名|不想留名|不留名|别说是我|不要说是我|替我保密|给我保密)")


def is_question(text: str | None) -> bool:
    """True when the message asks something rather than answers ("照护人一定要是亲戚吗" yes, "陈淑芬" no)."""
    value = normalise(text or "").strip()
    if not value or value.startswith("/"):
        return False
    if _WORRY.search(value):
        return True
    if _ENDS.search(value) or _SHORT_FOLLOW_UP.match(value):
        return True
    if _UNKNOWN.match(value) or _WHEN_UNKNOWN.search(value):
        return False
    return bool(_ASKS.search(value))


# Words English has and pinyin does not ("zhuan rengong" is pinyin, "do you speak English" is not).
_ENGLISH_WORDS = frozenset(
    "the a an is are am do does can could you your my i me we our what how who where when why please hello hi "
    "help speak english chinese child children kid kids son daughter money allowance report police thank thanks "
    "anyone there someone talk person human need want".split()
)


def is_english(text: str | None) -> bool:
    """True for a message in English (not pinyin, not a code or a number): two English words or more, no Chinese."""
    value = (text or "").strip()
    if not value or value.startswith("/") or re.search(r"[\u4e00-\u9fff]", value):
        return False
    words = re.findall(r"[A-Za-z']+", value.lower())
    return sum(1 for w in words if w in _ENGLISH_WORDS) >= 2


# A parent telling of their own going away to work ("俺男人去新疆摘棉花了 我也要过去 娃咋整", "过完年我们两口子都要
# 去广东进厂，要办啥手续不"): they are asking to register, whatever else the words sound like. Both parts are
# needed: someone of the family going, and work or a far place to go to.
_SELF_GOING = re.compile(r"(我|俺|咱|两口子|夫妻|我们|我家|我和|我跟)[^，,。？?!！]{0,6}"
                         r"(要|准备|打算|马上|快|也|下个?月|下礼拜|下周|过完年|年后|明天|后天|月底|开春)"
                         r"[^，,。？?!！]{0,6}(出去|外出|出门|出省|过去|去|走)")
_WORK_AWAY_WORDS = (r"打工|务工|进厂|上班|干活|做工|挣钱|摘棉花|工地|做生意|跑车|拉货|开工|外地|外省|出省|新疆|广东|"
                    r"浙江|深圳|东莞|上海|北京|福建|江苏")
_WORK_AWAY = re.compile(f"({_WORK_AWAY_WORDS})")


def tells_own_departure(text: str | None) -> bool:
    """True when the writer says they (or they too) are going away to work: a registration to start."""
    return bool(text and _SELF_GOING.search(text) and _WORK_AWAY.search(text))


# A parent telling that they work away now, the child at home with someone ("我在广东打工 孩子在老家跟他奶奶",
# "俺两口子常年在外头 娃跟着爷爷"): who they are, not yet what they want.
_SELF_AWAY = re.compile(r"(我|俺|咱|两口子|夫妻|我们|我家|我和|我跟)[^，,。？?!！]{0,8}"
                        r"(在|去了|出来|常年|一直|长期)[^，,。？?!！]{0,8}"
                        r"(外头|外面|省外|城里|厂里|厂子里|工厂|" + _WORK_AWAY_WORDS + ")")
_CHILD_AT_HOME = re.compile(r"(孩子|娃|小孩|儿子|女儿|闺女|姑娘|孙子|孙女|细路|仔)")


def tells_working_away(text: str | None) -> bool:
    """True when the writer says they work away now (or are going) and speaks of their child: a parent away."""
    return bool(text and (_SELF_AWAY.search(text) or tells_own_departure(text)) and _CHILD_AT_HOME.search(text))


# Someone saying who they are and nothing else ("我是大磨滩村的儿童主任", "我是孩子的奶奶", "老师好，我是小学的班主任"):
# a greeting, not a question on how directors are chosen nor a message not understood. What they may want depends on
# who they are. A role followed by a question or a story ("我是老师，学生作业不交…") is that question or story.
_INTRODUCES = re.compile(r"^(你好|您好|老师好|喂|在吗|哈喽|早上好|下午好|晚上好)?[，,。！!～~ ]*(我是|俺是|我系|我就是|这边是|我这边是)"
                         r"(?P<who>[^，,。？?！!]{1,16}?)[。！!～~ 呀啊哈嘛]*$")
ROLES = (  # (role, words of who they are), first match wins: a 班主任 is a teacher, not a director
    ("reporter", re.compile(r"老师|班主任|校长|教师|医生|村医|护士|幼儿园|保育员|警察|民警")),
    ("director", re.compile(r"儿童主任|儿童督导员|督导员|村干部|村委|支书|书记|网格员|民政|社工|主任")),
    ("carer", re.compile(r"奶奶|爷爷|外婆|外公|姥姥|姥爷|姑|姨|舅|叔|伯|婶|照顾|监护人|亲戚|邻居")),
    ("parent", re.compile(r"家长|爸爸|妈妈|父亲|母亲|孩子他|孩子她|娃他|娃她|娃儿他|娃的爹|娃的妈")),
)


def introduced_role(text: str | None) -> str | None:
    """Who the writer says they are, when that is all the message says: director, reporter, carer or parent."""
    found = _INTRODUCES.match(normalise(text or "").strip())
    if not found:
        return None
    return next((role for role, words in ROLES if words.search(found.group("who"))), None)


# An adult telling of their own childhood ("我小时候也被我爸打过 现在想想还是难受"): no child to report now, a person
# who is hurting. Heard, with the crisis line, not taken into the report's questions.
_OWN_CHILDHOOD = re.compile(r"^(我|俺)(也)?(小时候|小的时候|小时|还小的时候|读书的时候|上学的时候|念书那会|小时候那会)")


def tells_own_childhood(text: str | None) -> bool:
    """True when the writer speaks of what happened to them as a child."""
    return bool(_OWN_CHILDHOOD.search(normalise(text or "").strip()))


# A child leaving school (to work): "娃初二就不读了 跟人去广东进厂" is about the child, no parent's registration.
_CHILD_QUITS_SCHOOL = re.compile(r"(不想?(读|念|上)(书|学)?了|不(读|念)了|辍学|退学|不去学校|不肯上学|读书没用)")


def tells_child_quits_school(text: str | None) -> bool:
    """True when the message says a child is leaving or refusing school."""
    return bool(text and _CHILD_QUITS_SCHOOL.search(text))


# A child writing for themselves: their age or school year, or harm done to "me" by someone a child lives with or
# goes to school with ("我奶奶老是打我", "我13岁 有个网友…"). An adult writing of their own partner is not.
_CHILD_SELF = re.compile(r"我是(小学生|初中生|中学生|学生|留守儿童)|我(今年)?(才)?([1-9]|1[0-7]|[一二三四五六七八九十]|十[一二三四五六七])岁"
                         r"|我(上|读|在)?[一二三四五六]年级|我(上|读|在)?初[一二三]")
_DONE_TO_ME = re.compile(r"(爸|妈|爷|奶|姥|外公|外婆|舅|叔|婶|姑|姨|哥|姐|后爹|后妈|继父|继母|老师|同学|网友)[^，,。]{0,6}"
                         r"(打我|骂我|摸我|亲我|欺负我|关我|锁我|不给我饭|逼我|威胁我|吓我|拍我)|我被(同学|老师|班上)")
_ADULT_SELF = re.compile(r"(老公|丈夫|我男人|媳妇|老婆|对象|我家孩子|我儿子|我女儿|我闺女|孩子他|娃他|我孙)")


def speaks_as_child(text: str | None) -> bool:
    """True when the message reads as a child writing about themselves, not an adult writing about a child."""
    if not text or _ADULT_SELF.search(text):
        return False
    return bool(_CHILD_SELF.search(text) or _DONE_TO_ME.search(text))


_OWN_DESPAIR = re.compile(r"我(真的|实在|是)?(不想活|想死|活不下去|活着没意思|活着没意义|要自杀|想自杀|想跳楼|割了?自己|割腕|去死)")


def in_danger_oneself(text: str | None) -> bool:
    """True when the writer is the one at risk: a child writing for themselves, or anyone saying they want to die."""
    return bool(text) and (speaks_as_child(text) or bool(_OWN_DESPAIR.search(text)))
