"""``mockserver record``: a scenario from what a real Sentry answers.

The way of a recording: :mod:`~mockserver.record.http` (one bounded exchange with the
upstream) → :mod:`~mockserver.record.client` (JSON, cursors, rate limits, one-line errors) →
:mod:`~mockserver.record.recorder` (a project through the endpoints the mock serves) →
:mod:`~mockserver.record.capture` (what was read) → :mod:`~mockserver.record.anonymize`
(``--anonymize``) → :mod:`~mockserver.record.scenario` (the scenario's data) →
:mod:`~mockserver.record.verify` (served in-process, read back, compared; options and fields
overrides where the mock answers otherwise, notes where it cannot) →
:mod:`~mockserver.record.write` (YAML with its comments, atomically). :mod:`~mockserver.record.run`
chains them; ``mockserver proxy --record`` uses the same capture and writer.
"""
