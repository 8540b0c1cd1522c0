"""Run inside the rasa runtime by test_tracker_store.py: our tracker store on a given database URL.

Saves two conversations, reads one back, erases it (``data_erased``), and
checks it is gone while the other stays; files a form in a third and checks that
what was typed in it, read back, or answered is cleared from the stored
events, while what came before it and what a later form was given stays.
Prints ``ok`` or raises.
"""
import asyncio
import sys

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ErasableSQLTrackerStore


async def check(url: str) -> None:
    domain = Domain.load("bot/domain")
    store = ErasableSQLTrackerStore(domain=domain, host=url)

    def conversation(sender: str, text: str) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(
            sender,
            [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"), UserUttered(text)],
            domain.slots,
        )

    kept, erased = conversation("keep-me", "你好"), conversation("erase-me", "孩子叫王小明")
    await store.save(kept)
    await store.save(erased)
    back = await store.retrieve("erase-me")
    assert back is not None and any(getattr(e, "text", None) == "孩子叫王小明" for e in back.events), "saved and read"
    back.update(ActionExecuted("action_erase_my_data"))
    back.update(SlotSet("data_erased", True))
    await store.save(back)
    assert await store.retrieve("erase-me") is None, "the erased conversation is gone"
    assert await store.retrieve_full_tracker("erase-me") is None, "from every session"
    again = await store.retrieve("keep-me")
    assert again is not None and any(getattr(e, "text", None) == "你好" for e in again.events), "others untouched"

    filing = conversation("files-a-form", "孤儿补贴多少")
    for event in (SlotSet("visit_findings", "奶奶腿脚不便"),  # a paused visit log's answer: not this form's
                  ActionExecuted("action_listen"), UserUttered("我要报备，孩子叫周杰"), ActiveLoop("departure_form"),
                  SlotSet("dep_child_name", "周杰"), BotUttered("您的电话是多少？"), ActionExecuted("action_listen"),
                  UserUttered("13812345678"), SlotSet("dep_parent_phone", "13812345678"),
                  BotUttered("请核对一下：孩子姓名：周杰，您的电话：13812345678")):
        filing.update(event)
    await store.save(filing)
    for event in (ActionExecuted("action_listen"), UserUttered("确认提交"), ActionExecuted("action_submit_departure"),
                  SlotSet("dep_child_name", None), SlotSet("dep_parent_phone", None),
                  SlotSet("answers_cleared", "departure_form"),
                  SlotSet("dep_village", "歇马街道大磨滩村")):  # a new form's first answer, given with the filing
        filing.update(event)
    await store.save(filing)
    stored = (await store.retrieve_full_tracker("files-a-form")).events
    said = [str(getattr(e, "text", "") or "") for e in stored] + [str(getattr(e, "value", "")) for e in stored]
    assert not any("周杰" in x or "13812345678" in x for x in said), said
    assert "孤儿补贴多少" in said and "奶奶腿脚不便" in said and "歇马街道大磨滩村" in said, said
    print("ok")


if __name__ == "__main__":
    asyncio.run(check(sys.argv[1]))
