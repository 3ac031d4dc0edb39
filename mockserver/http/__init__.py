"""The Sentry API's way through the mock: the request pipeline, its stages and the views."""
