"""Every request the mock answered: entries, queries, explanations and export."""
