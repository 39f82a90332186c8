"""SageMaker lifecycle configurations (notebook instances and Studio apps) must not embed credentials.

Lifecycle scripts are base64 shell scripts that run as root when a notebook or Studio app starts. Anyone who
can describe the configuration, read the stack state or the program's repository reads them in clear, so a
token pasted into one (a Hugging Face or GitHub token to pull models, a database password, an access key)
is disclosed to all of them and outlives its rotation. The scan reports the *kind* of credential and the
line, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from mlwarden_rules import checks
from mlwarden_rules.facts.credentials import CredentialHit, decode_user_data, scan_text
from mlwarden_rules.facts.sagemaker import NOTEBOOK_LIFECYCLE, STUDIO_LIFECYCLE, LifecycleScripts, lifecycle_facts
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown

#: At most this many findings are listed per script (the rest are counted).
MAX_LISTED: Final = 10


def script_credentials(value: str) -> list[CredentialHit]:
    """Credentials in a lifecycle script: decoded from base64 (AWS's contract), else scanned as written.

    The scan is the catalogue's one credential recogniser (:mod:`mlwarden_rules.facts.credentials`), shared
    with the EC2 user-data and Lambda environment rules.
    """
    hits: dict[tuple[str, int], CredentialHit] = {}
    for text in decode_user_data(value, base64_encoded=True):
        for hit in scan_text(text):
            hits.setdefault((hit.kind, hit.line), hit)
    return sorted(hits.values(), key=lambda h: (h.line, h.kind))


@resource_rule(
    "sagemaker-lifecycle-config-no-secrets",
    description="SageMaker notebook and Studio lifecycle configurations must not contain credentials.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Remove the credential from the script, revoke it, and have the script fetch it at run time from "
        "Secrets Manager or SSM Parameter Store (e.g. TOKEN=$(aws secretsmanager get-secret-value --secret-id "
        "... --query SecretString --output text)), with read access granted to the execution role only."
    ),
    resource_types=(NOTEBOOK_LIFECYCLE, STUDIO_LIFECYCLE),
    facts=lifecycle_facts,
    compliance=Compliance(nist=("IA-5(7)", "SC-28"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(prowler=("sagemaker_notebook_instance_no_secrets",)),
)
def sagemaker_lifecycle_config_no_secrets(config: LifecycleScripts, context: Context) -> Iterator[Result]:
    """Decode each script and look for access keys, private keys, tokens and password assignments."""
    results = []
    for path, value in config.scripts:
        if value is None:
            continue
        if isinstance(value, Unknown):
            results.append(checks.unverifiable(value, path))
            continue
        if not isinstance(value, str):
            results.append(Result.failed(f"{path} is {type(value).__name__}; it must be a base64 script", path=path))
            continue
        hits = script_credentials(value)
        if hits:
            found = ", ".join(h.describe() for h in hits[:MAX_LISTED])
            more = f" (and {len(hits) - MAX_LISTED} more)" if len(hits) > MAX_LISTED else ""
            results.append(Result.failed(f"{path} contains credentials — {found}{more}", path=path))
    yield from results or [Result.passed()]
