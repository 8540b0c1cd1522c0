"""Run the WeCom relay: ``python -m bot.wecom`` (``make run`` does it when ``WECOM_CORP_ID`` is set).

Serves WeCom's callback on ``WECOM_LISTEN:WECOM_PORT`` (put it behind the HTTPS
address registered as the app's callback URL) and runs the relay's timer.
"""
from __future__ import annotations

import asyncio
import logging
import sys

import uvicorn
from wechatpy.work.crypto import WeChatCrypto

from bot.relay.outlets import UserPost
from bot.relay.payloads import PayloadMap
from bot.relay.rasa_gateway import RasaGateway
from bot.telegram.config import RelayConfig
from bot.telegram.handoff import StaffDesk
from bot.wecom.api import WeComApi
from bot.wecom.callback import callback_app
from bot.wecom.config import WeComConfig
from bot.wecom.outlet import WeComOutlet
from bot.wecom.relay import WeComRelay
from bot.wecom.servicer import ServicerDesk
from records.privacy import install_log_masking
from records.wecom import known_accounts

logger = logging.getLogger("bot.wecom")


async def _staff_bot(telegram: RelayConfig):
    """The Telegram bot that reaches the staff group (the default handoff), when one is configured."""
    if not telegram.token or telegram.staff_chat_id is None:
        return None
    from telegram import Bot

    api = telegram.api_url.rstrip("/")
    bot = Bot(telegram.token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")
    try:
        await bot.initialize()
    except Exception as error:  # noqa: BLE001 - the relay runs without the group; users are told
        logger.warning("the staff group cannot be reached: %s", type(error).__name__)
        return None
    return bot


async def serve(config: WeComConfig) -> None:
    """The callback server and the timer, until stopped."""
    api = WeComApi(config.corp_id, config.secret, config.api_base)
    rasa = RasaGateway(config.rasa_url, config.rasa_jwt_secret, config.relay_token)
    telegram = RelayConfig()
    bot = await _staff_bot(telegram)

    async def tell_staff(text: str) -> None:
        if bot is not None:
            await bot.send_message(telegram.staff_chat_id, text)

    outlet = WeComOutlet(api, PayloadMap(), tell_staff)
    users = UserPost(outlet)
    if config.servicer_handoff:
        desk = ServicerDesk(api, rasa, users, config.servicers)
    else:  # the Telegram relay opens the topics; this one posts its users' messages into them
        desk = StaffDesk(telegram, rasa, users, bot=bot, opens_topics=False)
    relay = WeComRelay(config, api, rasa, desk, outlet)
    crypto = WeChatCrypto(config.token, config.encoding_aes_key, config.corp_id)
    server = uvicorn.Server(uvicorn.Config(callback_app(crypto, relay), host=config.listen, port=config.port,
                                           log_level="warning", access_log=False))

    async def timer() -> None:
        for open_kfid in known_accounts():  # what came while the relay was down (no callback token needed)
            await relay.sync(open_kfid)
        while True:
            try:
                await relay.tick()
            except Exception:  # noqa: BLE001 - one failing round must not stop the timer
                logger.exception("a WeCom relay job failed")
            await asyncio.sleep(config.tick_seconds)

    ticking = asyncio.create_task(timer())
    try:
        await server.serve()
    finally:
        ticking.cancel()
        await rasa.close()
        if bot is not None:
            await bot.shutdown()


def main() -> int:
    """Start the relay; a clear message when its settings are missing."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_log_masking()
    config = WeComConfig()
    refusal = config.refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    asyncio.run(serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
