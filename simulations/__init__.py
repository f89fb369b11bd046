"""Offline what-if simulations (to come)."""
