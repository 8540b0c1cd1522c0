"""The WeCom relay measured: ``python -m bench.wecom`` (also run by ``make bench``).

A fake WeCom API and a Rasa stand-in on loopback, the real ``python -m bot.wecom``
between them. Three figures:

1. overhead per message: 200 messages, one at a time from 20 users, Rasa answering
   at once: from the customer's message (its callback sent) to the relay's reply;
2. the callback acknowledged while Rasa is slow (2 s a turn): 200 callbacks, p99;
3. 1,000 messages from 50 users, every 10th callback replayed twice more and the
   relay stopped and started again halfway: lost, duplicated, out of order (a
   reply held back by WeCom's allowance counts as delivered later, not lost).
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import percentile
from bot.stack import ROOT
from tests.fakes import free_port
from tests.fakes.rasa_echo import EchoRasa
from tests.fakes.wecom_api import FakeWeCom

NUMBER = re.compile(r"收到：(u\d+)-(\d+)")


class Relay:
    """The relay process for one run."""

    def __init__(self, wecom: FakeWeCom, rasa: EchoRasa, workdir: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "WECOM_CORP_ID": wecom.corp_id, "WECOM_SECRET": wecom.secret,
                    "WECOM_TOKEN": wecom.token, "WECOM_ENCODING_AES_KEY": wecom.encoding_aes_key,
                    "WECOM_API_BASE": wecom.api_base_url, "WECOM_PORT": str(self.port),
                    "WECOM_TICK_SECONDS": "0.5", "RASA_PORT": str(rasa.port), "TELEGRAM_BOT_TOKEN": "",
                    "DATABASE_URL": f"sqlite:///{workdir}/records.db", "TELEGRAM_RATE_LIMIT": "1000",
                    "WECOM_MEDIA_DIR": str(workdir / "media"), "PYTHONPATH": str(ROOT)}
        self.wecom, self.workdir = wecom, workdir
        wecom.callback_url = f"http://127.0.0.1:{self.port}/wecom/callback"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bot.wecom"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while self.wecom.verify_url()[0] != 200:
            if time.time() > deadline:
                raise RuntimeError("the WeCom relay did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def held(self) -> list[str]:
        """Replies kept back by WeCom's allowance (in the outbox, to go when the user writes again)."""
        with sqlite3.connect(self.workdir / "records.db") as db:
            return [row[0] for row in db.execute("select text from notifications where delivered_at is null")]


def overhead(messages: int) -> None:
    wecom, rasa = FakeWeCom().start(), EchoRasa()
    relay = Relay(wecom, rasa, Path(tempfile.mkdtemp(prefix="hutong-wecom-bench-")))
    relay.start()
    try:
        for warm in range(5):
            mark = wecom.mark()
            wecom.push_text(f"warm{warm}", "你好")
            wecom.wait_for(lambda c, u=f"warm{warm}": c.touser == u, after=mark)
        durations = []
        for number in range(messages):
            user = f"o{number % 20}"
            mark = wecom.mark()
            started = time.perf_counter()
            wecom.push_text(user, f"第{number}条")
            reply = wecom.wait_for(lambda c, u=user: c.touser == u and c.ok, after=mark)
            durations.append(reply.at - started)
        print(f"relay overhead per message, {messages} messages (fake WeCom API, instant Rasa stand-in): "
              f"p50 {percentile(durations, 0.5) * 1000:.1f} ms, p95 {percentile(durations, 0.95) * 1000:.1f} ms, "
              f"max {max(durations) * 1000:.1f} ms")
    finally:
        relay.stop()
        rasa.stop()
        wecom.stop()


def acknowledgement(callbacks: int) -> None:
    wecom, rasa = FakeWeCom().start(), EchoRasa(delay=2.0)
    relay = Relay(wecom, rasa, Path(tempfile.mkdtemp(prefix="hutong-wecom-bench-")))
    relay.start()
    try:
        acks = []
        for number in range(callbacks):
            wecom.push_text(f"s{number % 40}", f"慢{number}", notify=False)
            acks.extend(wecom.notify())
        elapsed = [a.elapsed for a in acks]
        print(f"callback acknowledged while Rasa takes 2 s a turn, {callbacks} callbacks: "
              f"p50 {percentile(elapsed, 0.5) * 1000:.1f} ms, p99 {percentile(elapsed, 0.99) * 1000:.1f} ms, "
              f"max {max(elapsed) * 1000:.1f} ms; all 'success': {all(a.body == 'success' for a in acks)}")
    finally:
        relay.stop()
        rasa.stop()
        wecom.stop()


def stream(messages: int, users: int) -> int:
    wecom, rasa = FakeWeCom().start(), EchoRasa()
    relay = Relay(wecom, rasa, Path(tempfile.mkdtemp(prefix="hutong-wecom-bench-")))
    relay.start()
    sent: dict[str, list[int]] = {}
    try:
        for number in range(messages):
            user = f"u{number % users}"
            sent.setdefault(user, []).append(number)
            if number == messages // 2:
                relay.stop()  # callbacks now find nobody, as when the relay is being redeployed
            if number == messages // 2 + users:
                relay.start()  # it reads on from its cursor
            wecom.push_text(user, f"{user}-{number}")
            if number % 10 == 0 and relay.process and relay.process.poll() is None:
                wecom.replay_last(2)
            time.sleep(0.01)
        deadline = time.time() + 120
        while time.time() < deadline:
            seen = [m for c in wecom.sent() for m in NUMBER.findall(c.text)] + \
                   [m for text in relay.held() for m in NUMBER.findall(text)]
            if len(seen) >= messages:
                break
            time.sleep(1)
        time.sleep(2)
        delivered = [m for c in wecom.sent() for m in NUMBER.findall(c.text)]
        held = [m for text in relay.held() for m in NUMBER.findall(text)]
        answered: dict[str, list[int]] = {}
        for user, number in delivered + held:
            answered.setdefault(user, []).append(int(number))
        lost = sum(len(set(numbers) - set(answered.get(user, []))) for user, numbers in sent.items())
        duplicated = sum(len(numbers) - len(set(numbers)) for numbers in answered.values())
        disorder = sum(1 for numbers in answered.values() for a, b in zip(numbers, numbers[1:]) if b < a)
        print(f"{messages} messages from {users} users, every 10th callback replayed twice, relay restarted halfway: "
              f"{len(delivered)} replies sent, {len(held)} held for the allowance; "
              f"lost {lost}, duplicated {duplicated}, out of order {disorder}")
        return 1 if lost or duplicated or disorder else 0
    finally:
        relay.stop()
        rasa.stop()
        wecom.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--stream", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args(argv)
    overhead(args.messages)
    acknowledgement(args.messages)
    return stream(args.stream, args.users)


if __name__ == "__main__":
    sys.exit(main())
