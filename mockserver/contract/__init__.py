"""The client's contract: how a request breaks Sentry's published API."""
