"""Conversation state carried by the client: a small HMAC-signed, time-limited token of ids only.

The token holds the session's pack id, slide number, turn count, the slide of
the subject asked last, the emergency rule answered last, whether that slide
was shown whole, the names of the safety concepts the conversation remembers
("anticancer"), and when it was issued; never the person's words. Any worker holding the same secret can read
it. A tampered, expired or foreign token, or one naming what the knowledge no
longer holds (a pack renamed), reads as no token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable

from mbcbot.model import Session

VERSION = "5"
MAX_REMEMBERED = 32  # remembered concept names a token may carry
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # made once, not per token
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def new_secret() -> str:
    """A random secret for a deployment that did not configure one."""
    return secrets.token_urlsafe(32)


class StateCodec:
    """Signs sessions into tokens and reads them back."""

    def __init__(self, secret: str, max_age_seconds: int, fits: Callable[[Session], bool] = lambda session: True) -> None:
        self._keyed = hmac.new(hashlib.sha256(secret.encode("utf-8")).digest(), digestmod=hashlib.sha256)
        self.max_age = max_age_seconds
        self.fits = fits  # whether a session names only what the knowledge served holds

    def token(self, session: Session, now: float) -> str:
        """The signed token for `session`, issued at `now`."""
        fields = [VERSION, session.pack, session.slide, session.turns, session.subject, session.alert, session.whole]
        fields += [list(session.context), int(now)]
        body = _ENCODER.encode(fields)
        payload = base64.urlsafe_b64encode(body.encode("ascii")).rstrip(b"=").decode("ascii")
        return f"{payload}.{self._signature(payload)}"

    def session(self, token: str | None, now: float) -> Session | None:
        """The session in a valid token; None when it is missing, tampered, foreign or expired."""
        if not token or len(token) > 512 or not token.isascii() or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            version, pack, slide, turns, subject, alert, whole, context, issued = json.loads(
                base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            )
        except (ValueError, TypeError):
            return None
        fresh = isinstance(issued, int) and 0 <= now - issued <= self.max_age
        valid = version == VERSION and isinstance(pack, str) and (pack == "" or _ID.fullmatch(pack))
        valid = valid and isinstance(slide, int) and 0 <= slide <= 100_000 and isinstance(turns, int) and turns >= 0
        valid = valid and isinstance(subject, int) and 0 <= subject <= 100_000
        valid = valid and isinstance(alert, str) and (alert == "" or bool(_ID.fullmatch(alert))) and isinstance(whole, bool)
        valid = valid and isinstance(context, list) and len(context) <= MAX_REMEMBERED
        valid = valid and all(isinstance(name, str) and _ID.fullmatch(name) for name in context)
        if not (fresh and valid):
            return None
        remembered = tuple(sorted(set(context)))
        session = Session(pack=pack, slide=slide, turns=turns, subject=subject, alert=alert, whole=whole, context=remembered)
        return session if self.fits(session) else None  # a token issued for other knowledge is a reset

    def _signature(self, payload: str) -> str:
        signing = self._keyed.copy()  # keyed once: each token only adds its payload
        signing.update(payload.encode("ascii"))
        digest = signing.digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
