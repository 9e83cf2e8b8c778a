"""The web adapter."""
