"""A new session keeps what the user told the bot, but no question of a form that is closed."""
from __future__ import annotations

from actions.session import ActionSessionStart


def test_a_returning_parent_keeps_their_facts_but_not_yesterdays_question(make_tracker, run_action):
    tracker = make_tracker(slots={"dep_child_name": "王小军", "user_region": "黔西市", "requested_slot": "dep_carer_phone",
                           "offered_task": "register_departure"})
    events, messages = run_action(ActionSessionStart(), tracker)
    assert events[0]["event"] == "session_started" and events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {"dep_child_name": "王小军", "user_region": "黔西市"}
    assert messages == []
