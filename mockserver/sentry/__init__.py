"""Sentry's own rules, without HTTP plumbing: pagination, stats, serializers, DRF validation."""
