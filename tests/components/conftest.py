"""Fixtures for the component tests (helpers live in ``testkit/component_kit.py``)."""

from __future__ import annotations

import pytest
from testkit.component_kit import Kit

from mlwarden.recorder import Recording


@pytest.fixture(scope="session")
def kit() -> Kit:
    """The component test helpers."""
    return Kit()


@pytest.fixture(scope="session")
def dev(kit: Kit) -> Recording:
    """The dev stack, recorded once per session (first-preview semantics)."""
    return kit.record_stack("dev")


@pytest.fixture(scope="session")
def prod(kit: Kit) -> Recording:
    """The prod stack, recorded once per session."""
    return kit.record_stack("prod")
