"""/privacy's export and /deletemydata through ``pathwise run``'s composition root, with
Telegram's updates posted over HTTP to the web piece's webhook."""

from __future__ import annotations

import json

from core.db import Database
from core.privacy import EXPORT_FILENAME, leftovers
from core.texts.mydata import ERASED
from tests.support.run import Pathwise, Telegram

WORDS = "My sister Quillon stopped talking to me after the wedding."


async def test_export_then_delete_through_the_running_app(
    pathwise: Pathwise, database_url: str
) -> None:
    _, _, request = pathwise
    chat = Telegram.on(pathwise, 5553001, "Marisol", "en")
    await chat.to_description("Madrid")
    await chat.type(WORDS)

    [card] = await chat.type("/privacy")
    assert "Your privacy:" in (card.text or "")
    before = len(request.calls)
    await chat.press(card, "Send me my data", wait_for="sendDocument")
    (document,) = [c for c in request.calls[before:] if c.method == "sendDocument"]
    filename, content, mime = document.files["document"]
    assert filename == EXPORT_FILENAME and mime == "application/json"
    exported = json.loads(content)
    assert exported["profile"]["name"] == "Marisol"
    assert [a["user_id"] for a in exported["profile"]["accounts"]] == ["5553001"]

    [plan] = await chat.type("/deletemydata")
    assert "Yes, delete my data" in [b["text"] for row in plan.keyboard for b in row]
    answers = await chat.press(plan, "Yes, delete my data")
    assert any((a.text or "") == ERASED() for a in answers)

    db = Database(database_url)
    try:
        assert await leftovers(db, ["5553001", "Marisol", "Quillon", "after the wedding"]) == []
    finally:
        await db.dispose()
