"""Short-lived download links: an HMAC over what the link grants, checked against the injected clock (pure).

A link names the file, which rendition (the file or its thumbnail), who it was issued to (0 for a public image)
and when it expires. Whoever holds it may download until then; it is issued only to those who may read the
record the file belongs to, and the download is audited in the holder's name when the file is personal.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from app.core.errors import AppError

VARIANTS = frozenset({"file", "thumbnail"})
PUBLIC = 0  # the holder of a link anyone may use (an Open311 request's image)


def url_key(secret: str) -> bytes:
    """The signing key, derived from the application's secret for this one use."""
    return hmac.new(secret.encode("utf-8"), b"csc/files/download-link/v1", hashlib.sha256).digest()


def signature(key: bytes, file_id: int, variant: str, holder: int, expires: int) -> str:
    message = f"{file_id}:{variant}:{holder}:{expires}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Link:
    file_id: int
    variant: str
    holder: int
    expires: int

    def query(self, key: bytes) -> str:
        return (f"v={self.variant}&h={self.holder}&e={self.expires}"
                f"&s={signature(key, self.file_id, self.variant, self.holder, self.expires)}")

    def path(self, key: bytes) -> str:
        return f"/files/{self.file_id}/content?{self.query(key)}"


def issue(file_id: int, variant: str, holder: int, now: datetime, ttl_seconds: int) -> Link:
    return Link(file_id, variant, holder, int(now.timestamp()) + ttl_seconds)


def issue_public(file_id: int, variant: str, now: datetime, ttl_seconds: int) -> Link:
    """A public link that stays the same for a while (so clients and proxies may cache it): it expires at the end
    of the period after the current one, so it is valid at least `ttl_seconds` and at most twice that."""
    period = max(1, ttl_seconds)
    expires = (int(now.timestamp()) // period + 2) * period
    return Link(file_id, variant, PUBLIC, expires)


def verify(key: bytes, file_id: int, variant: str, holder: int, expires: int, sig: str, now: datetime) -> Link:
    """The link, when its signature is right and it has not expired at `now`."""
    expected = signature(key, file_id, variant, holder, expires)
    if variant not in VARIANTS or not hmac.compare_digest(expected, sig):
        raise AppError("file_link_invalid", 403)
    if now.timestamp() >= expires:
        raise AppError("file_link_expired", 403)
    return Link(file_id, variant, holder, expires)
