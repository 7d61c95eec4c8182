"""The same files on an S3-compatible bucket: a local S3 server (moto) behind obstore's S3Store, the same code path
as local disk. Uploads (one of them large enough for a multipart put), downloads and the sweep, on both databases."""

import os
import uuid

import obstore
import pytest
from obstore.store import S3Store

from app.files import service as files_service
from tests import factories as f
from tests import files as t
from tests.api.test_files import REPORT

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_url():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(app, s3_url) -> S3Store:
    name = f"csc-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_url, **CREDENTIALS).create_bucket(Bucket=name)
    settings = app.state.settings
    settings.files_s3_bucket, settings.files_s3_endpoint, settings.files_s3_allow_http = name, s3_url, True
    settings.files_s3_access_key_id, settings.files_s3_secret_access_key = "test-key", "test-secret"
    settings.files_s3_prefix = "csc"
    return S3Store(name, endpoint=s3_url, region="us-east-1", access_key_id="test-key",
                   secret_access_key="test-secret", virtual_hosted_style_request=False,
                   client_options={"allow_http": True})


def objects(bucket: S3Store) -> list[str]:
    return sorted(o["path"] for batch in obstore.list(bucket, chunk_size=1000) for o in batch)


async def test_files_live_in_the_bucket_through_the_same_calls(client, app, clock, bucket):
    resident = await f.login_as(app, "resident", username="13912345678")
    photo = await t.upload(client, resident, t.photo_with_gps(), kind="photo")
    big_scan = t.scan("big") + os.urandom(6 * 1024 * 1024)  # past S3's 5 MiB part: a multipart put
    big = await t.upload(client, resident, big_scan, "big.pdf")
    assert objects(bucket) == sorted([f"csc/blobs/{photo['sha256'][:2]}/{photo['sha256'][2:4]}/{photo['sha256']}",
                                      f"csc/thumbs/{photo['sha256'][:2]}/{photo['sha256'][2:4]}/{photo['sha256']}.jpg",
                                      f"csc/blobs/{big['sha256'][:2]}/{big['sha256'][2:4]}/{big['sha256']}"])
    assert t.on_disk(app) == {"store": [], "spool": []}  # nothing on local disk but while an upload arrives
    r = await client.post("/reports", json={**REPORT, "files": [photo["id"]]}, headers=resident)
    assert r.status_code == 201, r.text
    [attached] = (await client.get(f"/cases/{r.json()['id']}/files", headers=resident)).json()
    assert t.exif_of((await t.fetch(client, attached["url"])).content)[:2] == ({}, {})
    assert (await t.fetch(client, big["url"])).content == big_scan

    clock.advance(hours=app.state.settings.files_orphan_grace_hours + 1)
    done = await files_service.sweep(app.state)
    assert (done["files_removed"], done["blobs_removed"]) == (1, 1)
    assert [o.rsplit("/", 1)[-1] for o in objects(bucket)] == [photo["sha256"], photo["sha256"] + ".jpg"]
