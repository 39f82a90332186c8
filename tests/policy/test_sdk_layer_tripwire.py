"""Fails when a pulumi-policy upgrade changes what mlwarden_rules.sdk_layer relies on.

The layer subclasses the SDK's private servicer, replaces ``Analyze``/``AnalyzeStack``/``Remediate`` and
serves the way ``PolicyPack.__init__`` does. If this test fails after an upgrade, read the SDK's new
source of the named member, adapt ``sdk_layer.py``, then update the pinned digest here.
"""

import hashlib
import inspect

import pytest
from pulumi_policy import policy as sdk
from pulumi_policy.version import VERSION

from mlwarden_rules.sdk_layer import PINNED_SDK_VERSION

#: sha256 prefixes of the SDK 1.21.0 sources the layer depends on or replaces.
PINNED_SOURCES = {
    "_PolicyAnalyzerServicer.__init__": "d79091472a8911d6",
    "_PolicyAnalyzerServicer._get_enforcement_level": "e766403ef7ab7cdf",
    "_PolicyAnalyzerServicer._get_policy_config": "bd59507ff3226701",
    "_PolicyAnalyzerServicer.Configure": "785e6599c03e67da",
    "_PolicyAnalyzerServicer.ConfigureStack": "e71ae9c3aeeefc4a",
    "_PolicyAnalyzerServicer.GetAnalyzerInfo": "2b72044f629ea0a8",
    "_PolicyAnalyzerServicer.Analyze": "75db9cf8fc9d1585",
    "_PolicyAnalyzerServicer.AnalyzeStack": "3917a008482c2387",
    "_PolicyAnalyzerServicer.Remediate": "c4060524d4ad777f",
    "PolicyPack.__init__": "34256ae3a291d0b4",
}


def _member(path: str) -> object:
    owner, name = path.split(".", 1)
    return getattr(getattr(sdk, owner), name)


def test_installed_sdk_is_the_pinned_version() -> None:
    assert VERSION == PINNED_SDK_VERSION


@pytest.mark.parametrize("member", sorted(PINNED_SOURCES))
def test_sdk_source_the_layer_relies_on_is_unchanged(member: str) -> None:
    digest = hashlib.sha256(inspect.getsource(_member(member)).encode()).hexdigest()[:16]
    assert digest == PINNED_SOURCES[member], f"pulumi_policy changed {member}: review mlwarden_rules/sdk_layer.py"


def test_server_options_are_still_exposed() -> None:
    assert dict(sdk._GRPC_CHANNEL_OPTIONS)["grpc.max_receive_message_length"] >= 100 * 1024 * 1024
