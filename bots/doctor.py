"""The network half of ``pathwise doctor``: is the public URL reachable from here?"""

from __future__ import annotations

import aiohttp

from core import doctor
from core.config import Settings
from core.doctor import Finding


async def check_public_url_reachable(settings: Settings, seconds: float = 5.0) -> list[Finding]:
    """GET <public URL>/healthz answers 200."""
    if not settings.public_url:
        return []
    url = settings.public_url.rstrip("/") + "/healthz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as http,
            http.get(url) as response,
        ):
            if response.status == 200:
                return [Finding(True, f"{url} answers.")]
            return [Finding(False, f"{url} answered HTTP {response.status}, not 200.")]
    except (aiohttp.ClientError, TimeoutError) as error:
        return [Finding(False, f"{url} is not reachable: {type(error).__name__}.")]


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in the order a person would fix things."""
    findings = [*await doctor.check_database(settings)]
    findings += doctor.check_tokens(settings)
    findings += doctor.check_stripe(settings)
    findings += doctor.check_public_url(settings)
    findings += await check_public_url_reachable(settings)
    return findings
