"""Realistic small data for the query-count tests: the benchmark generator at a few hundred cases."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def bench_data(db):
    """Cases in every state, with their history, dispatches and quota ledger (bench/generate.py)."""
    from bench.generate import Generator

    Generator(cases=600, people=300, enrollments=200, seed=1, bulk=False).run()


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def reviewer_client(bench_data) -> Client:
    return _client("bench-reviewer")


@pytest.fixture
def coordinator_client(bench_data) -> Client:
    return _client("bench-coordinator")
