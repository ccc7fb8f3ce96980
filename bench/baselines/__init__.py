"""Servers to measure `workshop` against: the stack's ceiling (bare) and a quick implementation (naive)."""
