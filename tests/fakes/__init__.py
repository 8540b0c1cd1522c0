"""Stand-ins on loopback for the services the relays talk to (Telegram's Bot API, WeCom's kf API, Rasa)."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Generic, Self, TypeVar

CallT = TypeVar("CallT")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now, for a process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackServer:
    """An HTTP server on 127.0.0.1 in a daemon thread: what every fake here is built on."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Bind ``handler`` to a free port (call from ``__init__``; ``start`` runs it)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class RecordingFake(LoopbackServer, Generic[CallT]):
    """A fake API that records every call it is made, and lets a test wait for one.

    A subclass keeps its calls in ``recorded`` (in order) and notifies ``self._changed`` on each.
    """

    _changed: threading.Condition

    @property
    def recorded(self) -> list[CallT]:
        raise NotImplementedError

    @staticmethod
    def describe(call: CallT) -> str:
        """One line for a call, in the message of a wait that timed out."""
        return str(call)

    def wait_for(self, predicate: Callable[[CallT], bool], timeout: float = 60.0, after: int = 0) -> CallT:
        """The first call from index ``after`` on that satisfies ``predicate``, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.recorded[after:]:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = "\n".join(self.describe(c) for c in self.recorded[-15:])
                    raise AssertionError(f"the expected call never came; the last calls:\n{recent}")
                self._changed.wait(min(left, 0.5))

    def mark(self) -> int:
        """An index into the calls, to wait only for what comes after now."""
        with self._changed:
            return len(self.recorded)
