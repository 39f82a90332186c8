"""Tag keys that carry meaning between mlwarden's components and its rules.

Components tag what they create so rules can judge a resource by its role without guessing from names;
hand-written resources can carry the same tags.
"""

from __future__ import annotations

from typing import Final

#: What a bucket (or key) holds. Values: :data:`DATA_CLASSES`.
DATA_CLASS: Final = "mlwarden:data-class"
DATASET: Final = "dataset"
MODEL: Final = "model"
ACCESS_LOGS: Final = "access-logs"
AUDIT: Final = "audit"
MONITORING: Final = "monitoring"
DATA_CLASSES: Final = (DATASET, MODEL, ACCESS_LOGS, AUDIT, MONITORING)

#: The component that created a resource (``mlwarden:storage:SecureBucket``…), for reports.
COMPONENT: Final = "mlwarden:component"
