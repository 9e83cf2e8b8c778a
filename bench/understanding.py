"""(i) Matching understands what people write (#17): on the tests' labelled set, how often the
first suggested advisor (top-1) and one of the first three (top-3) cover a topic that fits, per
language, the client having tapped "Other" and written the description.

The floor is the same questions with a fitting topic tapped instead: what the buttons alone
reach when the client finds the right one.

    python -m bench.understanding
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from core.taxonomy import Topic

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "core" / "matching_labelled.yaml"
SAMPLE = Path(__file__).resolve().parents[1] / "core" / "data" / "advisors.yaml"
LANGUAGES = {"english": "en", "spanish": "es"}
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def measure() -> dict[str, dict[str, Any]]:
    """Per language code: top-1 and top-3 hit rates with "Other" tapped, and top-1 with a
    fitting topic tapped, through ``CatalogueMatcher`` over the sample catalogue in SQLite."""
    from core import catalogue, migrations
    from core.accounts import Platform, get_or_create_client
    from core.config import Settings
    from core.db import Database
    from core.dialogs.engine import Context
    from core.dialogs.suggest import CatalogueMatcher, catalogue_cards

    labelled = yaml.safe_load(LABELLED.read_text("utf-8"))
    found: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'understanding.sqlite3'}"
        await migrations.upgrade_async(url)
        db = Database(url)
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        try:
            async with db.uow() as uow:
                rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE))
                await catalogue.import_catalogue(uow, rows, NOW)
                client = await get_or_create_client(uow, Platform.TELEGRAM, 1, "Ada", NOW)
                await uow.commit()
                topics_of = {card.id: card.topics for card in await catalogue_cards(uow)}
                ctx = Context(uow, client, NOW, settings, {}, 1)
                for name, language in LANGUAGES.items():
                    items = labelled[name]
                    first = three = tapped = 0
                    for item in items:
                        fits = {Topic(topic) for topic in item["topics"]}
                        answers = {
                            "description": item["text"],
                            "language": language,
                            "kind": "live60",
                            "when": "any",
                        }
                        other = await CatalogueMatcher().suggest(
                            ctx, {**answers, "topics": [Topic.OTHER.value]}
                        )
                        hits = [bool(topics_of[s.advisor_id] & fits) for s in other]
                        first += bool(hits) and hits[0]
                        three += any(hits[:3])
                        right = await CatalogueMatcher().suggest(
                            ctx, {**answers, "topics": [item["topics"][0]]}
                        )
                        tapped += bool(right) and bool(topics_of[right[0].advisor_id] & fits)
                    found[language] = {
                        "descriptions": len(items),
                        "top1": round(first / len(items), 3),
                        "top3": round(three / len(items), 3),
                        "top1_topic_tapped": round(tapped / len(items), 3),
                    }
        finally:
            await db.dispose()
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure()), indent=2))
