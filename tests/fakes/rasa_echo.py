"""A Rasa stand-in that answers at once (an echo with one button), to time the relay alone."""
from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import LoopbackServer


class EchoRasa(LoopbackServer):
    """Answers the REST channel with the message echoed and a button; the tracker API with an empty conversation."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds before each answer: a slow Rasa
        self._serve(self._handler())
        self._server.handle_error = lambda *_args: None  # a relay that hung up mid-answer is not news
        self.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rasa = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _send(self, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path.startswith("/webhooks/relay/webhook"):  # the channel the relays use
                    time.sleep(rasa.delay)
                    self._send([{"recipient_id": body.get("sender"), "text": f"收到：{body.get('message')}",
                                 "buttons": [{"title": "好的", "payload": "/affirm"}]}])
                else:
                    self._send({})

            def do_GET(self) -> None:  # noqa: N802
                self._send({"events": [], "active_loop": {}})

        return Handler
