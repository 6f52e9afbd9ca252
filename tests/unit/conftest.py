"""Fixtures shared by the unit tests."""

import pytest

from bookboss.plugin.store import Store


@pytest.fixture
def store(tmp_path):
    """A real sidecar in a fresh folder, closed after the test."""
    s = Store(str(tmp_path / 'bookboss.sqlite'))
    yield s
    s.close()
