"""Hostile input against the running bot: ``python -m bench.fuzz [--count 10000]`` (``make bench-fuzz``).

Sends random Unicode, control characters, huge messages, malformed JSON, HTML and SQL, and payload
injection (``/inform{…}`` with slots a user may not set, Rasa's internal ``/restart``, ``/session_start``)
to Rasa's REST channel and to the relays' channel (with its secret), several at a time, then checks:

- no server error (HTTP 5xx) or dropped connection from our code; a refusal (400, 403, 413) is fine;
- both servers still answer;
- no conversation holds a slot only the bot may set (``data_erased``, ``answers_cleared``, a form's answer
  the user never gave) with an injected value.

Prints the counts. Run it with nothing else on the machine; it adds conversations to ``var/tracker.db``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

import httpx

from bot.rasa_auth import api_headers
from records.server_secrets import shared_secret

ROOT = Path(__file__).resolve().parent.parent
# Slots a message must never set by itself, with the value an injection tries.
GUARDED = {"data_erased": True, "answers_cleared": "departure_form", "paused_form": "visit_form",
           "dep_consent": True, "dep_confirmed": True, "rep_confirmed": True, "visit_director": "director",
           "chg_confirmed": True, "offered_task": "log_visit", "requested_slot": "dep_confirmed"}
INTENTS = ("inform", "affirm", "deny", "greet", "register_departure", "report_concern", "log_visit",
           "delete_my_data", "request_human", "redeem_invite", "change_registration", "restart", "session_start",
           "nlu_fallback", "action_erase_my_data", "report_emergency")


def _random_unicode(rng: random.Random, length: int) -> str:
    blocks = [(0x20, 0x7E), (0x4E00, 0x9FFF), (0x3000, 0x303F), (0x1F300, 0x1FAFF), (0x0400, 0x04FF),
              (0x0600, 0x06FF), (0x2000, 0x206F), (0xFF00, 0xFFEF), (0x0, 0x1F), (0xE000, 0xF8FF)]
    out = []
    for _ in range(length):
        low, high = rng.choice(blocks)
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def hostile(rng: random.Random) -> tuple[str, object]:
    """One hostile message: (kind, body) where body is a JSON-able message text or raw bytes."""
    kind = rng.choice(["unicode", "control", "huge", "malformed", "markup", "injection", "injection",
                       "numbers", "empty", "mixed"])
    if kind == "unicode":
        return kind, _random_unicode(rng, rng.randint(1, 200))
    if kind == "control":
        return kind, "".join(chr(rng.randint(0, 31)) for _ in range(rng.randint(1, 50))) + "孩子"
    if kind == "huge":
        return kind, rng.choice(["孩", "a", " ", "1 ", "叫"]) * rng.choice([5_000, 20_000, 60_000, 200_000])
    if kind == "malformed":
        return kind, rng.choice([b"{", b"[1,2", b'{"sender": 1, "message": {"a": []}}', b"\xff\xfe\x00",
                                 b'{"sender": null}', b'{"message": "hi"}', b"null", b'"just a string"',
                                 b'{"sender": "x", "message": "' + os.urandom(20).hex().encode() + b'"'])
    if kind == "markup":
        return kind, rng.choice(["<script>alert(1)</script>孩子叫周杰", "'; DROP TABLE registrations; --",
                                 "<img src=x onerror=alert(1)>", "{{7*7}}", "${jndi:ldap://x}", "%s%s%s%n",
                                 "../../../../etc/passwd", "\\u0000\\x00", "<b>13812345678</b>"])
    if kind == "injection":
        slot, value = rng.choice(list(GUARDED.items()))
        intent = rng.choice(INTENTS)
        return kind, f"/{intent}{json.dumps({slot: value}, ensure_ascii=False)}"
    if kind == "numbers":
        return kind, rng.choice(["1" * 18, "1101 0120 1703 0500 11", "-1", "9" * 400, "1e309", "NaN", "0x1F",
                                 "一三九一二三四五六七八", "２０２６年１２月３２日"])
    if kind == "empty":
        return kind, rng.choice(["", " ", "\n\n", "\u200b", "\ufeff", "\u3000"])
    return kind, "".join(rng.choice(["孩子", "被打", "报备", "/", "{", "}", "\"", "\\", "电话", "🙂", "\u202e"])
                         for _ in range(rng.randint(1, 40)))


async def _send(client: httpx.AsyncClient, url: str, headers: dict[str, str], sender: str,
                body: object) -> int:
    try:
        if isinstance(body, bytes):
            response = await client.post(url, content=body, headers={**headers, "Content-Type": "application/json"})
        else:
            response = await client.post(url, json={"sender": sender, "message": body}, headers=headers)
        return response.status_code
    except httpx.HTTPError as error:
        return -1 if not isinstance(error, httpx.ReadTimeout) else -2


async def _injection_probes(client: httpx.AsyncClient, rasa_url: str, rng: random.Random,
                            probes: int = 300) -> list[tuple[str, str, object]]:
    """Each injection as the first message of a fresh conversation: no guarded slot may take the injected value."""
    leaked = []
    for n in range(probes):
        slot, value = rng.choice(list(GUARDED.items()))
        if slot in ("requested_slot", "offered_task"):
            continue  # the bot sets these when a form or an offer starts: not the injected value's doing
        sender = f"probe-{n}-{rng.randrange(10**9)}"
        message = f"/{rng.choice(INTENTS)}{json.dumps({slot: value}, ensure_ascii=False)}"
        await _send(client, f"{rasa_url}/webhooks/rest/webhook", {}, sender, message)
        response = await client.get(f"{rasa_url}/conversations/{sender}/tracker", headers=api_headers())
        slots = (response.json() or {}).get("slots", {}) if response.status_code == 200 else {}
        if slots.get(slot) == value:
            leaked.append((message, slot, value))
    return leaked


async def run(count: int, concurrency: int, rasa_url: str, relay_token: str, seed: int) -> dict:
    rng = random.Random(seed)
    senders = [f"fuzz-{seed}-{n}" for n in range(200)]
    statuses: Counter[int] = Counter()
    by_kind: Counter[str] = Counter()
    queue: asyncio.Queue = asyncio.Queue()
    for n in range(count):
        kind, body = hostile(rng)
        relay = n % 5 == 0  # one in five through the relays' channel, as a relay would send it
        sender = ("tg:" + str(900_000_000 + n % 200)) if relay else rng.choice(senders)
        queue.put_nowait((kind, sender, body, relay))
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=120) as client:
        async def worker() -> None:
            while not queue.empty():
                kind, sender, body, relay = queue.get_nowait()
                url = f"{rasa_url}/webhooks/{'relay' if relay else 'rest'}/webhook"
                headers = {"X-Relay-Token": relay_token} if relay else {}
                status = await _send(client, url, headers, sender, body)
                statuses[status] += 1
                by_kind[f"{kind}:{status}"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        alive = (await client.get(f"{rasa_url}/")).status_code == 200
        leaked = await _injection_probes(client, rasa_url, rng)
    return {"count": count, "seconds": elapsed, "statuses": statuses, "by_kind": by_kind, "alive": alive,
            "leaked": leaked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    rasa_url = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    relay_token = os.environ.get("RELAY_TOKEN") or shared_secret("RELAY_TOKEN", ROOT / "var")
    result = asyncio.run(run(args.count, args.concurrency, rasa_url, relay_token, args.seed))
    statuses = result["statuses"]
    errors = sum(n for status, n in statuses.items() if status >= 500 or status < 0)
    actions_alive = httpx.get(f"http://127.0.0.1:{os.environ.get('ACTION_PORT', '5055')}/health").status_code == 200
    print(f"{result['count']} hostile inputs in {result['seconds']:.0f} s "
          f"({result['count'] / result['seconds']:.1f}/s, {args.concurrency} at a time)")
    print("HTTP status: " + ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items())))
    print(f"server errors or dropped connections: {errors}")
    print(f"Rasa still answers: {result['alive']}; action server still answers: {actions_alive}")
    print(f"injections as a fresh conversation's first message that set a guarded slot: {len(result['leaked'])} "
          f"{result['leaked'][:5]}")
    kinds = Counter()
    for key, n in result["by_kind"].items():
        kinds[key] += n
    print("by kind: " + ", ".join(f"{k}×{n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
