"""Where the bytes live: local disk under the data directory, or an S3-compatible bucket, through obstore.

One code path for both: obstore's LocalStore and S3Store answer the same calls. A put is atomic in both (the
LocalStore writes a temporary name and renames it; S3 shows an object only once it is complete); on local disk
the stored file and its directories are then fsync'd, before the upload's transaction commits, so an upload that
was answered survives a power cut.

obstore's async calls left the process aborting at exit now and then (its tokio runtime outlives the interpreter's
shutdown), so the synchronous calls run in worker threads instead.
"""

import asyncio
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import obstore
from obstore.store import LocalStore, S3Store

from app.core.config import Settings

READ_CHUNK = 64 * 1024  # a download is streamed in pieces this size
LOCAL_PART = 1024 * 1024  # a put of a large file goes in parts: this size on local disk,
S3_PART = 5 * 1024 * 1024  # and S3's smallest
PART_CONCURRENCY = 2  # parts in flight at once: memory stays near PART_CONCURRENCY parts


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def sha_of_key(key: str) -> str | None:
    """The hash an object's key names (blobs/ab/cd/<sha> or thumbs/ab/cd/<sha>.jpg), or None for anything else."""
    name = key.rsplit("/", 1)[-1].removesuffix(".jpg")
    return name if len(name) == 64 and all(c in "0123456789abcdef" for c in name) else None


@dataclass(frozen=True)
class StoredObject:
    key: str
    last_modified: datetime


class FileStore:
    """The application's store. `spool` is always local: uploads stream there first, whatever the store."""

    def __init__(self, settings: Settings):
        self.spool = settings.data_dir / "files" / "incoming"
        self.spool.mkdir(parents=True, exist_ok=True)
        self.root: Path | None
        self._store: Any
        if settings.files_s3_bucket:
            self.root = None
            options: Any = {"allow_http": True} if settings.files_s3_allow_http else None
            self._store = S3Store(
                settings.files_s3_bucket, prefix=settings.files_s3_prefix or None,
                endpoint=settings.files_s3_endpoint, region=settings.files_s3_region,
                access_key_id=settings.files_s3_access_key_id,
                secret_access_key=settings.files_s3_secret_access_key,
                virtual_hosted_style_request=settings.files_s3_endpoint is None,  # MinIO and the like: path style
                client_options=options)
            self._part = S3_PART
        else:
            self.root = settings.data_dir / "files" / "store"
            self._store = LocalStore(prefix=self.root, mkdir=True)
            self._part = LOCAL_PART

    @property
    def kind(self) -> str:
        return "local" if self.root is not None else "s3"

    async def put(self, key: str, path: Path) -> None:
        await asyncio.to_thread(self._put, key, path)

    def _put(self, key: str, path: Path) -> None:
        obstore.put(self._store, key, path, chunk_size=self._part, max_concurrency=PART_CONCURRENCY)
        if self.root is not None:
            _fsync_tree(self.root, self.root / key)

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(obstore.head, self._store, key)
        except FileNotFoundError:
            return False
        return True

    async def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes, in pieces (a sync iterator: Starlette runs it in its thread pool).

        Raises FileNotFoundError here, before a response has started, when the object is missing."""
        result = await asyncio.to_thread(obstore.get, self._store, key)

        def pieces() -> Iterator[bytes]:
            for chunk in result.stream(min_chunk_size=READ_CHUNK):
                yield bytes(chunk)

        return pieces()

    async def read(self, key: str) -> bytes:
        """A small object whole (tests, thumbnails)."""
        result = await asyncio.to_thread(obstore.get, self._store, key)
        return bytes(await asyncio.to_thread(result.bytes))

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(obstore.delete, self._store, key)

    async def older_than(self, prefix: str, before: datetime) -> list[StoredObject]:
        """Objects under `prefix` last written before `before` (the sweep's look for leftovers)."""
        def collect() -> list[StoredObject]:
            found: list[StoredObject] = []
            for batch in obstore.list(self._store, prefix=prefix, chunk_size=1000):
                found.extend(StoredObject(o["path"], o["last_modified"]) for o in batch
                             if o["last_modified"] < before)
            return found

        return await asyncio.to_thread(collect)


def _fsync_tree(root: Path, path: Path) -> None:
    """fsync a file and every directory from it up to the store's root (a put may have made them)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    folder = path.parent
    while True:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent


_STORES: dict[tuple[Any, ...], FileStore] = {}


def store_for(settings: Settings) -> FileStore:
    """The store the settings name, made once per data directory and bucket."""
    key = (str(settings.data_dir), settings.files_s3_bucket, settings.files_s3_endpoint, settings.files_s3_prefix,
           settings.files_s3_access_key_id)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = FileStore(settings)
    return store
