"""The mlwarden program: one secure ML environment per stack (``dev`` or ``prod``), from stack config.

Everything is configured in ``Pulumi.<stack>.yaml`` under the ``mlwarden`` namespace; the keys are documented
in ``mlwarden.components.environment_config``. ``mlwarden preview --stack dev`` plans it offline against the
policy pack; ``pulumi preview --policy-pack policies`` does the same with the real engine.
"""

from __future__ import annotations

import pulumi

from mlwarden.components import AwsContext, EnvironmentConfig, SecureMlEnvironment

environment = SecureMlEnvironment("ml", EnvironmentConfig.from_stack_config(), context=AwsContext.from_stack())
for key, value in environment.outputs.items():
    pulumi.export(key, value)
