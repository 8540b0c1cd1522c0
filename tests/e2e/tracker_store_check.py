"""Run inside the rasa runtime by test_tracker_store.py: our tracker store on a given database URL.

Saves two conversations, reads one back, erases it (``data_erased``), and
checks it is gone while the other stays. Prints ``ok`` or raises.
"""
import asyncio
import sys

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
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
    print("ok")


if __name__ == "__main__":
    asyncio.run(check(sys.argv[1]))
