"""Forecasting: demand prediction and pre-positioning at forward warehouses (to come)."""
