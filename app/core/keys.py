"""Secrets for tokens and field encryption.

Production passes them in the environment. On a bare machine they are made
once and kept in data_dir/keys.json (mode 0600) so a restart keeps tokens
and encrypted columns readable.
"""

import json
import os
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet

from app.core.config import Settings
from app.models.fields import set_field_key


@dataclass(frozen=True)
class Keys:
    jwt_secret: str
    field_key: str
    lookup_key: str


def load_keys(settings: Settings) -> Keys:
    stored: dict[str, str] = {}
    path = settings.data_dir / "keys.json"
    missing = not all([settings.jwt_secret, settings.field_key, settings.lookup_key])
    if missing:
        if path.exists():
            stored = json.loads(path.read_text())
        else:
            stored = {
                "jwt_secret": secrets.token_urlsafe(48),
                "field_key": Fernet.generate_key().decode(),
                "lookup_key": secrets.token_urlsafe(48),
            }
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(stored, fh)
    keys = Keys(
        jwt_secret=settings.jwt_secret or stored["jwt_secret"],
        field_key=settings.field_key or stored["field_key"],
        lookup_key=settings.lookup_key or stored["lookup_key"],
    )
    set_field_key(keys.field_key)  # encrypted columns read and write with it from here on
    return keys
