"""Passwords, phone numbers, masking and tokens."""

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import jwt
import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A dummy hash so unknown usernames cost the same time as wrong passwords.
DUMMY_HASH = _hasher.hash("not-a-real-password-Xy1!")


def password_classes(password: str) -> int:
    checks = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"]
    return sum(bool(re.search(p, password)) for p in checks)


def password_is_strong(password: str, min_length: int, min_classes: int) -> bool:
    return len(password) >= min_length and password_classes(password) >= min_classes


@lru_cache(maxsize=4096)  # phonenumbers' parse and checks cost 0.1 ms; an intake asks twice for the same number
def normalise_mobile(raw: str) -> str | None:
    """A mainland mobile number as 11 digits, or None when it is not one."""
    text = re.sub(r"[\s-]", "", raw or "")
    if not re.fullmatch(r"(\+?86)?1\d{10}", text):
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return str(number.national_number)


def mask_phone(phone: str | None) -> str | None:
    """138****1234 for mobiles; other numbers keep their first 3 and last 4."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str | None) -> str | None:
    """110***********001X: first 3 and last 4 shown."""
    if not id_number:
        return id_number
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


ISSUED_AT_LEEWAY_SECONDS = 60


def issue_token(secret: str, *, user_id: int, role: str, now: datetime, ttl: timedelta, version: int = 0) -> str:
    """A signed bearer token; `ver` is the user's token_version, so bumping it revokes this token."""
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "ver": version,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


class TokenError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@lru_cache(maxsize=4096)
def _signed_claims(secret: str, token: str) -> MappingProxyType:
    # A token's signature and claims never change: checked once, then remembered (a caller sends the same token
    # on every request). Only what depends on the time is checked on each call, below; revocation is the
    # caller's token version, read from the database on every request.
    return MappingProxyType(jwt.decode(token, secret, algorithms=[JWT_ALGORITHM],
                                       options={"verify_exp": False, "verify_iat": False,
                                                "require": ["exp", "sub"]}))


def read_token(secret: str, token: str, now: datetime) -> Mapping[str, Any]:
    try:
        # Times are checked against the injected clock, not the wall clock.
        claims = _signed_claims(secret, token)
    except jwt.InvalidTokenError as exc:
        raise TokenError("auth_token_invalid") from exc
    if int(claims["exp"]) <= int(now.timestamp()):
        raise TokenError("auth_token_expired")
    if "iat" in claims and int(claims["iat"]) > int(now.timestamp()) + ISSUED_AT_LEEWAY_SECONDS:
        raise TokenError("auth_token_invalid")  # issued in the future: a forged or mis-clocked token
    return claims


def lookup_hash(lookup_key: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) for finding rows by a personal value without indexing the value itself."""
    return hmac.new(lookup_key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()


def encrypt_field(field_key: str, value: str) -> str:
    return Fernet(field_key.encode()).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_field(field_key: str, token: str) -> str:
    return Fernet(field_key.encode()).decrypt(token.encode("ascii")).decode("utf-8")
