"""Benchmarks: ``python -m bench.<name>``; each module exposes ``run()`` returning its numbers."""
