"""A fake of WeCom's Customer Service (微信客服, "kf") API on loopback, for testing the relay without WeCom.

The relay talks to it through wechatpy's ``wechatpy.work.client.WeChatClient`` with ``API_BASE_URL`` set to
``f"{fake.url}/cgi-bin/"``. The fake answers the calls the relay makes (gettoken, kf/sync_msg, kf/send_msg,
kf/send_msg_on_event, kf/service_state/get and /trans, media/upload, media/get) with WeCom's rules and error
codes — the 5-replies-in-48-hours quota, the session states, one-shot 20-second welcome codes, 10-minute sync
tokens, expiring access tokens — so a relay that passes here does not first learn those rules in production.

A test plays the WeChat customer: ``push_text``, ``click`` (a msgmenu item), ``push_image``, ``push_voice``,
``push_location``, ``enter_session``; and the WeCom side: ``end_session``, ``servicer_joins``,
``servicer_says``. Each stores the message for kf/sync_msg and, as WeCom does, POSTs an encrypted
``kf_msg_or_event`` callback (which carries only a sync token, never the message) to ``callback_url``.
"""
from __future__ import annotations

import base64
import http.client
import itertools
import json
import re
import secrets
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from wechatpy.crypto import _get_signature
from wechatpy.work.crypto import PrpCrypto, WeChatCrypto

from tests.fakes import RecordingFake

SYNC_TOKEN_TTL = 600.0  # a callback's Token works in kf/sync_msg for 10 minutes
CODE_TTL = 20.0  # a welcome_code / msg_code works in kf/send_msg_on_event for 20 seconds, once
REPLY_WINDOW = 48 * 3600.0  # after a customer message the business may answer for 48 hours...
REPLIES_PER_MESSAGE = 5  # ...at most 5 times
MEDIA_TTL = 3 * 86400.0  # temporary media lives 3 days
SYNC_LIMIT = 1000

# Allowed kf/service_state/trans moves: 0 未处理, 1 由智能助手接待, 2 待接入池排队中, 3 由人工接待, 4 已结束.
TRANSITIONS: dict[int, set[int]] = {0: {1, 2, 3, 4}, 1: {2, 3, 4}, 2: {3, 4}, 3: {3, 4}, 4: set()}

ERRMSG: dict[int, str] = {
    0: "ok",
    40001: "invalid credential",
    40004: "invalid media type",
    40005: "invalid type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40058: "invalid parameter",
    40096: "invalid code",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44004: "empty content",
    45002: "content size out of limit",
    47001: "data format error",
    95000: "invalid open_kfid",
    95001: "send msg count limit exceeded",
    95007: "invalid msg token",
    95014: "invalid servicer",
    95016: "invalid state transition",
    95018: "send msg not allowed in current session state",
}

# path under /cgi-bin/ -> (HTTP verb, needs an access_token)
ROUTES: dict[str, tuple[str, bool]] = {
    "gettoken": ("GET", False),
    "kf/sync_msg": ("POST", True),
    "kf/send_msg": ("POST", True),
    "kf/send_msg_on_event": ("POST", True),
    "kf/service_state/get": ("POST", True),
    "kf/service_state/trans": ("POST", True),
    "media/upload": ("POST", True),
    "media/get": ("GET", True),
}

MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}
_MSGID = re.compile(r"[0-9a-zA-Z_-]{0,32}")


def new_encoding_aes_key() -> str:
    """A valid random EncodingAESKey: 32 random bytes in base64 without the trailing '=' (43 characters)."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


# Fixed defaults so ``FakeWeCom()`` and a relay configured from the same constants agree.
DEFAULT_TOKEN = "hutongFakeCallbackToken"
DEFAULT_AES_KEY = base64.b64encode(b"hutong-fake-wecom-aes-key-32byte").decode("ascii").rstrip("=")


def _tiny_png() -> bytes:
    """A valid 1x1 PNG, so a relay that inspects or re-encodes images gets a real one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xcc\x00"))
            + chunk(b"IEND", b""))


PNG_BYTES = _tiny_png()
# AMR-NB: the magic, then ten 12.2 kbit/s frames (a 0x3C header and 31 bytes each) of silence.
AMR_BYTES = b"#!AMR\n" + (b"\x3c" + bytes(31)) * 10


class FakeClock:
    """A clock a test moves by hand, so the 48-hour and 20-second windows pass in no time."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Call:
    """One API call the relay made, with its parameters and WeCom's answer (refused calls too)."""

    method: str  # the path under /cgi-bin/: "kf/send_msg", "gettoken", ...
    params: dict[str, Any]  # the JSON body, plus query parameters other than access_token
    errcode: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    touser: str | None = None  # external_userid the message went to (resolved from the code for send_msg_on_event)
    at: float = field(default_factory=time.perf_counter)

    @property
    def ok(self) -> bool:
        return self.errcode == 0

    @property
    def msgtype(self) -> str:
        return str(self.params.get("msgtype") or "")

    @property
    def menu(self) -> dict[str, Any] | None:
        return self.params.get("msgmenu") if self.msgtype == "msgmenu" else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The ``click`` items of a msgmenu ({"id", "content"}), the ones a customer can press."""
        items = (self.menu or {}).get("list") or []
        return [item["click"] for item in items if item.get("type") == "click" and "click" in item]

    @property
    def text(self) -> str:
        """What the customer sees: a text's content, or a msgmenu's head, items and tail, one per line."""
        if self.msgtype == "text":
            return str((self.params.get("text") or {}).get("content") or "")
        menu = self.menu
        if menu is None:
            return ""
        lines = [menu.get("head_content") or ""]
        for item in menu.get("list") or []:
            lines.append(str((item.get(item.get("type") or "") or {}).get("content") or ""))
        lines.append(menu.get("tail_content") or "")
        return "\n".join(line for line in lines if line)


@dataclass
class CallbackResult:
    """How the relay answered one callback POST (status 0: no answer at all, see ``error``)."""

    status: int
    body: str
    elapsed: float
    error: str = ""


@dataclass
class _Session:
    state: int = 0
    servicer: str = ""
    last_customer_at: float | None = None
    replies: int = 0  # sent since the last customer message


@dataclass
class _Code:
    open_kfid: str
    external_userid: str
    issued_at: float
    used: bool = False


@dataclass
class _Media:
    kind: str
    data: bytes
    content_type: str
    filename: str
    created_at: float


@dataclass
class _Reply:
    payload: dict[str, Any]
    touser: str | None = None
    raw: _Media | None = None  # media/get answers bytes, not JSON


def _error(errcode: int, errmsg: str | None = None) -> _Reply:
    return _Reply({"errcode": errcode, "errmsg": errmsg or ERRMSG.get(errcode, "error")})


def _ok(**extra: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **extra}


def _nbytes(value: Any) -> int:
    return len(str(value).encode("utf-8"))


def _sniff(kind: str, data: bytes) -> str | None:
    """The Content-Type of an upload WeCom would accept as ``kind``, or None (it checks formats, not names)."""
    if kind == "image":
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return "image/png"
        if data.startswith(b"\xff\xd8\xff"):
            return "image/jpeg"
        return None
    if kind == "voice":
        return "audio/amr" if data.startswith(b"#!AMR") else None
    if kind == "video":
        return "video/mp4" if data[4:8] == b"ftyp" else None
    return "application/octet-stream"


def _multipart_field(content_type: str, body: bytes, name: str) -> tuple[bytes, str] | None:
    """The bytes and filename of form field ``name`` in a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if "multipart/form-data" not in content_type or not match:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    for part in body.split(delimiter)[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.decode("utf-8", "replace")
        if re.search(rf'name="{re.escape(name)}"', disposition):
            filename = re.search(r'filename="([^"]*)"', disposition)
            return data.removesuffix(b"\r\n"), filename.group(1) if filename else ""
    return None


class FakeWeCom(RecordingFake["Call"]):
    """The fake server; ``url + "/cgi-bin/"`` is the relay's API base, ``callback_url`` where it takes callbacks."""

    def __init__(self, corp_id: str = "ww_test_corp", secret: str = "test-secret", token: str = DEFAULT_TOKEN,
                 encoding_aes_key: str = DEFAULT_AES_KEY, open_kfid: str = "wk_test_kf",
                 servicers: list[str] | None = None, token_ttl: int = 7200,
                 clock: Callable[[], float] = time.time, callback_url: str | None = None,
                 agent_id: str = "") -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.token = token
        self.encoding_aes_key = encoding_aes_key
        self.crypto = WeChatCrypto(token, encoding_aes_key, corp_id)  # the relay's side of it, for tests
        self.open_kfid = open_kfid
        self.open_kfids = {open_kfid}
        self.servicers = list(servicers) if servicers is not None else ["zhangsan"]
        self.token_ttl = token_ttl
        self.clock = clock
        self.callback_url = callback_url
        self.agent_id = agent_id
        self.callback_timeout = 5.0  # WeCom gives up on a callback after 5 seconds
        self.log: list[Call] = []
        self.callbacks: list[CallbackResult] = []
        self.last_callback: CallbackResult | None = None
        self.token_fetches = 0
        self._tokens: dict[str, float] = {}  # access_token -> expires at (clock)
        self._fail_next: list[int] = []
        self._sync_tokens: dict[str, float] = {}  # callback Token -> issued at (clock)
        self._messages: list[tuple[str, dict[str, Any]]] = []  # (open_kfid, message), append-only
        self._sessions: dict[tuple[str, str], _Session] = {}
        self._codes: dict[str, _Code] = {}
        self._media: dict[str, _Media] = {}
        self._last_request: tuple[str, bytes] | None = None
        self._msg_seq = itertools.count(4622416642169452483)
        self._changed = threading.Condition()
        self._serve(self._handler())

    new_encoding_aes_key = staticmethod(new_encoding_aes_key)

    @property
    def api_base_url(self) -> str:
        """What wechatpy's ``API_BASE_URL`` should be."""
        return f"{self.url}/cgi-bin/"

    # ---- test controls ------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access_token issued so far now answers 42001, as after its 7200 s."""
        with self._changed:
            for token in self._tokens:
                self._tokens[token] = float("-inf")

    def fail_next_with(self, errcode: int, times: int = 1) -> None:
        """The next ``times`` authenticated calls answer ``errcode`` whatever their token (e.g. 42001, 40014, -1)."""
        with self._changed:
            self._fail_next.extend([errcode] * times)

    def state(self, external_userid: str, open_kfid: str | None = None) -> int:
        with self._changed:
            return self._session(open_kfid or self.open_kfid, external_userid).state

    def servicer(self, external_userid: str, open_kfid: str | None = None) -> str:
        with self._changed:
            return self._session(open_kfid or self.open_kfid, external_userid).servicer

    def set_state(self, external_userid: str, state: int, servicer: str = "", open_kfid: str | None = None) -> None:
        """Force a session state, skipping the transition rules and sending no event."""
        with self._changed:
            session = self._session(open_kfid or self.open_kfid, external_userid)
            session.state, session.servicer = state, servicer if state == 3 else ""

    def quota_left(self, external_userid: str, open_kfid: str | None = None) -> int:
        """How many more kf/send_msg the user's last message allows now."""
        with self._changed:
            session = self._session(open_kfid or self.open_kfid, external_userid)
            if session.last_customer_at is None or self.clock() - session.last_customer_at > REPLY_WINDOW:
                return 0
            return max(0, REPLIES_PER_MESSAGE - session.replies)

    def messages(self, open_kfid: str | None = None) -> list[dict[str, Any]]:
        """Everything kf/sync_msg would return from an empty cursor."""
        with self._changed:
            return [json.loads(json.dumps(m)) for kf, m in self._messages if open_kfid in (None, kf)]

    def media_bytes(self, media_id: str) -> bytes | None:
        """The bytes of an uploaded or pushed media, to check what the relay uploaded."""
        with self._changed:
            media = self._media.get(media_id)
            return media.data if media else None

    def new_sync_token(self) -> str:
        """A callback Token valid for kf/sync_msg, as if a callback had carried it."""
        token = "ENC" + secrets.token_urlsafe(24)
        with self._changed:
            self._sync_tokens[token] = self.clock()
        return token

    # ---- what customers and servicers do ------------------------------------------------------

    def push_text(self, external_userid: str, text: str, *, origin: int = 3, servicer: str | None = None,
                  notify: bool = True) -> dict[str, Any]:
        """A text from the customer (origin 3), the system (4) or a servicer in the WeCom app (5)."""
        return self._push(external_userid, "text", {"content": text}, origin=origin, servicer=servicer,
                          notify=notify)

    def click(self, external_userid: str, menu_id: str, content: str, *, notify: bool = True) -> dict[str, Any]:
        """The customer presses a msgmenu ``click`` item: WeCom turns it into a text with ``menu_id``."""
        return self._push(external_userid, "text", {"content": content, "menu_id": menu_id}, notify=notify)

    def push_image(self, external_userid: str, data: bytes = PNG_BYTES, *, notify: bool = True) -> dict[str, Any]:
        media_id = self._store_media("image", data, "image/png" if data.startswith(b"\x89PNG") else "image/jpeg",
                                     "image.png")
        return self._push(external_userid, "image", {"media_id": media_id}, notify=notify)

    def push_voice(self, external_userid: str, data: bytes = AMR_BYTES, *, notify: bool = True) -> dict[str, Any]:
        media_id = self._store_media("voice", data, "audio/amr", "voice.amr")
        return self._push(external_userid, "voice", {"media_id": media_id}, notify=notify)

    def push_location(self, external_userid: str, latitude: float, longitude: float, name: str = "",
                      address: str = "", *, notify: bool = True) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude, "name": name, "address": address}
        return self._push(external_userid, "location", location, notify=notify)

    def enter_session(self, external_userid: str, scene: str = "qr", scene_param: str = "", *,
                      notify: bool = True) -> str:
        """The customer opens the kf chat (e.g. scans the QR code); returns the welcome_code it carries."""
        with self._changed:
            code = self._new_code(self.open_kfid, external_userid)
            session = self._session(self.open_kfid, external_userid)
            if session.state == 4:  # a new consultation after an ended one
                session.state, session.servicer = 0, ""
            self._push_event(external_userid, {"event_type": "enter_session", "scene": scene,
                                               "scene_param": scene_param, "welcome_code": code})
        self._notify_if(notify)
        return code

    def servicer_joins(self, external_userid: str, servicer: str = "zhangsan", *,
                       notify: bool = True) -> dict[str, Any]:
        """A servicer takes the session from the queue in the WeCom app (state 3, change_type 1)."""
        return self._status_change(external_userid, 1, 3, old="", new=servicer, notify=notify)

    def end_session(self, external_userid: str, servicer: str = "zhangsan", *, notify: bool = True) -> dict[str, Any]:
        """A servicer ends the session in the WeCom app (state 4, change_type 3)."""
        return self._status_change(external_userid, 3, 4, old=servicer, new="", notify=notify)

    def servicer_says(self, external_userid: str, text: str, servicer: str = "zhangsan", *,
                      notify: bool = True) -> dict[str, Any]:
        """A servicer writes from the WeCom app (origin 5): the relay must not take it for the customer."""
        return self.push_text(external_userid, text, origin=5, servicer=servicer, notify=notify)

    def _push(self, external_userid: str, msgtype: str, content: dict[str, Any], *, origin: int = 3,
              servicer: str | None = None, notify: bool = True) -> dict[str, Any]:
        now = self.clock()
        message: dict[str, Any] = {"msgid": f"from_msgid_{next(self._msg_seq)}", "open_kfid": self.open_kfid,
                                   "external_userid": external_userid, "send_time": int(now), "origin": origin}
        if origin == 5:
            message["servicer_userid"] = servicer or self.servicers[0]
        message.update(msgtype=msgtype, **{msgtype: content})
        with self._changed:
            self._messages.append((self.open_kfid, message))
            if origin == 3:
                session = self._session(self.open_kfid, external_userid)
                if session.state in (0, 4):  # the bot answers a new session until someone moves it
                    session.state, session.servicer = 1, ""
                session.last_customer_at, session.replies = now, 0
            self._changed.notify_all()
        self._notify_if(notify)
        return message

    def _push_event(self, external_userid: str, event: dict[str, Any]) -> dict[str, Any]:
        # Events carry open_kfid and external_userid inside "event", not at the top (as WeCom sends them).
        message = {"msgid": f"from_msgid_{next(self._msg_seq)}", "send_time": int(self.clock()), "origin": 4,
                   "msgtype": "event",
                   "event": {"event_type": event.pop("event_type"), "open_kfid": self.open_kfid,
                             "external_userid": external_userid, **event}}
        self._messages.append((self.open_kfid, message))
        self._changed.notify_all()
        return message

    def _status_change(self, external_userid: str, change_type: int, state: int, *, old: str, new: str,
                       notify: bool) -> dict[str, Any]:
        with self._changed:
            session = self._session(self.open_kfid, external_userid)
            session.state, session.servicer = state, new if state == 3 else ""
            event = {"event_type": "session_status_change", "change_type": change_type,
                     "old_servicer_userid": old, "new_servicer_userid": new,
                     "msg_code": self._new_code(self.open_kfid, external_userid)}
            message = self._push_event(external_userid, event)
        self._notify_if(notify)
        return message

    # ---- callbacks to the relay ---------------------------------------------------------------

    def _notify_if(self, notify: bool) -> None:
        if notify and self.callback_url:
            self.notify()

    def notify(self, replays: int = 1) -> list[CallbackResult]:
        """POST one kf_msg_or_event callback (a fresh sync Token) ``replays`` times, byte for byte the same."""
        if not self.callback_url:
            raise RuntimeError("set callback_url first")
        now = int(self.clock())
        plain = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><CreateTime>{now}</CreateTime>"
                 f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
                 f"<Token><![CDATA[{self.new_sync_token()}]]></Token>"
                 f"<OpenKfId><![CDATA[{self.open_kfid}]]></OpenKfId></xml>")
        url, body = self._envelope(plain, str(now))
        self._last_request = (url, body)
        return [self._post_callback(url, body) for _ in range(replays)]

    def replay_last(self, times: int = 1) -> list[CallbackResult]:
        """Re-send the last callback exactly (same msg_signature, timestamp, nonce and body), as WeCom retries."""
        if self._last_request is None:
            raise RuntimeError("no callback sent yet")
        url, body = self._last_request
        return [self._post_callback(url, body) for _ in range(times)]

    def _encrypt(self, plain: str, timestamp: str, nonce: str) -> tuple[str, str]:
        encrypt = PrpCrypto(self.crypto.key).encrypt(plain, self.corp_id).decode("ascii")
        return encrypt, _get_signature(self.token, timestamp, nonce, encrypt)

    def _envelope(self, plain: str, timestamp: str, signature: str | None = None) -> tuple[str, bytes]:
        # The body WeCom POSTs: only ToUserName, AgentID and Encrypt; the signature travels in the query.
        nonce = str(secrets.randbelow(10**10))
        encrypt, good = self._encrypt(plain, timestamp, nonce)
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<AgentID><![CDATA[{self.agent_id}]]></AgentID>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>").encode("utf-8")
        query = urlencode({"msg_signature": signature or good, "timestamp": timestamp, "nonce": nonce})
        return f"{self.callback_url}{'&' if '?' in str(self.callback_url) else '?'}{query}", body

    def _request(self, verb: str, url: str, body: bytes | None = None) -> CallbackResult:
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"the fake calls back over plain http only, not {url!r}")
        started = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                          timeout=self.callback_timeout)
        headers = {"User-Agent": "Mozilla/4.0"}
        if body is not None:
            headers["Content-Type"] = "text/xml"
        try:
            conn.request(verb, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
            return CallbackResult(response.status, data, time.perf_counter() - started)
        except OSError as exc:  # refused, reset, or no answer in 5 s
            return CallbackResult(0, "", time.perf_counter() - started, error=repr(exc))
        finally:
            conn.close()

    def _post_callback(self, url: str, body: bytes) -> CallbackResult:
        result = self._request("POST", url, body)
        with self._changed:
            self.callbacks.append(result)
            self.last_callback = result
        return result

    def verify_url(self, echostr_plain: str = "4862237590927281") -> tuple[int, str]:
        """WeCom's GET URL check: the relay must answer the decrypted ``echostr`` as plain text."""
        if not self.callback_url:
            raise RuntimeError("set callback_url first")
        timestamp, nonce = str(int(self.clock())), str(secrets.randbelow(10**10))
        encrypt, signature = self._encrypt(echostr_plain, timestamp, nonce)
        query = urlencode({"msg_signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": encrypt})
        result = self._request("GET", f"{self.callback_url}{'&' if '?' in self.callback_url else '?'}{query}")
        return result.status, result.body

    def post_forged(self, signature: str = "0" * 40) -> int:
        """A well-formed callback with a wrong msg_signature (someone who lacks the Token); its status."""
        if not self.callback_url:
            raise RuntimeError("set callback_url first")
        now = int(self.clock())
        plain = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><CreateTime>{now}</CreateTime>"
                 f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
                 f"<Token><![CDATA[forged]]></Token><OpenKfId><![CDATA[{self.open_kfid}]]></OpenKfId></xml>")
        url, body = self._envelope(plain, str(now), signature=signature)
        return self._request("POST", url, body).status

    # ---- what the relay did -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call (of ``method``), refused ones included, oldest first."""
        with self._changed:
            return [c for c in self.log if method is None or c.method == method]

    def sent(self, method: str = "kf/send_msg", touser: str | None = None) -> list[Call]:
        """Successful calls of ``method`` (to ``touser``), oldest first."""
        return [c for c in self.calls(method) if c.ok and (touser is None or c.touser == touser)]

    def _delivered(self, external_userid: str) -> list[Call]:
        return [c for c in self.calls() if c.ok and c.touser == external_userid
                and c.method in ("kf/send_msg", "kf/send_msg_on_event")]

    def texts_to(self, external_userid: str) -> list[str]:
        """The visible text of every message delivered to the user (send_msg and send_msg_on_event)."""
        return [c.text for c in self._delivered(external_userid) if c.text]

    def menus_to(self, external_userid: str) -> list[dict[str, Any]]:
        """Every msgmenu delivered to the user."""
        return [c.menu for c in self._delivered(external_userid) if c.menu is not None]

    @property
    def recorded(self) -> list[Call]:
        return self.log

    @staticmethod
    def describe(call: Call) -> str:
        return f"{call.method} {call.errcode} {call.touser or ''} {call.text[:60]}"

    # ---- the store ----------------------------------------------------------------------------

    def _session(self, open_kfid: str, external_userid: str) -> _Session:
        return self._sessions.setdefault((open_kfid, external_userid), _Session())

    def _new_code(self, open_kfid: str, external_userid: str) -> str:
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(open_kfid, external_userid, self.clock())
        return code

    def _store_media(self, kind: str, data: bytes, content_type: str, filename: str) -> str:
        media_id = "3" + secrets.token_urlsafe(42)
        with self._changed:
            self._media[media_id] = _Media(kind, data, content_type, filename, self.clock())
        return media_id

    # ---- the API ------------------------------------------------------------------------------

    def _auth(self, query: dict[str, str]) -> int:
        if self._fail_next:
            return self._fail_next.pop(0)
        token = query.get("access_token")
        if not token:
            return 41001
        expires = self._tokens.get(token)
        if expires is None:
            return 40014
        return 42001 if self.clock() >= expires else 0

    def _dispatch(self, verb: str, name: str, query: dict[str, str], body: bytes, content_type: str) -> _Reply:
        want, authed = ROUTES[name]
        params: dict[str, Any] = {k: v for k, v in query.items() if k != "access_token"}
        with self._changed:
            if verb != want:
                reply = _error(43001 if want == "GET" else 43002)
            elif authed and (code := self._auth(query)):
                reply = _error(code)
            elif name == "media/upload":
                reply = self._api_upload(params, body, content_type)
            elif name in ("gettoken", "media/get"):
                reply = self._api_gettoken(params) if name == "gettoken" else self._api_media_get(params)
            else:
                try:
                    data = json.loads(body.decode("utf-8")) if body else {}
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    reply = _error(47001)
                else:
                    params.update(data)
                    reply = getattr(self, "_api_" + name.replace("kf/", "").replace("/", "_"))(params)
            errcode = int(reply.payload.get("errcode", 0))
            self.log.append(Call(name, params, errcode, reply.payload, reply.touser))
            self._changed.notify_all()
        return reply

    def _api_gettoken(self, params: dict[str, Any]) -> _Reply:
        self.token_fetches += 1
        corpid, secret = params.get("corpid"), params.get("corpsecret")
        if not corpid:
            return _error(41002)
        if corpid != self.corp_id:
            return _error(40013)
        if not secret:
            return _error(41004)
        if secret != self.secret:
            return _error(40001)
        token = secrets.token_urlsafe(96)
        self._tokens[token] = self.clock() + self.token_ttl
        return _Reply(_ok(access_token=token, expires_in=self.token_ttl))

    def _api_sync_msg(self, params: dict[str, Any]) -> _Reply:
        limit = params.get("limit") or SYNC_LIMIT
        if not isinstance(limit, int) or not 0 < limit <= SYNC_LIMIT or params.get("voice_format", 0) not in (0, 1):
            return _error(40058)
        open_kfid = params.get("open_kfid") or None  # none: every kf account's messages
        if open_kfid is not None and open_kfid not in self.open_kfids:
            return _error(95000)
        token = params.get("token") or ""  # empty is allowed (with a stricter rate limit at WeCom)
        issued = self._sync_tokens.get(token)
        if token and (issued is None or self.clock() - issued > SYNC_TOKEN_TTL):
            return _error(95007)
        cursor = params.get("cursor") or ""
        match = re.fullmatch(r"c(\d+)", cursor) if cursor else None
        if cursor and (match is None or int(match.group(1)) > len(self._messages)):
            return _error(40058, "invalid cursor")
        position = int(match.group(1)) if match else 0
        batch: list[dict[str, Any]] = []
        while position < len(self._messages) and len(batch) < limit:
            kf, message = self._messages[position]
            position += 1
            if open_kfid in (None, kf):
                batch.append(json.loads(json.dumps(message)))
        has_more = any(open_kfid in (None, kf) for kf, _ in self._messages[position:])
        return _Reply(_ok(next_cursor=f"c{position}", has_more=int(has_more), msg_list=batch))

    def _check_content(self, params: dict[str, Any], allowed: tuple[str, ...]) -> _Reply | None:
        """WeCom's limits on a message body, or None when it passes."""
        msgid = params.get("msgid")
        if msgid is not None and (not isinstance(msgid, str) or not _MSGID.fullmatch(msgid)):
            return _error(40058, "invalid msgid")
        msgtype = params.get("msgtype")
        if msgtype not in allowed:
            return _error(40008)
        content = params.get(msgtype)
        if not isinstance(content, dict):
            return _error(40058, f"missing {msgtype}")
        if msgtype == "text":
            text = content.get("content")
            if not isinstance(text, str) or not text:
                return _error(44004)
            return _error(45002) if _nbytes(text) > 2048 else None
        if msgtype in ("image", "voice", "video", "file"):
            media = self._media.get(str(content.get("media_id")))
            return _error(40007) if media is None or self.clock() - media.created_at > MEDIA_TTL else None
        if msgtype == "msgmenu":
            return self._check_menu(content)
        return None

    def _check_menu(self, menu: dict[str, Any]) -> _Reply | None:
        items = menu.get("list") or []
        if not isinstance(items, list) or len(items) > 10:
            return _error(40058, "too many menu items")
        for part in ("head_content", "tail_content"):
            if len(str(menu.get(part) or "")) > 1024:  # WeCom counts 字 here, not bytes
                return _error(40058, f"{part} too long")
        # item type -> (field, most bytes, required)
        limits = {"click": [("id", 128, False), ("content", 128, True)],
                  "view": [("url", 2048, True), ("content", 1024, True)],
                  "miniprogram": [("appid", 64, True), ("pagepath", 1024, True), ("content", 1024, True)],
                  "text": [("content", 256, True)]}
        for item in items:
            kind = item.get("type") if isinstance(item, dict) else None
            body = item.get(kind) if kind in limits else None
            if not isinstance(body, dict):
                return _error(40058, "invalid menu item")
            for name, most, required in limits[kind]:
                value = body.get(name)
                if (value is None and required) or (value is not None and not 1 <= _nbytes(value) <= most):
                    return _error(40058, f"invalid menu item {kind}.{name}")
        return None

    def _api_send_msg(self, params: dict[str, Any]) -> _Reply:
        touser, open_kfid = params.get("touser"), params.get("open_kfid")
        if not touser or not isinstance(touser, str):
            return _error(40058, "touser missing")
        if open_kfid not in self.open_kfids:
            return _Reply(_error(95000).payload, touser)
        allowed = ("text", "image", "voice", "video", "file", "link", "miniprogram", "msgmenu", "location",
                   "business_card", "ca_link")
        refused = self._check_content(params, allowed)
        session = self._session(open_kfid, touser)
        if refused is None and session.state not in (0, 1):
            refused = _error(95018)
        if refused is None and (session.last_customer_at is None or session.replies >= REPLIES_PER_MESSAGE
                                or self.clock() - session.last_customer_at > REPLY_WINDOW):
            refused = _error(95001)
        if refused is not None:
            refused.touser = touser
            return refused
        session.replies += 1
        return _Reply(_ok(msgid=params.get("msgid") or secrets.token_hex(16)), touser)

    def _api_send_msg_on_event(self, params: dict[str, Any]) -> _Reply:
        code = self._codes.get(str(params.get("code")))
        if code is None or code.used or self.clock() - code.issued_at > CODE_TTL:
            return _error(40096)
        refused = self._check_content(params, ("text", "msgmenu"))
        if refused is not None:
            refused.touser = code.external_userid
            return refused
        code.used = True
        return _Reply(_ok(msgid=params.get("msgid") or secrets.token_hex(16)), code.external_userid)

    def _api_service_state_get(self, params: dict[str, Any]) -> _Reply:
        if params.get("open_kfid") not in self.open_kfids:
            return _error(95000)
        if not params.get("external_userid"):
            return _error(40058, "external_userid missing")
        session = self._session(params["open_kfid"], params["external_userid"])
        return _Reply(_ok(service_state=session.state, servicer_userid=session.servicer if session.state == 3 else ""))

    def _api_service_state_trans(self, params: dict[str, Any]) -> _Reply:
        if params.get("open_kfid") not in self.open_kfids:
            return _error(95000)
        user, new, servicer = params.get("external_userid"), params.get("service_state"), params.get("servicer_userid")
        if not user or new not in TRANSITIONS:
            return _error(40058)
        session = self._session(params["open_kfid"], user)
        if new not in TRANSITIONS[session.state]:
            return _error(95016)
        if new == 3:
            if servicer not in self.servicers:
                return _error(95014)
            if session.state == 3 and servicer == session.servicer:
                return _error(95016)
        session.state, session.servicer = new, servicer if new == 3 else ""
        # A msg_code (for send_msg_on_event: a greeting or goodbye) comes with 3 and 4 only, as at WeCom.
        extra = {"msg_code": self._new_code(params["open_kfid"], user)} if new in (3, 4) else {}
        return _Reply(_ok(**extra), user)

    def _api_upload(self, params: dict[str, Any], body: bytes, content_type: str) -> _Reply:
        kind = params.get("type")
        if kind not in MEDIA_LIMITS:
            return _error(40005)
        upload = _multipart_field(content_type, body, "media")
        if upload is None:
            return _error(40058, "media missing")
        data, filename = upload
        params.update(filename=filename, size=len(data))
        if not 5 < len(data) <= MEDIA_LIMITS[kind]:
            return _error(40006)
        mime = _sniff(kind, data)
        if mime is None:
            return _error(40004)
        media_id = "3" + secrets.token_urlsafe(42)
        now = self.clock()
        self._media[media_id] = _Media(kind, data, mime, filename or f"{kind}.bin", now)
        params["media_id"] = media_id
        return _Reply({"errcode": 0, "errmsg": "ok", "type": kind, "media_id": media_id, "created_at": str(int(now))})

    def _api_media_get(self, params: dict[str, Any]) -> _Reply:
        media = self._media.get(str(params.get("media_id")))
        if media is None or self.clock() - media.created_at > MEDIA_TTL:
            return _error(40007)
        return _Reply(_ok(), raw=media)

    # ---- the HTTP side ------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                self._answer("POST")

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

            def _answer(self, verb: str) -> None:
                parts = urlsplit(self.path)
                name = parts.path.removeprefix("/cgi-bin/")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if not parts.path.startswith("/cgi-bin/") or name not in ROUTES:
                    self._send(404, json.dumps({"errcode": 404, "errmsg": "not found"}).encode(), "application/json")
                    return
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                reply = fake._dispatch(verb, name, query, body, self.headers.get("Content-Type", ""))
                if reply.raw is not None:
                    self._send(200, reply.raw.data, reply.raw.content_type,
                               {"Content-Disposition": f'attachment; filename="{reply.raw.filename}"'})
                    return
                data = json.dumps(reply.payload, ensure_ascii=False).encode("utf-8")
                self._send(200, data, "application/json; charset=UTF-8")

            def _send(self, status: int, data: bytes, content_type: str,
                      headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the relay hung up mid-answer
                    pass

        return Handler
