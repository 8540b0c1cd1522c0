"""The channel-neutral relay core, shared by every chat channel's adapter (Telegram, WeCom).

An adapter turns its channel's messages into ``Conversations.forward`` calls and
renders Rasa's replies through its ``Outlet``; everything else lives here:
sender ids (``<channel>:<id>``), the Rasa gateway, the per-user queue while Rasa
is down, the rate limit, the payload map for buttons, handoff routing decided
from open tickets, and the outbox push. Messages for a user on a channel this
process does not serve (a staff reply from the Telegram group to a WeChat user)
go through the outbox in the database, which that channel's process pushes.
"""
