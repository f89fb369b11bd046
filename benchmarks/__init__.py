"""Benchmarks: public instance readers, an independent checker, the bench runner and generators."""
