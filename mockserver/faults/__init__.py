"""Faults and rate limits: what goes wrong on purpose, and where in the pipeline."""
