"""Memory of a 10 MB upload: the API server's peak RSS while it takes one, against its RSS just before.

The server runs as in production (`python -m app serve`, its own process, the embedded SQLite database, the
local file store under a fresh data directory). The client streams the multipart body from disk with httpx, in
64 KiB pieces, so neither side holds the file whole. For each payload the server's peak is reset first
(/proc/PID/clear_refs, "5"), the upload is sent, and the peak (VmHWM) is read back: the difference is what the
upload cost in memory.

Payloads: a 10 MB PDF (the streamed path: spooled to disk while hashed and counted, then stored) and a 10 MB JPEG
photo (the same, plus the re-encoding that drops its EXIF data: Pillow holds the decoded pixels, about 3 bytes a
pixel, which a file's size does not bound; the files_max_image_pixels setting does).

    .venv/bin/python bench/upload_memory.py            # both payloads, once each, about a minute
    .venv/bin/python bench/upload_memory.py --repeat 3
"""

import argparse
import asyncio
import io
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.accounts.service import create_user  # noqa: E402
from app.cli import migrate  # noqa: E402
from app.core.clock import SystemClock  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from bench.kit.servers import SECRETS, AppServer  # noqa: E402

MB = 1024 * 1024
PASSWORD = "Bench#Pass2026"
BOUNDARY = "bench-upload-boundary"


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, jwt_secret=SECRETS["CSC_JWT_SECRET"], field_key=SECRETS["CSC_FIELD_KEY"],
                    lookup_key=SECRETS["CSC_LOOKUP_KEY"], run_worker_in_serve=False, log_json=False)


async def make_resident(data_dir: Path) -> str:
    app = create_app(settings_for(data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        await create_user(session, app.state.settings, username="13900000001", password=PASSWORD, name="压测居民",
                          role="resident", unit_id=None, now=app.state.clock.now())
        await session.commit()
    return "13900000001"


def pdf_of(size: int, path: Path) -> None:
    """A PDF header and trailer around `size` bytes of incompressible content."""
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n% bench payload\n")
        left = size - 64
        while left > 0:
            piece = os.urandom(min(MB, left))
            fh.write(piece)
            left -= len(piece)
        fh.write(b"\n%%EOF\n")


def jpeg_of(size: int, path: Path) -> tuple[int, int]:
    """A photo of noise (it does not compress) of about `size` bytes; answers its width and height."""
    import numpy as np
    from PIL import Image

    side = int((size / 1.15) ** 0.5)  # noise at quality 95 takes about 1.15 bytes a pixel
    pixels = np.random.default_rng(28).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())
    return side, side


def body_pieces(path: Path, name: str) -> tuple[int, Iterator[bytes]]:
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nphoto\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def pieces() -> Iterator[bytes]:
        yield head
        with path.open("rb") as fh:
            while chunk := fh.read(64 * 1024):
                yield chunk
        yield tail

    return len(head) + path.stat().st_size + len(tail), pieces()


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak RSS starts again from the current RSS


async def send(client: httpx.AsyncClient, headers: dict[str, str], path: Path, name: str) -> dict:
    length, pieces = body_pieces(path, name)

    async def stream() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    r = await client.post("/files", content=stream(), headers={
        **headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)})
    r.raise_for_status()
    return r.json()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csc-upload-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        payloads = Path(tmp) / "payloads"
        payloads.mkdir()
        await asyncio.to_thread(migrate, settings_for(data_dir))
        username = await make_resident(data_dir)
        pdf, jpeg = payloads / "scan.pdf", payloads / "photo.jpg"
        pdf_of(int(args.size_mb * MB), pdf)
        width, height = jpeg_of(int(args.size_mb * MB), jpeg)
        server = AppServer(f"sqlite+aiosqlite:///{data_dir / 'csc.db'}", data_dir).start()
        try:
            assert server.proc is not None
            pid = server.proc.pid
            async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
                r = await client.post("/auth/token", data={"username": username, "password": PASSWORD})
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                small = payloads / "small.pdf"
                pdf_of(64 * 1024, small)
                await send(client, headers, small, "warm-up.pdf")  # imports and first-use allocations
                small_jpeg = payloads / "small.jpg"
                jpeg_of(64 * 1024, small_jpeg)
                await send(client, headers, small_jpeg, "warm-up.jpg")
                print("| payload | size | RSS before | peak RSS during | peak − before |")
                print("|---|---|---|---|---|")
                for _ in range(args.repeat):
                    for path, name, what in ((pdf, "scan.pdf", "PDF (streamed to disk, hashed, stored)"),
                                             (jpeg, "photo.jpg", f"JPEG {width}×{height} (also re-encoded)")):
                        pdf_of(int(args.size_mb * MB), pdf)  # new bytes each time: no stored copy to share
                        if path == jpeg:
                            jpeg_of(int(args.size_mb * MB) + _ * 1024, jpeg)
                        before = status(pid)
                        reset_peak(pid)
                        shown = await send(client, headers, path, name)
                        after = status(pid)
                        print(f"| {what} | {path.stat().st_size / MB:.1f} MB | {before['VmRSS'] / 1024:.1f} MB "
                              f"| {after['VmHWM'] / 1024:.1f} MB | {(after['VmHWM'] - before['VmRSS']) / 1024:+.1f} MB "
                              f"|")
                        assert shown["size"] > 0
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
