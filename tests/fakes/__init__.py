"""Stand-ins on loopback for the services the relays talk to (Telegram's Bot API, WeCom's kf API, Rasa)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now, for a process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
