"""WeChat users through WeCom Customer Service (微信客服, the ``kf`` API): the second adapter on ``bot.relay``.

WeCom calls our callback URL (encrypted, signed) when a customer writes; we
answer ``success`` at once and read the messages with ``kf/sync_msg`` from a
cursor kept in the database; replies go out with ``kf/send_msg`` (merged, split
at 2,048 bytes, buttons as ``msgmenu`` click items), within WeCom's allowance of
5 messages per 48 hours after each customer message. Run with
``python -m bot.wecom``; ``make run`` starts it when ``WECOM_CORP_ID`` is set.
"""
