"""Pulumi components that provision secure-by-default ML infrastructure on AWS (``mlwarden.components``)."""
