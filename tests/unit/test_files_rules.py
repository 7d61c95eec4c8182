"""The pure parts of files: signed links against a clock, types from the bytes, the settings' type list."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.config import Settings
from app.core.errors import AppError
from app.files import signing, sniffing
from app.files.store import blob_key, sha_of_key, thumbnail_key
from tests import files as t

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
KEY = signing.url_key("secret")


def test_a_link_is_good_until_it_expires_and_only_for_what_it_names():
    link = signing.issue(7, "file", 42, NOW, 300)
    sig = signing.signature(KEY, 7, "file", 42, link.expires)
    assert signing.verify(KEY, 7, "file", 42, link.expires, sig, NOW + timedelta(seconds=299)) == link
    for args in ((8, "file", 42, link.expires), (7, "thumbnail", 42, link.expires), (7, "file", 43, link.expires),
                 (7, "file", 42, link.expires + 3600), (7, "whole", 42, link.expires)):
        with pytest.raises(AppError) as refused:
            signing.verify(KEY, *args, sig, NOW)
        assert refused.value.code == "file_link_invalid"
    with pytest.raises(AppError) as refused:
        signing.verify(KEY, 7, "file", 42, link.expires, sig, NOW + timedelta(seconds=300))
    assert refused.value.code == "file_link_expired"
    with pytest.raises(AppError):
        signing.verify(signing.url_key("another secret"), 7, "file", 42, link.expires, sig, NOW)


def test_a_public_link_stays_the_same_for_a_while_and_lives_at_least_its_ttl():
    links = {signing.issue_public(7, "file", NOW + timedelta(seconds=s), 3600).expires for s in range(0, 3600, 60)}
    assert len(links) <= 2
    for s in range(0, 7200, 97):
        at = NOW + timedelta(seconds=s)
        left = signing.issue_public(7, "file", at, 3600).expires - at.timestamp()
        assert 3600 <= left <= 7200


def test_the_type_comes_from_the_bytes():
    allowed = ("image/jpeg", "image/png", "image/webp", "application/pdf")
    assert sniffing.accepted_type(t.photo_with_gps(), allowed) == "image/jpeg"
    assert sniffing.accepted_type(t.scan("x"), allowed) == "application/pdf"
    windows = b"MZ" + b"\x90\x00" * 30 + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 100
    for content, found in ((t.ELF, "application/x-executable"), (windows, "application/x-msdownload"),
                           (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unknown"), (b"", "unknown")):
        with pytest.raises(AppError) as refused:
            sniffing.accepted_type(content, allowed)
        assert (refused.value.code, refused.value.status, refused.value.params["detected"]) == (
            "file_type_not_allowed", 415, found)
    with pytest.raises(AppError):
        sniffing.accepted_type(t.scan("x"), ("image/jpeg",))


def test_keys_are_named_after_the_hash():
    sha = "ab" * 32
    assert blob_key(sha) == f"blobs/ab/ab/{sha}" and sha_of_key(blob_key(sha)) == sha
    assert sha_of_key(thumbnail_key(sha)) == sha and sha_of_key("blobs/ab/ab/not-a-hash") is None


def test_allowed_types_come_comma_separated_from_the_environment(monkeypatch):
    monkeypatch.setenv("CSC_FILES_ALLOWED_TYPES", "image/jpeg, Application/PDF")
    assert Settings().files_allowed_types == ["image/jpeg", "application/pdf"]
