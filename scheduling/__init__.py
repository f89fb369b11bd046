"""Scheduling: ETAs, delivery promises, plan checking and re-planning (to come)."""
