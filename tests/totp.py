"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30 seconds, 6 digits) computed the
way an authenticator app does, written here rather than borrowed from django-allauth so a
fault in allauth's own code makes the tests fail instead of agreeing with it."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """The code an app shows for this base32 secret (spaces and case ignored) at `at`."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
