"""Run the Telegram relay: ``python -m bot.telegram`` (``make run`` does it when TELEGRAM_BOT_TOKEN is set).

Long polling by default; a webhook (Telegram's secret token checked on every
request) when ``TELEGRAM_WEBHOOK_URL`` is set.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.relay.outlets import UserPost
from bot.telegram.config import RelayConfig
from bot.telegram.handoff import StaffDesk
from bot.relay.rasa_gateway import RasaGateway
from bot.telegram.relay import Relay
from records.privacy import install_log_masking

logger = logging.getLogger("bot.telegram")


def build(config: RelayConfig) -> Application:
    """The python-telegram-bot Application with the relay's handlers and its timer."""
    rasa = RasaGateway(config.rasa_url, config.rasa_jwt_secret, config.relay_token)
    users = UserPost()
    desk = StaffDesk(config, rasa, users)
    relay = Relay(config, rasa, desk, bot=lambda: application.bot)
    users.add(relay.outlet)

    async def tick(application: Application) -> None:
        while True:
            await asyncio.sleep(config.tick_seconds)
            for job in (relay.retry_waiting, desk.sweep, relay.push_outbox):
                try:
                    await job()
                except Exception:  # noqa: BLE001 - one failing job must not stop the others
                    logger.exception("a relay job failed")

    async def post_init(application: Application) -> None:
        desk.bot = application.bot
        application.bot_data["tick"] = asyncio.get_running_loop().create_task(tick(application))

    async def post_shutdown(application: Application) -> None:
        task = application.bot_data.get("tick")
        if task:
            task.cancel()
        await rasa.close()

    api = config.api_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(16)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    private = filters.ChatType.PRIVATE
    if config.staff_chat_id is not None:
        staff = filters.Chat(chat_id=config.staff_chat_id)
        application.add_handler(MessageHandler(staff & filters.TEXT, desk.on_staff_message))
    application.add_handler(CommandHandler("start", relay.on_start, filters=private))
    application.add_handler(CommandHandler(["help", "human", "cancel"], relay.on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, relay.on_text))
    application.add_handler(MessageHandler(private & (filters.PHOTO | filters.LOCATION), relay.on_attachment))
    application.add_handler(CallbackQueryHandler(relay.on_button))
    application.bot_data["relay"], application.bot_data["desk"] = relay, desk
    return application


def main() -> int:
    """Start the relay; a clear message when no token is configured."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_log_masking()
    config = RelayConfig()
    if not config.token:
        print("没有设置 TELEGRAM_BOT_TOKEN：Telegram 中继不启动（本地对话用 make run 即可）。", file=sys.stderr)
        return 2
    refusal = config.refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    application = build(config)
    updates = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if config.webhook:
        application.run_webhook(
            listen=os.environ.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1", port=config.webhook_port,
            url_path="telegram",
            webhook_url=config.webhook_url, secret_token=config.webhook_secret,
            allowed_updates=updates, drop_pending_updates=False,
        )
    else:
        application.run_polling(allowed_updates=updates, poll_interval=0.0, timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
