"""Scenario files turned into a World, and the Store that layers client changes over it."""
