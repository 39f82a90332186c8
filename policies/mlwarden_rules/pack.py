"""Builds the analyzer for the whole catalogue and serves it as the Pulumi engine expects.

This is the pack's equivalent of ``pulumi_policy.PolicyPack(...)``: the same policies, metadata and
configuration, served through :class:`~mlwarden_rules.sdk_layer.CatalogueAnalyzer` (see that module for
why the stock servicer is not used).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mlwarden_rules import PACK_NAME, PACK_VERSION
from mlwarden_rules.registry import catalogue
from mlwarden_rules.rule import Rule
from mlwarden_rules.sdk_layer import CatalogueAnalyzer, serve

DESCRIPTION = (
    "mlwarden: rejects insecure ML infrastructure on AWS (S3, KMS, IAM, CloudTrail, CloudWatch, SNS, "
    "VPC, SageMaker, ECR, EBS/EFS, Secrets Manager, SSM, Lambda, Bedrock, GuardDuty) at preview."
)


def build_analyzer(rules: Sequence[Rule] | None = None, *, today: date | None = None) -> CatalogueAnalyzer:
    """The analyzer service for ``rules`` (the whole catalogue by default)."""
    return CatalogueAnalyzer(
        PACK_NAME,
        PACK_VERSION,
        list(rules) if rules is not None else list(catalogue()),
        description=DESCRIPTION,
        display_name="mlwarden ML security",
        today=today,
    )


def main() -> None:
    """Serve the whole catalogue until the engine stops the process."""
    serve(build_analyzer())
