"""A policy pack started once per test session, exactly as the Pulumi engine starts it."""

from collections.abc import Iterator

import pytest
from testkit.paths import PACK_DIR

from mlwarden.analyzer_client import PolicyPackProcess


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackProcess]:
    env = {"PULUMI_PROJECT": "mlwarden", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true", "PULUMI_CONFIG": "{}"}
    # The interpreter of the test run: it has pulumi and pulumi-policy, like the pack's virtualenv.
    import sys

    with PolicyPackProcess(PACK_DIR, env=env, python=sys.executable) as process:
        yield process
