"""Shared fixtures. `client_for(api)` builds a TestClient in every table mode; HTTP-level tests
use it so each behaviour is checked against each route table with the same expected bytes."""

from __future__ import annotations

import pytest
from django_bolt.testing import TestClient

TABLE_MODES = ["interpreted", "compiled"]


@pytest.fixture(params=TABLE_MODES)
def table_mode(request) -> str:
    return request.param


@pytest.fixture
def client_for(table_mode):
    clients: list[TestClient] = []

    def make(api, **kwargs) -> TestClient:
        client = TestClient(api, compiled=table_mode == "compiled", **kwargs)
        assert client.runtime.compiled == (table_mode == "compiled")
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
