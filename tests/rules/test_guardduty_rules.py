"""GuardDuty: EventBridge pattern matching for finding routes, feature joins, and metadata."""

import pytest

from mlwarden_rules.facts.guardduty import matches_guardduty_findings
from mlwarden_rules.model import Level, Severity
from mlwarden_rules.registry import by_name


@pytest.mark.parametrize(
    ("pattern", "routes"),
    [
        ({"source": ["aws.guardduty"]}, True),
        ({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}, True),
        ({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}]}}, True),
        ({"source": [{"prefix": "aws."}]}, True),
        ({"source": [{"anything-but": ["aws.sagemaker"]}]}, True),
        ({"detail-type": ["GuardDuty Finding"]}, True),
        ({"source": ["aws.sagemaker"]}, False),
        ({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Malware Protection Object Scan Result"]}, False),
        ({"source": [{"anything-but": "aws.guardduty"}]}, False),
    ],
)
def test_patterns_that_route_findings(pattern: dict[str, object], routes: bool) -> None:
    assert matches_guardduty_findings(pattern) is routes


EXPECTED = {
    "guardduty-detector-enabled": (Severity.MEDIUM, Level.MANDATORY),
    "guardduty-s3-protection": (Severity.MEDIUM, Level.MANDATORY),
    "guardduty-malware-protection-for-dataset-buckets": (Severity.MEDIUM, Level.ADVISORY),
    "guardduty-ai-protection": (Severity.MEDIUM, Level.ADVISORY),
    "guardduty-findings-routed": (Severity.MEDIUM, Level.ADVISORY),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_catalogue_metadata(name: str) -> None:
    meta = by_name()[name].meta
    assert (meta.severity, meta.default_level) == EXPECTED[name]
