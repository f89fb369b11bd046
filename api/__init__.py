"""The live HTTP service: FastAPI app, Redis state, solve jobs, settings."""
