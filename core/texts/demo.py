"""What the offline demo (``pathwise demo``) says in its own voice: the stage titles, the
narration between the bot's messages, who speaks, the invariants it checks and how it went.

The bot's own messages in the demo are the other modules' texts; these are only the demo's
commentary around them, in the language the demo is played in (``--lang``)."""

from __future__ import annotations

from core.texts import Text

# -- the transcript --------------------------------------------------------------------------

TITLE = Text("demo.title", "Pathwise offline demo")
WRITING_TO = Text("demo.writing_to", "Pathwise offline demo — writing to {out}")
SET_UP = Text(
    "demo.set_up",
    "Set-up: fresh SQLite database in {out}, {advisors} sample advisors, Stripe stand-in at "
    "{stripe}, webhooks to {webhooks}",
)
PLAYED = Text(
    "demo.played",
    "Played on {when} UTC (simulated clock) through the real python-telegram-bot Application, "
    "the real discord.py bot and the real Stripe SDK, with nothing sent beyond this machine.",
)
CHECKED = Text("demo.checked", "Invariants checked: {names}")
CHECKED_NONE = Text("demo.checked_none", "none")
RESULT_HELD = Text("demo.result_held", "Result: every invariant held.")
RESULT_FAILED = Text("demo.result_failed", "Result: FAILED — {reason}")
BROKEN = Text("demo.broken", "invariant “{name}” did not hold: {detail}")
STOPPED = Text("demo.stopped", "the journey stopped at “{step}”: {detail}")
UNEXPECTED = Text("demo.unexpected", "unexpected error during “{stage}”: {error}")
SETTING_UP = Text("demo.setting_up", "set-up")
FILES_WRITTEN = Text("demo.files_written", "Files written:")
PASSED = Text("demo.passed", "Demo passed: {number} invariants held.")
FAILED = Text("demo.failed", "Demo FAILED: {reason}")

# -- who speaks --------------------------------------------------------------------------------

CLIENT = Text("demo.client", "{name} (client)")
ADVISOR = Text("demo.advisor", "{name} (advisor)")
TEAM = Text("demo.team", "{name} (Pathwise team)")
CHECK = Text("demo.check", "✓ check")
PATHWISE_BOT = Text("demo.pathwise_bot", "Pathwise bot")
DM = Text("demo.dm", "DM")

# -- the stages --------------------------------------------------------------------------------

STAGE_LINK_ADVISOR = Text(
    "demo.stage_link_advisor",
    "Before the client arrives: the Pathwise team links {advisor}'s Discord account",
)
STAGE_BOOK = Text(
    "demo.stage_book",
    "{client} starts the bot, accepts, describes her problem, is matched and books",
)
STAGE_PAY = Text(
    "demo.stage_pay", "{client} pays through Stripe Checkout; the signed webhook reaches Pathwise"
)
STAGE_RECEIPT = Text(
    "demo.stage_receipt", "The receipt reaches {client}; {advisor} gets a payment DM"
)
STAGE_SESSION = Text(
    "demo.stage_session",
    "{client} links Discord; the private room opens, the session runs, ends and locks",
)
STAGE_AFTERCARE = Text(
    "demo.stage_aftercare",
    "{client} rates and tips {advisor}, has a hard moment, then asks for her money back under "
    "the guarantee",
)
STAGE_CLOSING = Text(
    "demo.stage_closing", "{advisor} is told about the tip and the refund; the books are closed"
)
STAGE_DELETE = Text(
    "demo.stage_delete",
    "{client} deletes her data; the receipts stay, made out to “{deleted}”",
)

# -- the narration -----------------------------------------------------------------------------

TAPS = Text("demo.taps", "[taps “{label}”]")
PAYS = Text("demo.pays", "[pays with a test card on the Stripe Checkout page]")
WEBHOOK = Text("demo.webhook", "signed webhook {event} → POST {url}: HTTP {status}")
ONLY_THEY_SEE = Text("demo.only_they_see", "Pathwise bot (only {name} sees this): {answer}")
JOINS = Text("demo.joins", "[joins the Pathwise Discord server]")
SAID_IN = Text("demo.said_in", "{who} in {where}: {text}")
BEFORE_START = Text("demo.before_start", "[{minutes} minutes before the start: the worker's tick]")
AT_THE_END = Text("demo.at_the_end", "[the session's end: the worker's tick]")
NEXT_DAY = Text("demo.next_day", "[the next day]")

# -- the invariants: their names -----------------------------------------------------------------

UPFRONT_PRICE = Text("demo.upfront_price", "upfront itemized price")
PAY_ONCE = Text("demo.pay_once", "a second click on Pay charges once")
WEBHOOKS_ACCEPTED = Text("demo.webhooks_accepted", "webhooks accepted")
RECEIPT_ITEMIZED = Text("demo.receipt_itemized", "receipt itemized")
CALENDAR_FILE = Text("demo.calendar_file", "calendar file for the session")
ADVISOR_PAYMENT_DM = Text("demo.advisor_payment_dm", "advisor payment DM")
ADVISOR_TIP_DM = Text("demo.advisor_tip_dm", "advisor tip DM")
ADVISOR_REFUND_DM = Text("demo.advisor_refund_dm", "advisor refund DM")
LEDGER_BALANCED = Text("demo.ledger_balanced", "ledger balanced")
CHANNEL_PRIVATE = Text("demo.channel_private", "channel private")
CHANNEL_LOCKED = Text("demo.channel_locked", "channel locked after the session")
NO_TRANSCRIPT = Text("demo.no_transcript", "no transcript kept")
TIP_NO_FEE = Text("demo.tip_no_fee", "tip receipt has no fee")
PREVIEW_KEEPS_FEE = Text("demo.preview_keeps_fee", "refund preview keeps the fee")
CREDIT_NOTE_KEEPS_FEE = Text("demo.credit_note_keeps_fee", "credit note keeps the fee")
FEE_NEVER_REFUNDED = Text("demo.fee_never_refunded", "fee never refunded")
ONE_RECEIPT = Text("demo.one_receipt", "one receipt per purchase")
DELETION_EXPLAINED = Text("demo.deletion_explained", "deletion explained first")
DATA_GONE = Text("demo.data_gone", "deleted client's data gone")
CRISIS_LINES = Text("demo.crisis_lines", "crisis answered with local lines")
CRISIS_NO_WORDS = Text("demo.crisis_no_words", "advisor told of a crisis without the words")

# -- the invariants: what held -------------------------------------------------------------------

UPFRONT_PRICE_HELD = Text(
    "demo.upfront_price_held",
    "the summary lists {price} + the {fee} non-refundable handling fee = {total}",
)
PAY_ONCE_HELD = Text(
    "demo.pay_once_held",
    "both taps gave the same Checkout page; Stripe was asked for one session",
)
WEBHOOKS_HELD = Text("demo.webhooks_held", "every signed webhook answered 200 (saw {statuses})")
RECEIPT_HELD = Text(
    "demo.receipt_held",
    "{file} lists the session, the non-refundable {fee} fee and the {total} total",
)
CALENDAR_HELD = Text(
    "demo.calendar_held",
    "{file} holds the session's start and end, how to join and the change rule",
)
DM_HELD = Text("demo.dm_held", "{advisor} got a Discord DM: “{excerpt}”")
LEDGER_AFTER_PAYMENT = Text("demo.ledger_after_payment", "after the payment")
LEDGER_AFTER_TIP = Text("demo.ledger_after_tip", "after the tip")
LEDGER_AT_THE_END = Text("demo.ledger_at_the_end", "at the end")
LEDGER_AFTER_DELETION = Text("demo.ledger_after_deletion", "after the deletion")
LEDGER_HELD = Text(
    "demo.ledger_held",
    "{when}: {transactions} transactions, {entries} entries, every one balanced",
)
LEDGER_BROKEN = Text(
    "demo.ledger_broken", "{when}: {transactions} transactions, {entries} entries, {violations}"
)
PRIVATE_HELD = Text(
    "demo.private_held",
    "#{channel}: @everyone denied View Channel; only {client}, {advisor} and the bot have "
    "overwrites; another server member cannot see it",
)
LOCKED_HELD = Text("demo.locked_held", "#{channel} is read-only for {client} and {advisor}")
NO_TRANSCRIPT_HELD = Text(
    "demo.no_transcript_held", "nothing said in the room is stored in the database"
)
TIP_NO_FEE_HELD = Text("demo.tip_no_fee_held", "{file} shows the {tip} tip and no handling fee")
PREVIEW_HELD = Text(
    "demo.preview_held",
    "the preview offers {amount} back and shows the {fee} fee is not refunded",
)
CREDIT_NOTE_HELD = Text(
    "demo.credit_note_held", "{file} credits {amount} and states the {fee} handling fee is kept"
)
FEE_KEPT_HELD = Text(
    "demo.fee_kept_held", "refunded {refunded} of {total}; the {fee} handling fee was kept"
)
ONE_RECEIPT_HELD = Text(
    "demo.one_receipt_held",
    "{purchases} purchases (booking and tip), {receipts} receipts sent, one each",
)
DELETION_HELD = Text(
    "demo.deletion_held", "before anything is erased, the bot lists what goes and what stays"
)
DATA_GONE_HELD = Text(
    "demo.data_gone_held",
    "no table holds {client}'s Telegram or Discord id, her name or her words (found: "
    "{found}); her first receipt, rendered again, is made out to “{deleted}”",
)
FOUND_NOTHING = Text("demo.found_nothing", "nothing")
CRISIS_LINES_HELD = Text(
    "demo.crisis_lines_held",
    "{client} (in {city}) got Spain's {line} line and {emergency}, and a button to carry on",
)
CRISIS_NO_WORDS_HELD = Text(
    "demo.crisis_no_words_held",
    "{advisor} got a private heads-up that holds none of {client}'s words; {client} is back "
    "at the menu",
)
