"""The test toolkit: one place for the drivers, stand-ins and fixtures the suite shares.

- `billing`: settings, a seeded catalogue, a `Billing` wired to the fake gateway, signed Stripe
  events and the helpers that read receipts and outbox rows back.
- `sessions`: the rooms stand-in, "a paid booking" / "a paid package", a linked Discord account.
- `discord_bot`: the real discord.py client against the Discord stand-in (`env`), slash
  commands, a booked session and its open room.
- `telegram_bot`: the real python-telegram-bot Application on a recorder (`bot`, `journey`)
  and the steps of the hiring flow.
- `run`: ``pathwise run``'s settings, the running app (`pathwise`) and a person writing to it
  over HTTP.
- `readme`: the README's marked blocks and tables.

Fixtures defined here are registered for every test through `pytest_plugins` in
`tests/conftest.py`; plain helpers are imported from the module that owns them.
"""
