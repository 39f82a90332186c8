"""mlwarden: secure-by-default Pulumi components, a CrossGuard policy pack and an offline preview for ML on AWS."""

__version__ = "0.1.0"
