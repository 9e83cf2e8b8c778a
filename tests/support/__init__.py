"""The test toolkit: one place for the drivers, stand-ins and fixtures the suite shares. No test
module imports another; what two test files need lives here.

- `chat`: the one chat driver (`Chat`: a client talking to the dialog engine, each input its
  own committed transaction), `FakeMatcher`, `make_engine` and the sample catalogue.
- `stripe_stand_in`: the one Stripe wiring (Billing on the real Stripe SDK over HTTP against
  the local stand-in, its webhook answers kept), the `stand_in` fixture, the SDK and history.
- `billing`: settings, a seeded world, a `Billing` wired to the fake gateway, signed Stripe
  events, onboarding, and the helpers that read receipts and outbox rows back.
- `billing_fixtures`: "a seeded world", "billing", "a checkout", "a paid purchase", "a paid
  tip", "an onboarded advisor", "the refund window open".
- `receipts`: receipts and credit notes made to order, for the PDF tests.
- `sessions`: the rooms stand-in and the lifecycle's starting points: `stage`,
  `a_paid_booking`, `an_open_room`, `a_session_under_way`, `second_db`.
- `discord_bot`: the real discord.py client against the Discord stand-in (`env`), slash
  commands, a booked session and its open room.
- `telegram_bot`: the real python-telegram-bot Application on a recorder (`bot`, `journey`)
  and the steps of the hiring flow.
- `run`: ``pathwise run``'s settings, the running app (`pathwise`) and a person writing to it
  over HTTP.
- `rows`: reading rows back after core has written them.
- `readme`: the README's marked blocks and tables.

Fixtures defined here are registered for every test through `pytest_plugins` in
`tests/conftest.py`; plain helpers are imported from the module that owns them.
"""
