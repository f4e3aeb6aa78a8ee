"""The API test client, shared by the API test modules."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from apparat.api import create_app

with warnings.catch_warnings():
    # Newer Starlette asks for the httpx2 package and warns when it finds httpx instead;
    # either works for the test client.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient


# The server answers only to a Host header that names it (TestClient's default,
# "testserver", does not).
BASE_URL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), base_url=BASE_URL) as c:
        yield c
