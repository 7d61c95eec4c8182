"""A multipart upload read as it arrives: file parts go straight to a spool file, hashed and counted on the way.

Nothing is held whole in memory: each piece of the request body is parsed (python-multipart's streaming parser),
written to the spool file and dropped. A file over the limit stops the reading at once; a body that ends before
the closing boundary is a truncated upload. Every spool file is removed when the upload is done with, whatever
happened, so no partial file stays on disk.
"""

import asyncio
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from app.core.errors import AppError
from app.files.sniffing import HEAD_BYTES

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 4096  # a text field of an upload (kind, description): small
MAX_FIELDS = 50
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and text fields around the files


@dataclass
class Spooled:
    """A file part as received: on disk at `path`, with the hash and size of what arrived."""

    field: str
    filename: str
    path: Path
    size: int = 0
    head: bytes = b""
    sha256: str = ""


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Spooled] = field(default_factory=list)

    def file(self, name: str) -> Spooled | None:
        return next((f for f in self.files if f.field == name), None)

    def discard(self) -> None:
        for spooled in self.files:
            spooled.path.unlink(missing_ok=True)

    async def __aenter__(self) -> "Upload":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.discard()


def _too_large(limit: int, name: str) -> AppError:
    return AppError("file_too_large", 413, limit_mb=round(limit / 1024 / 1024, 1),
                    field_errors=[{"field": name, "code": "file_too_large"}])


class _Reader:
    """python-multipart's callbacks: they build the upload as the parser finds its parts."""

    def __init__(self, spool: Path, max_bytes: int, file_fields: frozenset[str], max_files: int):
        self.spool, self.max_bytes, self.file_fields, self.max_files = spool, max_bytes, file_fields, max_files
        self.upload = Upload()
        self.finished = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._text: bytearray | None = None
        self._name = ""
        self._file: Spooled | None = None
        self._handle: Any = None
        self._hash: Any = None
        self._open: list[Any] = []

    def callbacks(self) -> "MultipartCallbacks":
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data, "on_part_end": self.part_end,
                "on_header_field": self.header_field, "on_header_value": self.header_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_finished, "on_end": self.end}

    def part_begin(self) -> None:
        self._disposition, self._text, self._file = b"", None, None

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > MAX_FIELD_BYTES:
            raise AppError("upload_malformed", 400, reason="a part header is too long")

    def header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise AppError("upload_malformed", 400, reason="a part has no name")
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise AppError("upload_malformed", 400, reason="too many fields")
            self._text = bytearray()
            return
        if self._name not in self.file_fields:
            raise AppError("upload_malformed", 400, reason=f"a file in the field {self._name}")
        if len(self.upload.files) >= self.max_files:
            raise AppError("upload_too_many_files", 422, limit=self.max_files,
                           field_errors=[{"field": self._name, "code": "upload_too_many_files"}])
        filename = options[b"filename"].decode("utf-8", "replace")
        path = self.spool / f"{uuid.uuid4().hex}.part"
        self._file = Spooled(field=self._name, filename=filename, path=path)
        self.upload.files.append(self._file)  # from here on, discard() removes it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle = os.fdopen(fd, "wb")
        self._open.append(self._handle)
        self._hash = hashlib.sha256()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if self._file is None:
            assert self._text is not None
            if len(self._text) + len(piece) > MAX_FIELD_BYTES:
                raise AppError("upload_field_invalid", 422, field=self._name,
                               field_errors=[{"field": self._name, "code": "upload_field_invalid"}])
            self._text.extend(piece)
            return
        spooled = self._file
        spooled.size += len(piece)
        if spooled.size > self.max_bytes:
            raise _too_large(self.max_bytes, spooled.field)
        if len(spooled.head) < HEAD_BYTES:
            spooled.head += piece[:HEAD_BYTES - len(spooled.head)]
        self._hash.update(piece)
        self._handle.write(piece)

    def part_end(self) -> None:
        if self._file is None:
            assert self._text is not None
            try:
                self.upload.fields[self._name] = self._text.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise AppError("upload_field_invalid", 422, field=self._name,
                               field_errors=[{"field": self._name, "code": "upload_field_invalid"}]) from exc
            return
        self._file.sha256 = self._hash.hexdigest()
        self._handle.flush()
        self._file = None

    def end(self) -> None:
        self.finished = True

    def close(self, durable: bool) -> None:
        for handle in self._open:
            if durable:
                os.fsync(handle.fileno())
            handle.close()
        self._open = []


async def receive(request: Request, spool: Path, *, max_bytes: int, file_fields: frozenset[str],
                  max_files: int = 1) -> Upload:
    """Reads a multipart/form-data body; the caller uses the answer as an async context manager (`async with`),
    which removes the spool files when it leaves."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise AppError("upload_not_multipart", 415)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes * max_files + MULTIPART_OVERHEAD:
        raise _too_large(max_bytes, next(iter(sorted(file_fields))))  # refused before a byte is read
    reader = _Reader(spool, max_bytes, file_fields, max_files)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        async for chunk in request.stream():
            if reader.finished:
                break
            parser.write(chunk)
        if not reader.finished:
            raise AppError("upload_truncated", 400)
        await asyncio.to_thread(reader.close, True)
    except MultipartParseError as exc:
        reader.close(False)
        reader.upload.discard()
        raise AppError("upload_malformed", 400, reason="the multipart body could not be parsed") from exc
    except ClientDisconnect as exc:
        reader.close(False)
        reader.upload.discard()
        raise AppError("upload_truncated", 400) from exc
    except BaseException:
        reader.close(False)
        reader.upload.discard()
        raise
    for spooled in reader.upload.files:
        if spooled.size == 0:
            reader.upload.discard()
            raise AppError("file_empty", 422, field_errors=[{"field": spooled.field, "code": "file_empty"}])
    return reader.upload
