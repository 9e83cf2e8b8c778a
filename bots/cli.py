"""The ``pathwise`` command line: the composition root for every command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from bots import preflight
from bots.logs import configure_logging
from core import catalogue, i18n, migrations
from core.clock import SystemClock
from core.config import Settings, SettingsInvalid, load_settings
from core.db import Database
from core.errors import PathwiseError

P = ParamSpec("P")
T = TypeVar("T")

SAMPLE_CATALOGUE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"


def friendly_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Show a domain error as one readable line and exit 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except SettingsInvalid as error:
            fail(error.problems)
        except PathwiseError as error:
            fail([str(error)])

    return wrapper


def fail(problems: list[str]) -> NoReturn:
    """Print each problem as its own ``Error:`` line on stderr and exit 1."""
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    sys.exit(1)


def run_async(
    coro_fn: Callable[[Database], Awaitable[T]], settings: Settings, *, create: bool = False
) -> T:
    """Open the database, run ``coro_fn`` with it, and always dispose of the engine. A SQLite
    file that is not there is an error naming the command that creates it (opening it would
    leave an empty one behind), unless ``create``."""
    if not create:
        preflight.require_database(settings)

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            return await coro_fn(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (never message contents or secrets).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Pathwise: hire a confidential advisor from Telegram, meet in private Discord channels."""
    if ctx.invoked_subcommand == "demo":
        # The demo ignores the environment's settings (it makes its own), broken ones too.
        settings: Settings = Settings.model_construct()
    else:
        try:
            settings = load_settings()
        except SettingsInvalid as error:
            fail(error.problems)
    # Commands other than `run` print their results; their logs are warnings unless -v.
    configure_logging(settings, "INFO" if verbose else "WARNING")
    ctx.obj = settings


# --- database ---------------------------------------------------------------


@cli.group()
def db() -> None:
    """Create and migrate the database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_obj
@friendly_errors
def db_upgrade(settings: Settings, revision: str) -> None:
    """Create or update the database tables to the latest version."""
    _migrate(settings, lambda url: migrations.upgrade(url, revision), create=True)
    click.echo(f"Database is at revision {revision}.")


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
@friendly_errors
def db_downgrade(settings: Settings, revision: str) -> None:
    """Step the database back to REVISION ("base" removes every table)."""
    _migrate(settings, lambda url: migrations.downgrade(url, revision))
    click.echo(f"Database is at revision {revision}.")


def _migrate(settings: Settings, action: Callable[[str], Any], *, create: bool = False) -> None:
    """Run a migration, after a readable check that the database can be reached (and, unless
    ``create``, that its SQLite file exists)."""

    async def reachable(database: Database) -> None:
        conn = await database.connect()
        await conn.close()

    run_async(reachable, settings, create=create)
    action(settings.database_url)


# --- advisors ---------------------------------------------------------------


@cli.group()
def advisors() -> None:
    """Manage the advisor catalogue."""


@advisors.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
@friendly_errors
def advisors_import(settings: Settings, file: Path) -> None:
    """Import advisors from a YAML or JSON catalogue FILE (all rows or none)."""
    rows = catalogue.validate_rows(catalogue.read_catalogue(file))

    async def go(database: Database) -> catalogue.ImportResult:
        await database.check_ready()
        async with database.uow() as uow:
            result = await catalogue.import_catalogue(uow, rows, SystemClock().now())
            await uow.commit()
        return result

    result = run_async(go, settings)
    click.echo(f"Imported {result.created} new and updated {result.updated} advisor(s).")


@advisors.command("list")
@click.pass_obj
@friendly_errors
def advisors_list(settings: Settings) -> None:
    """List advisors and their offers."""

    async def go(database: Database) -> list[str]:
        await database.check_ready()
        async with database.uow() as uow:
            rows = await catalogue.list_advisors(uow)
            return [_advisor_line(advisor, settings.locale) for advisor in rows]

    lines = run_async(go, settings)
    click.echo("\n".join(lines) if lines else f"No advisors yet. Try: {_import_hint()}")


def _import_hint() -> str:
    """The command that imports the sample catalogue, with a path relative to here if possible."""
    path = SAMPLE_CATALOGUE
    if path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return f"pathwise advisors import {path}"


def _advisor_line(advisor: Any, locale: str) -> str:
    """One advisor as a line of text."""
    status = "approved" if advisor.approved else "pending"
    if not advisor.active:
        status = "inactive"
    offers = ", ".join(
        f"{offer.name} {offer.price.format(locale)}" for offer in advisor.offers if offer.active
    )
    languages = "/".join(advisor.languages)
    return (
        f"{advisor.slug:<18} {advisor.display_name:<20} {languages:<9} "
        f"{advisor.timezone:<20} {status:<8} {offers}"
    )


# --- ledger -----------------------------------------------------------------


@cli.group()
def ledger() -> None:
    """Check the money records."""


@ledger.command("check")
@click.pass_obj
@friendly_errors
def ledger_check(settings: Settings) -> None:
    """Verify every ledger invariant; exit 1 naming each one that is broken."""
    from core.ledger import LedgerReport, check_ledger

    async def go(database: Database) -> LedgerReport:
        await database.check_ready()
        async with database.uow() as uow:
            return await check_ledger(uow)

    report = run_async(go, settings)
    for violation in report.violations:
        click.echo(f"VIOLATION: {violation}")
    if not report.ok:
        click.echo(f"Ledger check failed: {len(report.violations)} violation(s).")
        sys.exit(1)
    click.echo(f"Ledger OK: {report.transactions} transactions, {report.entries} entries balanced.")


@cli.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only what happened on or after this day (UTC), like 2026-11-01. Default: everything.",
)
@click.pass_obj
@friendly_errors
def reconcile_command(settings: Settings, since: datetime | None) -> None:
    """Compare the ledger with Stripe (charges, refunds, disputes, transfers and their
    reversals); print each difference and exit 1 if there is any."""
    import stripe

    from core.payments.reconcile import ReconcileReport, StripeRecordsReader, reconcile
    from core.payments.stripe_gateway import build_stripe_client

    start = since.replace(tzinfo=UTC) if since is not None else None

    async def go(database: Database) -> ReconcileReport:
        await database.check_ready()
        http = stripe.HTTPXClient(timeout=20.0)
        try:
            reader = StripeRecordsReader(build_stripe_client(settings, http_client=http))
            return await reconcile(database, reader, start)
        finally:
            await http.close_async()  # type: ignore[no-untyped-call]

    report = run_async(go, settings)
    for difference in report.differences:
        click.echo(difference.describe(settings.locale))
    read = ", ".join(f"{n} {kind}(s)" for kind, n in report.compared.items())
    scope = f" since {start:%Y-%m-%d}" if start else ""
    if not report.ok:
        click.echo(f"{len(report.differences)} difference(s) between the ledger and Stripe{scope}.")
        sys.exit(1)
    click.echo(f"No differences: the ledger matches Stripe{scope} ({read} read).")


@cli.command("chat")
@click.option(
    "--files",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("data/chat"),
    show_default=True,
    help="Where receipts and other documents are saved.",
)
@click.pass_obj
@friendly_errors
def chat(settings: Settings, files: Path) -> None:
    """Walk the client's flows in this terminal (local database, local Stripe stand-in).
    Needs a migrated database with advisors; creates nothing but the documents it saves."""
    from bots.local import local_billing
    from bots.terminal.chat import TerminalChat, read_stdin
    from core.dialogs import DialogServices, build_engine
    from core.dialogs.suggest import CatalogueMatcher, catalogue_cards

    missing = preflight.missing_database(settings)
    if missing is not None:
        fail([f"{missing} Then import advisors to talk to: {_import_hint()}"])

    async def go(database: Database) -> bool:
        await database.check_ready()
        async with database.uow() as uow:
            if not await catalogue_cards(uow):
                return False  # every answer would be "no match": say what to do instead
        clock = SystemClock()
        async with local_billing(database, settings, clock) as local:
            engine = build_engine(
                local.settings,
                DialogServices(matcher=CatalogueMatcher(), billing=local.billing),
            )
            click.echo(
                "Pathwise in your terminal. Type a number to press a button; /quit to leave."
            )
            await TerminalChat(
                database, engine, clock, local.billing, local.sandbox, files, read_stdin, click.echo
            ).run()
        return True

    if not run_async(go, settings):
        fail([f"No advisors to match you with yet. Import the sample catalogue: {_import_hint()}"])


@cli.command("demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo's database, transcript.md, receipts/ and ledger.csv.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(i18n.languages()),
    default=i18n.SOURCE,
    show_default=True,
    help="The client's language: the bot answers her in it, and the transcript is told in it.",
)
def demo(out: Path, language: str) -> None:
    """Play a client's whole journey offline, through the real Telegram, Discord and Stripe
    libraries, checking every invariant. Needs no tokens and no network; ignores the
    environment's settings. Exits 1 naming the first invariant that did not hold."""
    from bots.demo.journey import run_demo
    from bots.demo.speech import render
    from core.texts import demo as t

    result = asyncio.run(run_demo(out, click.echo, language=language))
    click.echo("")
    click.echo(render(language, t.FILES_WRITTEN))
    for path in result.files:
        click.echo(f"  {path}")
    if not result.ok:
        click.echo(render(language, t.FAILED, reason=result.failed), err=True)
        sys.exit(1)
    click.echo(render(language, t.PASSED, number=len(dict.fromkeys(result.held))))


@cli.command("run")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(["telegram", "discord", "web", "worker"]),
    help="Run only these pieces (repeat the option); default: all of them in one process.",
)
@click.pass_obj
@friendly_errors
def run_command(settings: Settings, only: tuple[str, ...]) -> None:
    """Run Pathwise for real: the Telegram bot, the Discord bot, the web server (webhooks,
    health, metrics) and the tick worker. Stops gracefully on SIGTERM or Ctrl-C."""
    from bots.run import PIECES, serve

    pieces = set(only or PIECES)
    problems = preflight.missing_settings(settings, pieces)
    database = preflight.missing_database(settings)
    if problems or database:  # all at once, before anything starts
        fail([*problems, database] if database else problems)
    verbose = click.get_current_context().find_root().params.get("verbose", False)
    configure_logging(settings, "DEBUG" if verbose else None)
    asyncio.run(serve(settings, pieces))


@cli.command("doctor")
@click.pass_obj
def doctor(settings: Settings) -> None:
    """Check the configuration: tokens, Stripe keys, the database, the public URL, and the
    Discord server (live: intents, the bot's permissions, the Sessions category). Prints one
    line per problem (never a secret) and exits 1 if anything needs fixing."""
    from bots.doctor import run_checks

    findings = asyncio.run(run_checks(settings))
    for finding in findings:
        click.echo(str(finding))
    problems = sum(1 for finding in findings if not finding.ok)
    click.echo(f"{problems} problem(s) to fix." if problems else "All good.")
    sys.exit(1 if problems else 0)


@cli.command("bench")
@click.option("--quick", is_flag=True, help="A small, fast run that proves the benchmark works.")
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the figures to this JSON file.",
)
@click.option(
    "--postgres",
    "postgres_url",
    metavar="URL",
    envvar="PATHWISE_BENCH_POSTGRES_URL",
    help="A PostgreSQL server to make scratch databases on, like "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres "
    "(or PATHWISE_BENCH_POSTGRES_URL). Without one, no PostgreSQL figures.",
)
@click.option("--no-postgres", is_flag=True, help="Skip the PostgreSQL figures.")
def bench_command(
    quick: bool, json_file: Path | None, postgres_url: str | None, no_postgres: bool
) -> None:
    """Measure Pathwise beside the frameworks' own floors (scratch databases; PostgreSQL
    figures only on a server named with --postgres or PATHWISE_BENCH_POSTGRES_URL)."""
    from bench.suite import FULL, QUICK, run_suite, table, write_json

    results = run_suite(
        QUICK if quick else FULL,
        quick=quick,
        postgres_url=postgres_url,
        use_postgres=not no_postgres,
        progress=lambda step: click.echo(f"measuring {step}...", err=True),
    )
    click.echo(table(results))
    if json_file is not None:
        write_json(results, json_file)
        click.echo(f"Wrote {json_file}.")


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
