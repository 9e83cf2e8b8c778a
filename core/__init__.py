"""Pathwise core: the platform-neutral product (no Telegram, Discord or HTTP imports)."""
