"""A local S3 server (moto's server mode) on 127.0.0.1, and the settings to reach it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

from airstream.connectors.parquet import S3Options

logging.getLogger("werkzeug").setLevel(logging.WARNING)

# moto accepts any key pair; the secret is distinctive so tests can assert it never leaks.
ACCESS_KEY = "AKIATESTAIRSTREAM"
SECRET_KEY = "sEcReT-never-print-me-42"


@dataclass(frozen=True)
class LocalS3:
    endpoint_url: str
    options: S3Options

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def env(self) -> dict[str, str]:
        """The AWS environment variables a subprocess needs to reach this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


@contextmanager
def local_s3() -> Iterator[LocalS3]:
    """A moto S3 server on a free port of 127.0.0.1 for the ``with`` block (the ``s3_server`` fixture)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield LocalS3(url, S3Options(endpoint_url=url, region="us-east-1",
                                     access_key=ACCESS_KEY, secret_key=SECRET_KEY))
    finally:
        server.stop()
