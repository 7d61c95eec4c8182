"""Test files: photos that carry GPS and camera data, scans, executables in disguise, and the upload helper."""

import io
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image
from sqlalchemy import func, select

from app.models import FileBlob, FileLink, StoredFile


def photo_with_gps(width: int = 64, height: int = 32, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A JPEG as a phone takes it: position, make, model, and turned on its side (Orientation 6)."""
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (22.0, 32.0, 10.5), 3: "E", 4: (114.0, 3.0, 28.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def scan(label: str) -> bytes:
    """A small PDF, as a counter's scanner makes one."""
    body = f"BT /F1 12 Tf 20 20 Td ({label}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 50]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200  # an executable


async def upload(client, headers: dict[str, str], content: bytes, name: str = "photo.jpg", *,
                 expect: int = 201, **fields: str) -> dict[str, Any]:
    response = await client.post("/files", files={"file": (name, content, "image/jpeg")}, data=fields,
                                 headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def fetch(client, url: str, expect: int = 200):
    response = await client.get(url)
    assert response.status_code == expect, response.text
    return response


def exif_of(content: bytes) -> tuple[dict, dict, tuple[int, int]]:
    with Image.open(io.BytesIO(content)) as image:
        exif = image.getexif()
        return dict(exif), dict(exif.get_ifd(ExifTags.IFD.GPSInfo)), image.size


async def counts(app) -> dict[str, int]:
    async with app.state.sessionmaker() as session:
        return {model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (StoredFile, FileBlob, FileLink)}


def on_disk(app) -> dict[str, list[Path]]:
    """Every file under the store and the spool, by folder."""
    root = app.state.settings.data_dir / "files"
    return {"store": sorted(p for p in (root / "store").rglob("*") if p.is_file()),
            "spool": sorted(p for p in (root / "incoming").rglob("*") if p.is_file())}
