"""The ``lastmile`` command line: thin wrappers over routing, scheduling, forecasting, simulations and the service."""
