"""A year in a district: a randomised simulation of the real API with invariants checked after every step (#25)."""
