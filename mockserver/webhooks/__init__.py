"""Service-hook deliveries: events, signing, scheduling."""
