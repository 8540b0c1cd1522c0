"""The Telegram relay: parents and directors on Telegram, staff in a group, Rasa behind.

Our own relay on python-telegram-bot 22 (not Rasa's Telegram channel, which
needs Telegram's servers at start-up and is webhook-only): long polling by
default, a webhook with Telegram's secret token when configured. Run it with
``python -m bot.telegram``; ``make run`` starts it when ``TELEGRAM_BOT_TOKEN`` is set.
"""
