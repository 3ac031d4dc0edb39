"""What the mock keeps to answer faster, and when it lets go.

- :mod:`~mockserver.cache.memo`: the per-app memos of derived values (``MockState.memos``), and
  the map of every other kept value in the process;
- :mod:`~mockserver.cache.responses`: the per-app response cache, whole answers to repeated
  reads.
"""
