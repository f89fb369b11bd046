"""The command line and (later) the live HTTP service."""
