"""Columns encrypted at rest: Fernet on the way in, plain text on the way out, for the ORM only.

The key is the deployment's field key (`CSC_FIELD_KEY`, or data_dir/keys.json), set once when the keys are
loaded. Rows written before a column was encrypted hold plain digits; they are read as they are and
encrypted the next time they are written.
"""

import re
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

_fernet: Fernet | None = None
_LEGACY_PLAIN = re.compile(r"\+?\d[\d-]{2,19}")


def set_field_key(key: str) -> None:
    global _fernet
    _fernet = Fernet(key.encode())


def _cipher() -> Fernet:
    if _fernet is None:
        raise RuntimeError("the field key is not loaded (app.core.keys.load_keys)")
    return _fernet


class EncryptedString(TypeDecorator):
    impl = String  # unbounded VARCHAR (the tokens' length follows the value's)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return _cipher().encrypt(str(value).encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return _cipher().decrypt(value.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            if _LEGACY_PLAIN.fullmatch(value):
                return value
            raise
