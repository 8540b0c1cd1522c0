"""Keyed hashes over the records' server secret: nothing stored can be checked against a guess without it.

- ``submission_key``: a resent submission files once, but the key cannot confirm who sent a report.
- ``invite_hash``: an invite code's stored form; a copy of the database does not give the codes away
  (plain SHA-256 over ~2^40 codes is cracked offline in minutes).
- ``pseudonym``: what an erased person's audit rows and kept handoff messages say instead of their id,
  so the log still shows that one person did these things, and no longer who.

The secret is ``RECORDS_SECRET`` from the environment, else generated once into the checkout's
``var/secrets`` (every process of one installation reads the same file), read once per process.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from records.server_secrets import shared_secret

SECRET_NAME = "RECORDS_SECRET"
VAR_DIR = Path(__file__).resolve().parent.parent / "var"


@lru_cache(maxsize=1)
def _secret() -> bytes:
    return shared_secret(SECRET_NAME, VAR_DIR).encode()


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA256 of ``parts`` under the server secret, hex."""
    message = "\x1f".join(parts).encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def submission_key(sender_id: str, form: str, answers: dict[str, Any]) -> str:
    """A stable key for one submission: same sender, form and answers → same key; unguessable without the secret."""
    payload = json.dumps([form, answers], sort_keys=True, ensure_ascii=False, default=str)
    return keyed_hash("submission", sender_id, payload)


def invite_hash(code: str) -> str:
    """The stored form of a (normalised) invite code."""
    return keyed_hash("invite", code)


def pseudonym(sender_id: str) -> str:
    """What an erased person is called in the rows the law keeps: ``erased:`` and 16 hex characters."""
    return "erased:" + keyed_hash("person", sender_id)[:16]
