"""Production thresholds: the values ``presets/strict.json`` enforces and component defaults meet.

Rules use them as the ``strict`` value of their parameters; components use them as defaults (design
decision 10). Keeping them in one place keeps the two from drifting.
"""

from __future__ import annotations

from typing import Final

#: CloudWatch Logs retention for audit, flow and workload logs.
MIN_LOG_RETENTION_DAYS: Final = 365
#: KMS automatic rotation period.
MAX_KEY_ROTATION_DAYS: Final = 365
#: KMS key deletion window (the time to notice and cancel a scheduled deletion).
MIN_KEY_DELETION_WINDOW_DAYS: Final = 30
#: Default Object Lock retention for dataset, model and audit buckets.
MIN_OBJECT_LOCK_RETENTION_DAYS: Final = 30
#: How long noncurrent object versions are kept (the window to roll back a poisoned dataset).
MIN_NONCURRENT_VERSION_DAYS: Final = 30
#: Incomplete multipart uploads are aborted within this many days.
MAX_ABORT_MULTIPART_DAYS: Final = 7
#: Initial instances per production variant of a SageMaker endpoint.
MIN_ENDPOINT_INSTANCES: Final = 2
#: Secrets Manager rotation interval.
MAX_SECRET_ROTATION_DAYS: Final = 90
#: Longest IAM role session a person or workload may hold.
MAX_ROLE_SESSION_SECONDS: Final = 43200
