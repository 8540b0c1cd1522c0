"""An NLU step that places a message by its shape where the classifier, trained on Chinese examples, misplaces it.

A question the classifier took for a form answer goes to the knowledge base
(``ask_policy``; why and when: ``nlu.components.question_shape``, where the
test itself lives, so the forms' validation uses the same one without Rasa).
A message in English goes to ``out_of_scope``, whose reply says, in English,
that the bot speaks Chinese, with the hotlines and a person.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.danger_assessor import OUTPUT_PROPERTY as DANGER_PROPERTY
from nlu.components.danger_bank import NONE
from nlu.components.intent_ranking import confidence_of, put_first
from nlu.components.question_shape import is_english, is_question, tells_own_childhood, tells_own_departure

QUESTION_INTENT = "ask_policy"
# An adult's own childhood told ("我小时候也被我爸打过") is no report to file: placed where it is heard, not reported.
CHILDHOOD_MISTAKEN = frozenset({"report_concern", "inform", "ask_policy", "out_of_scope"})
ENGLISH_INTENT = "out_of_scope"
# Intents a question may be mistaken for: a form answer, not understood, a closing word ("我刚才都说了啊").
RELABELLED = frozenset({"inform", "nlu_fallback", "goodbye", "thank"})  # not greet: "在不" greets
# A question about a task ("外出打工前要跟村里谁报备", "探访记录要多久填一次") is answered, with a button to start
# the task; a request for it, even one asked as a question ("在你这弄不"), starts it. How to do a task
# ("这得咋报啊", "记录在哪儿填") asks to do it; the visit form then asks a director who is not verified for
# their code, says what to do for a child meanwhile, and keeps what they said.
# (The work list, ask_director_queue, is itself asked as a question: "这周哪些娃该上门了".)
ASKED_ABOUT = frozenset({"log_visit", "register_departure", "report_concern", "redeem_invite"})
HOW_TO_STARTS = frozenset({"register_departure", "report_concern", "log_visit"})
# "帮我登记" asks the bot; "找个同事帮我看娃" does not.
_REQUEST = re.compile(r"(我要|我想|想报|想登记|要报备|报个备|报一下|报上去|(帮|给|替)我(登记|报|记|填|录|弄|办|做|写|提交)|我来|记一下|填一下|录一下|记下来|"
                      r"登记一下|登个|开始|现在|在你这|在这|这里|这儿|你这|你们这|能不能帮|可以帮)")
# Asking what one's data is for or whether it is safe ("我娃的资料你们拿去做啥") is a question on privacy, not a
# request to see or delete one's own data, unless it asks for that (看, 查, 导出, 删).
DATA_INTENTS = frozenset({"export_my_data", "delete_my_data"})
_PURPOSE = re.compile(r"(干啥|干什么|做啥|做什么|啥用|什么用|用来|为啥|为什么|拿去|给谁|谁能看|谁看|安全|泄露|卖)")
_OWN_DATA = re.compile(r"(看看|看一下|查一下|查查|导出|发给我|发我|给我看|删|清掉|清除|注销)")
# "我想问下…", "我想知道…" open a question: their 我想 asks nothing of the bot ("我想问下报备有没有截止时间").
_ASKING = re.compile(r"^(我)?想(问问|问一下|问下|知道|了解一下|了解|咨询一下|咨询|请教一下|请教)")
# How or where to do it ("这得咋报啊", "记录在哪儿填"), not how something works ("全流程可追溯，咋做到的") or where
# one works ("报备还要写我在哪打工吗").
_DO = r"(报|登记|填|弄|办|写|提交|记|录|搞|申请|备案|上报|整|操作|开始|交)"
_HOW = re.compile(r"(怎么|咋|如何|怎样)(个|样)?" + _DO + r"|(在哪|哪里|哪儿|上哪|去哪|找谁|跟谁|向谁)(儿|里)?(去|来|能|可以)?" + _DO)
# A parent telling of their own going away (question_shape.tells_own_departure) and asking what to do about it
# ("要办啥手续不", "娃咋整", "需要登记吗") is asking to register: the registration's first question says why.
DEPARTURE_INTENT = "register_departure"
_WHAT_TO_DO = re.compile(r"(手续|登记|报备|备案|跟谁说|说一声|讲一声|要办|咋整|怎么整|怎么办|咋办|怎么弄|咋弄|要做啥|要做什么|"
                         r"要干啥|要弄啥|要不要|需不需要|用不用|得不得|咋搞|怎么搞)")
# A short answer the classifier, unsure, took for a question or an aside ("大磨滩" → out_of_scope 0.65):
# a form would answer it as a question instead of taking it. Outside a form inform asks the knowledge base too.
ANSWER_INTENT = "inform"
SHORT_ANSWER_CHARS = 6
SURE_ENOUGH = 0.8
# "要带什么东西", "需要带哪些材料" after an answer: the classifier, unsure, took them for a request for the menu
# (help). A question that does not ask about the bot itself is a question for the knowledge base, read with the
# answer before it.
_ABOUT_THE_BOT = re.compile(r"(你|您|功能|菜单|怎么用|使用|用法|选项|说明|帮助|帮住|小程序|机器人|能干|能做|会干|能办|不会用|"
                            r"从哪|开始|操作|服务)")
# A question about people ("你们会把我电话给别人不") is not a request for one unless it names a person to talk to.
_HUMAN = re.compile(r"(人工|真人|活人|打个电话|打电话|电话给我|回个电话|来个人|工作人员|客服|转人|找人|找个人|有人|人呢|人来|接线|民政|领导|干部|书记|主任|跟人说|和人说)")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionRouter(GraphComponent):
    """Relabels a question the classifier took for a form answer (or did not understand) as ``ask_policy``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "QuestionRouter":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Relabel each message in place."""
        for message in messages:
            self._relabel(message)
        return messages

    @staticmethod
    def _relabel(message: Message) -> None:
        intent: Optional[dict] = message.get(INTENT)
        name = (intent or {}).get("name")
        text = message.get(TEXT) or ""
        if ((message.get(DANGER_PROPERTY) or {}).get("level") or NONE) != NONE:
            return  # the danger assessor has placed it
        if name in CHILDHOOD_MISTAKEN and tells_own_childhood(text):
            put_first(message, "nlu_fallback", 1.0)  # a memory, not a report: heard by the fallback's own words
            return
        if is_english(text):
            put_first(message, ENGLISH_INTENT, 1.0)
            return
        if (name in (QUESTION_INTENT, ENGLISH_INTENT) and float(intent.get("confidence") or 0.0) < SURE_ENOUGH
                and len(text.strip()) <= SHORT_ANSWER_CHARS and not is_question(text)):
            put_first(message, ANSWER_INTENT, max(float(intent.get("confidence") or 0.0),
                                                   confidence_of(message, ANSWER_INTENT)))
            return
        if (name in (QUESTION_INTENT, ANSWER_INTENT, "nlu_fallback") and tells_own_departure(text)
                and _WHAT_TO_DO.search(text)):
            put_first(message, DEPARTURE_INTENT, max(SURE_ENOUGH, confidence_of(message, DEPARTURE_INTENT)))
            return
        mistaken = (name in RELABELLED or (name == "request_human" and not _HUMAN.search(text))
                    or (name == "help" and float(intent.get("confidence") or 0.0) < SURE_ENOUGH
                        and not _ABOUT_THE_BOT.search(text))
                    or (name in DATA_INTENTS and _PURPOSE.search(text) and not _OWN_DATA.search(text))
                    or (name in ASKED_ABOUT and not _REQUEST.search(_ASKING.sub("", text.strip()))
                        and not (name in HOW_TO_STARTS and _HOW.search(text))
                        and not (name == "register_departure" and tells_own_departure(text))))
        if not mistaken or not is_question(text):
            return
        put_first(message, QUESTION_INTENT, max(float(intent.get("confidence") or 0.0),
                                                confidence_of(message, QUESTION_INTENT), 0.5))
