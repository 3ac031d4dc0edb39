"""Faults and rate limits: what goes wrong on purpose, and where in the pipeline.

- :mod:`~mockserver.faults.model`: what a fault is (the catalogue, delays, conditions, presets,
  rules, ``Prefer`` overrides, a scenario's parsed ``faults``); data only;
- :mod:`~mockserver.faults.limits`: what the rate limiter enforces (limits, policies); data only;
- :mod:`~mockserver.faults.parsing`: every parser of a fault, a preset, a rule or a policy, shared
  by every door (the scenario, the admin API, ``Prefer``);
- :mod:`~mockserver.faults.options`: ``--fault`` and ``--rate-limits`` (and their variables), read
  into the scenario's forms when the :class:`~mockserver.config.Config` is made;
- :mod:`~mockserver.faults.controller`: the rules of one app, their counts and seeded draws;
- :mod:`~mockserver.faults.limiter`: the rate limiter's windows, per app;
- :mod:`~mockserver.faults.stage`: the pipeline stages that apply both, and their answers;
- :mod:`~mockserver.faults.connection`: the WSGI layer that breaks connections.
"""
