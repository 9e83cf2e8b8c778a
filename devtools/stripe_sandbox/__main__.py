"""Run the Stripe sandbox in the foreground: ``python -m devtools.stripe_sandbox --port 12111``."""

from __future__ import annotations

import argparse
import asyncio
import logging

from devtools.stripe_sandbox.server import StripeSandbox

logger = logging.getLogger("devtools.stripe_sandbox")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m devtools.stripe_sandbox",
                                     description="A local Stripe stand-in (test mode only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", help="the sk_test_... key to accept (default: random)")
    parser.add_argument("--webhook-secret", help="the whsec_... signing secret (default: random)")
    parser.add_argument("--webhook-url", help="where to POST events")
    parser.add_argument("--seed", type=int, help="make ids and keys reproducible")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Serve until interrupted."""
    sandbox = StripeSandbox(api_key=args.api_key, webhook_secret=args.webhook_secret,
                            webhook_url=args.webhook_url, seed=args.seed)
    await sandbox.start(args.host, args.port)
    logger.info("API base:       %s", sandbox.url)
    logger.info("API key:        %s", sandbox.api_key)
    logger.info("webhook secret: %s", sandbox.webhook_secret)
    logger.info("webhook URL:    %s", sandbox.webhook_url or "(none: events are only stored)")
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        logger.info("stopped")


if __name__ == "__main__":
    main()
