"""actions/guard.py: a failing action apologises; nothing escapes; no personal data in the log."""
from __future__ import annotations

import logging

import pytest
from rasa_sdk import Action

import actions.handoff as handoff
import actions.policy as policy
from actions.forms.departure import ActionSubmitDeparture
from actions.guard import SORRY, polite
from actions.handoff import ActionRequestHuman
from actions.policy import ActionAnswerPolicy
from unit_support import assert_polite_chinese, texts

PHONE = "13812345678"
MESSAGE = f"我的电话是{PHONE}，孩子叫王小明"


class Exploding(Action):
    """An action whose run raises an error that carries the user's words."""

    def name(self) -> str:
        return "action_exploding"

    @polite
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="这句不会说完")  # said before the failure: kept, then the apology
        raise RuntimeError(f"could not handle {tracker.latest_message['text']}")


def test_sorry_is_polite():
    assert_polite_chinese(SORRY)
    assert "110" in SORRY and "转人工" in SORRY


def test_failing_action_says_sorry_and_nothing_escapes(make_tracker, run_action):
    events, messages = run_action(Exploding(), make_tracker(text=MESSAGE))
    assert events == []
    assert texts(messages)[-1] == SORRY


def test_log_names_the_action_and_error_but_not_the_users_words(make_tracker, run_action, caplog):
    with caplog.at_level(logging.DEBUG):
        run_action(Exploding(), make_tracker(text=MESSAGE))
    assert "Exploding" in caplog.text and "RuntimeError" in caplog.text
    assert PHONE not in caplog.text and "王小明" not in caplog.text
    assert "Traceback" not in caplog.text
    assert not any(record.exc_info for record in caplog.records)


def test_a_real_action_with_broken_records(make_tracker, run_action, monkeypatch, caplog):
    def broken(sender_id, *_args, **_kwargs):
        raise ValueError(f"bad row for {MESSAGE}")

    monkeypatch.setattr(handoff, "open_ticket", broken)
    with caplog.at_level(logging.DEBUG):
        events, messages = run_action(ActionRequestHuman(), make_tracker(text=MESSAGE, intent="request_human"))
    assert (events, texts(messages)) == ([], [SORRY])
    assert PHONE not in caplog.text


def test_a_real_action_with_a_missing_answer(make_tracker, run_action, caplog):
    """A confirmed registration whose answers got lost: an apology, not a KeyError."""
    tracker = make_tracker(text="确认提交", intent="affirm", slots={"dep_consent": True, "dep_confirmed": True, "dep_carer_phone": PHONE})
    with caplog.at_level(logging.DEBUG):
        events, messages = run_action(ActionSubmitDeparture(), tracker)
    assert (events, texts(messages)) == ([], [SORRY])
    assert "ActionSubmitDeparture failed" in caplog.text and PHONE not in caplog.text


def test_policy_answer_when_the_knowledge_base_cannot_load(make_tracker, run_action, monkeypatch):
    def broken():
        raise OSError("var/knowledge/cards.faiss: no such file")

    monkeypatch.setattr(policy, "get_retriever", broken)
    events, messages = run_action(ActionAnswerPolicy(), make_tracker(text="孤儿补贴多少钱", intent="ask_policy"))
    assert (events, texts(messages)) == ([], [SORRY])


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_guard_does_not_swallow_process_exits(make_tracker, run_action, error):
    class Stopping(Action):
        def name(self) -> str:
            return "action_stopping"

        @polite
        async def run(self, dispatcher, tracker, domain):
            raise error()

    with pytest.raises(error):
        run_action(Stopping(), make_tracker(text="你好"))
