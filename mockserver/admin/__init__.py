"""The admin API under ``/__admin/``."""
