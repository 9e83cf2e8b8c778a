"""The discord adapter."""
