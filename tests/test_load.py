"""50 concurrent chat sessions of 5 questions each against a real server: none lost, all right."""

from __future__ import annotations

import pytest

from bench.load import SESSION, run

from .server import running_app

pytestmark = pytest.mark.load


def test_fifty_concurrent_sessions():
    with running_app() as url:
        result = run(url, sessions=50)
    assert result.requests == 50 * len(SESSION)
    assert result.answered == result.requests, result.failures[:5]
    assert result.correct == result.requests, result.failures[:5]
