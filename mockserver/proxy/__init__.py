"""``mockserver proxy``: a server that forwards every Sentry API request to a real Sentry,
returns its answer unchanged, and checks both sides against the mock's contract.

:mod:`~mockserver.proxy.app` builds the app (the mock's journal and admin API, the proxy's
stages); :mod:`~mockserver.proxy.forward` holds the stages (the client's contract, then the
forwarding); :mod:`~mockserver.proxy.drift` finds where an answer leaves the mock's contract;
:mod:`~mockserver.proxy.capture` keeps what passes through for ``--record``;
:mod:`~mockserver.proxy.serve` serves it until SIGINT or SIGTERM, then writes the recording.
"""
