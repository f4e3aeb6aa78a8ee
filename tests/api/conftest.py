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


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c
