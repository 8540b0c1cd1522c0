"""The Telegram relay's own overhead per message: ``python -m bench.relay``.

A fake Bot API and a Rasa stand-in that answers at once, both on loopback, and
the real relay process between them. For 200 messages (one at a time, from 20
users) it times a user's message from the moment it is offered to the relay
(the fake API's getUpdates) to the reply the relay sends; with Rasa answering
instantly, that is the relay (plus loopback HTTP both ways).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.stats import percentile
from bot.stack import ROOT
from tests.fakes.rasa_echo import EchoRasa
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:BENCH"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    telegram, rasa = FakeTelegram(TOKEN).start(), EchoRasa()
    workdir = tempfile.mkdtemp(prefix="hutong-relay-bench-")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url,
           "RASA_PORT": str(rasa.port), "DATABASE_URL": f"sqlite:///{workdir}/records.db",
           "TELEGRAM_STAFF_CHAT_ID": "", "TELEGRAM_RATE_LIMIT": "1000", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "bot.telegram"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        telegram.wait_for(lambda c: c.method == "deleteWebhook", timeout=60)
        for warm in range(5):
            mark = telegram.mark()
            telegram.push_text(990000 + warm, "你好")
            telegram.wait_for(lambda c, chat=990000 + warm: c.chat_id == chat, after=mark)
        durations = []
        for number in range(args.messages):
            chat = 700000 + number % 20
            mark = telegram.mark()
            started = time.perf_counter()
            telegram.push_text(chat, f"第{number}条")
            reply = telegram.wait_for(lambda c, chat=chat: c.chat_id == chat and c.method == "sendMessage", after=mark)
            durations.append(reply.at - started)
        print(f"relay overhead per message, {args.messages} messages (fake Bot API, instant Rasa stand-in): "
              f"p50 {statistics.median(durations) * 1000:.1f} ms, p95 {percentile(durations, 0.95) * 1000:.1f} ms, "
              f"max {max(durations) * 1000:.1f} ms")
        return 0
    finally:
        process.terminate()
        process.wait(timeout=30)
        rasa.stop()
        telegram.stop()


if __name__ == "__main__":
    sys.exit(main())
