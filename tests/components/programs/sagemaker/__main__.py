"""A small ML environment built from the SageMaker, container and foundation components (a test program).

``mlwarden preview --cwd tests/components/programs/sagemaker --stack test --policy-pack-config
policies/presets/strict.json`` runs it offline; ``tests/components/test_sagemaker_strict.py`` records it and
sends it to the pack in-process.
"""

from __future__ import annotations

from ml_stack import build

from mlwarden.components import AwsContext

build(AwsContext.from_stack())
