"""Start and stop the two servers in the background: ``python -m bot.stack up|down|restart-rasa``.

``make up`` returns only once the bot answers a message, so a test or an eval
that runs next never meets a half-started server. Both servers listen on
loopback; Rasa's HTTP API is on and needs ``RASA_API_TOKEN``. Process ids and
logs are kept under ``var/`` (``var/run``, ``var/log``).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.rasa_auth import api_headers
from bot.relay.rasa_gateway import RELAY_HEADER
from records.retention import media_dir, purge_conversations, purge_media
from records.server_secrets import shared_secret

ROOT = Path(__file__).resolve().parent.parent
WARM_UP_MESSAGES = ("/greet", "孤儿基本生活费标准是多少")
MAX_REQUEST_BYTES = 64 * 1024  # the largest request Rasa's server reads (a message of some 20,000 characters)


@dataclass
class Stack:
    """Where the servers run and what they are started with; defaults come from the environment."""

    rasa_port: int = field(default_factory=lambda: int(os.environ.get("RASA_PORT", "5005")))
    action_port: int = field(default_factory=lambda: int(os.environ.get("ACTION_PORT", "5055")))
    # The browser staff desk (desk/), on loopback; DESK=off leaves it out.
    desk_port: int = field(default_factory=lambda: int(os.environ.get("DESK_PORT", "8300")))
    # The HTTP API token: the environment's (make passes .env's, generated there on first run), else one
    # generated for this var_dir (a test's stack); never a published default.
    token: str = field(default_factory=lambda: os.environ.get("RASA_API_TOKEN", ""))
    var_dir: Path = field(default_factory=lambda: ROOT / "var")
    model: Path = ROOT / "models" / "hutong.tar.gz"
    env: dict[str, str] = field(default_factory=dict)
    _children: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    _client: httpx.Client | None = field(default=None, repr=False)
    _route: tuple[str, dict[str, str]] | None = field(default=None, repr=False)  # where say() posts

    def __post_init__(self) -> None:
        if not self.token:
            self.token = shared_secret("RASA_API_TOKEN", self.var_dir, {})

    @property
    def api_headers(self) -> dict[str, str]:
        """Headers for Rasa's HTTP API (a short-lived JWT, bot/rasa_auth.py): no token in the URL."""
        return api_headers(self._environment()["RASA_JWT_SECRET"])

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_channel(self) -> bool:
        """Whether Rasa serves the local REST channel (terminal chat, tests, evaluation on this machine).

        ``REST_CHANNEL=on|off``; left empty, it is on for a local run and off in a deployment, i.e. once a
        messaging channel (``TELEGRAM_BOT_TOKEN``, ``WECOM_CORP_ID``) is configured: then only the relays reach Rasa.
        """
        env = self._environment()
        value = env.get("REST_CHANNEL", "").strip().lower()
        if value in {"on", "1", "true", "yes"}:
            return True
        if value in {"off", "0", "false", "no"}:
            return False
        return not (env.get("TELEGRAM_BOT_TOKEN") or env.get("WECOM_CORP_ID"))

    @property
    def credentials(self) -> str:
        """Rasa's channels: the relays' and the local REST channel, or only the relays'."""
        return "credentials.yml" if self.rest_channel else "credentials.deploy.yml"

    def _pidfile(self, name: str) -> Path:
        return self.var_dir / "run" / f"{name}.pid"

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RASA_TELEMETRY_ENABLED="false",
            PYTHONPATH=str(ROOT),
            SANIC_HOST="127.0.0.1",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
        )
        env["ACTION_SERVER_TOKEN"] = shared_secret("ACTION_SERVER_TOKEN", self.var_dir, env)
        env["RELAY_TOKEN"] = shared_secret("RELAY_TOKEN", self.var_dir, env)
        env["RASA_JWT_SECRET"] = shared_secret("RASA_JWT_SECRET", self.var_dir, env)
        env.update(self.env)
        return env

    def _spawn(self, name: str, argv: list[str], **extra_env: str) -> None:
        if self.running(name):
            return
        (self.var_dir / "run").mkdir(parents=True, exist_ok=True)
        (self.var_dir / "log").mkdir(parents=True, exist_ok=True)
        log = open(self.var_dir / "log" / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**self._environment(), **extra_env}, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self._pidfile(name).write_text(str(process.pid))
        self._children[name] = process

    def running(self, name: str) -> bool:
        """True when the server ``name`` (``rasa`` or ``actions``) has a live process."""
        try:
            pid = int(self._pidfile(name).read_text())
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return False
        return state not in {"Z", "X"}  # an exited child not yet reaped is not running

    def start_actions(self) -> None:
        """The rasa_sdk action server of the app runtime."""
        python = ROOT / ".venv" / "bin" / "python"
        self._spawn("actions", [str(python), "-m", "bot.action_server", "--port", str(self.action_port)])

    def start_rasa(self) -> None:
        """The Rasa server of the rasa runtime: REST channel, HTTP API with a token."""
        python = ROOT / ".venv-rasa" / "bin" / "python"
        self._spawn("rasa", [  # the token goes by the environment, not the command line (bot/rasa_server.py)
            str(python), "-m", "bot.rasa_server", "run", "--model", str(self.model), "--enable-api",
            "--interface", "127.0.0.1", "--port", str(self.rasa_port),
            "--endpoints", "endpoints.yml", "--credentials", self.credentials,
        ], SANIC_REQUEST_MAX_SIZE=str(MAX_REQUEST_BYTES), RASA_API_TOKEN=self.token)

    def start_relay(self) -> None:
        """The relays of the configured channels: Telegram with a bot token, WeCom with a corp id."""
        env = self._environment()
        if env.get("TELEGRAM_BOT_TOKEN"):
            self._spawn("relay", [sys.executable, "-m", "bot.telegram"])
        if env.get("WECOM_CORP_ID"):
            self._spawn("wecom", [sys.executable, "-m", "bot.wecom"])

    @property
    def desk_url(self) -> str:
        """Base URL of the staff desk."""
        return f"http://127.0.0.1:{self.desk_port}"

    def start_desk(self, timeout: float = 60) -> None:
        """The browser staff desk (``python -m desk``), unless ``DESK=off``; returns once it answers."""
        if self._environment().get("DESK", "on").strip().lower() in {"off", "0", "false", "no"}:
            return
        python = ROOT / ".venv" / "bin" / "python"
        # RASA_PORT: closing a ticket resumes the bot's conversation through this stack's Rasa.
        self._spawn("desk", [str(python), "-m", "desk"], DESK_PORT=str(self.desk_port), DESK_HOST="127.0.0.1",
                    RASA_PORT=str(self.rasa_port))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running("desk"):
                raise RuntimeError(f"the staff desk exited; see {self.var_dir / 'log' / 'desk.log'}")
            try:
                if httpx.get(f"{self.desk_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the staff desk did not answer within {timeout:.0f}s")

    def stop(self, name: str, timeout: float = 20) -> None:
        """Stop one server (its whole process group) and wait until it is gone."""
        try:
            pid = int(self._pidfile(name).read_text())
        except (OSError, ValueError):
            return
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
        deadline = time.monotonic() + timeout
        while self.running(name) and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.running(name):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        child = self._children.pop(name, None)
        if child is not None:
            child.wait(timeout=10)
        self._pidfile(name).unlink(missing_ok=True)

    def say(self, sender: str, text: str, timeout: float = 30) -> list[dict]:
        """Send one message over the REST channel; the bot's replies.

        One HTTP client, kept alive, as a real front end keeps its connection
        (a new client per message costs more than the bot's own work).
        """
        if self._client is None:
            self._client = httpx.Client()
        if self._route is None:  # decided once: it reads the environment and the secrets' files
            if self.rest_channel:
                self._route = (f"{self.rasa_url}/webhooks/rest/webhook", {})
            else:  # a deployment: only the relays' channel is open
                self._route = (f"{self.rasa_url}/webhooks/relay/webhook",
                               {RELAY_HEADER: self._environment()["RELAY_TOKEN"]})
        url, headers = self._route
        response = self._client.post(url, json={"sender": sender, "message": text}, headers=headers,
                                     timeout=timeout)
        response.raise_for_status()
        return response.json() or []

    def wait_until_answering(self, timeout: float = 240) -> None:
        """Block until the bot replies to a greeting through both servers (and warm them up)."""
        deadline = time.monotonic() + timeout
        last_error = "no answer"
        while time.monotonic() < deadline:
            for name in ("rasa", "actions"):
                if not self.running(name):
                    raise RuntimeError(f"{name} server exited; see {self.var_dir / 'log' / (name + '.log')}")
            try:
                replies = [self.say("stack-warm-up", text) for text in WARM_UP_MESSAGES]
                if all(replies):
                    return
                last_error = "empty reply"
            except httpx.HTTPError as error:
                last_error = type(error).__name__
            time.sleep(1)
        raise TimeoutError(f"the bot did not answer within {timeout:.0f}s ({last_error})")

    def protect_files(self) -> None:
        """Children's data at rest is the owner's only: ``var/`` 0700 and everything in it 0600/0700, and what
        the servers create from now on too (their umask), as well as ``.env``."""
        os.umask(0o077)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for path in [self.var_dir, *self.var_dir.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else path.stat().st_mode & 0o700)
        dotenv = ROOT / ".env"
        if dotenv.exists():
            dotenv.chmod(0o600)

    def purge_old_conversations(self) -> None:
        """Conversations idle longer than ``CONVERSATION_RETENTION_DAYS`` are deleted at every start."""
        environment = self._environment()
        try:
            deleted = purge_conversations(environment.get("RASA_TRACKER_URL"),
                                          int(environment.get("CONVERSATION_RETENTION_DAYS") or 0) or None)
        except Exception as error:  # noqa: BLE001 - a store not reachable yet must not keep the bot from starting
            print(f"（对话保留期清理没有完成：{type(error).__name__}）", file=sys.stderr)
            return
        if deleted:
            print(f"删除了 {deleted} 段超过保留期的对话。")
        try:  # voice notes and photos from WeChat, on the same clock
            media = purge_media(media_dir(environment),
                                int(environment.get("CONVERSATION_RETENTION_DAYS") or 0) or None)
        except Exception as error:  # noqa: BLE001 - as above
            print(f"（语音和图片的保留期清理没有完成：{type(error).__name__}）", file=sys.stderr)
            return
        if media:
            print(f"删除了 {media} 个超过保留期的语音和图片文件。")

    def up(self) -> None:
        """Start both servers if they are not running, wait until the bot answers, then the relays if configured."""
        self.protect_files()
        self.purge_old_conversations()
        self.start_actions()
        self.start_rasa()
        self.wait_until_answering()
        self.start_relay()
        self.start_desk()

    def down(self) -> None:
        """Stop the servers (and the relays and the desk if they run)."""
        self.stop("desk")
        self.stop("wecom")
        self.stop("relay")
        self.stop("rasa")
        self.stop("actions")

    def restart_rasa(self) -> None:
        """Stop and start Rasa only (conversations live in the tracker store and survive)."""
        self.stop("rasa")
        self.start_rasa()
        self.wait_until_answering()


def main(argv: list[str] | None = None) -> int:
    """Command line used by the Makefile."""
    parser = argparse.ArgumentParser(prog="python -m bot.stack", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "restart-rasa"))
    args = parser.parse_args(argv)
    stack = Stack()
    if args.command == "up":
        started = time.perf_counter()
        stack.up()
        desk = f", staff desk {stack.desk_url}" if stack.running("desk") else ""
        print(f"护童助手 is up: Rasa {stack.rasa_url}, actions :{stack.action_port}{desk} "
              f"({time.perf_counter() - started:.0f}s). Logs in var/log.")
    elif args.command == "down":
        stack.down()
        print("stopped")
    else:
        stack.restart_rasa()
        print("Rasa restarted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
