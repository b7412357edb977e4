"""Shared fixtures. `client_for(api)` builds a TestClient in every table mode; HTTP-level tests
use it so each behaviour is checked against each route table with the same expected bytes."""

from __future__ import annotations

import os

import pytest
from django_bolt.testing import TestClient
from hypothesis import settings

# Property tests are derandomized by default (CI runs the same examples every time, so a run
# is never red by chance); `make explore` runs them with fresh random seeds to look for bugs.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("BOLT_HYPOTHESIS_PROFILE", "ci"))

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
