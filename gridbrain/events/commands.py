"""CLI of the event hub: `gridbrain open311 key create NAME`, `gridbrain events deliver|visits`."""

from __future__ import annotations

from typing import Annotated

import typer

from gridbrain.core.auth import Actor


def register(app: typer.Typer) -> None:
    open311_app = typer.Typer(help="Open311 GeoReport v2 server.", no_args_is_help=True)
    key_app = typer.Typer(help="API keys of client systems.", no_args_is_help=True)
    events_app = typer.Typer(help="The event hub (智能事件中枢).", no_args_is_help=True)
    open311_app.add_typer(key_app, name="key")
    app.add_typer(open311_app, name="open311")
    app.add_typer(events_app, name="events")

    @key_app.command("create")
    def key_create(
        name: Annotated[str, typer.Argument(help="the client system's name")],
        channel: Annotated[str, typer.Option(help="channel its requests come in by")] = "app",
    ) -> None:
        """Print a new API key for a client system (only its hash is kept)."""
        from gridbrain.cli import engine
        from gridbrain.core.db import UnitOfWork
        from gridbrain.events.open311 import service

        with UnitOfWork(engine()) as uow:
            key = service.create_key(uow, Actor.system("cli"), name, channel=channel)
            uow.commit()
        typer.echo(key)

    @events_app.command("deliver")
    def deliver(limit: Annotated[int, typer.Option(help="messages at most")] = 1000) -> None:
        """Deliver the outbox messages that are due (answers, notices), with retries."""
        from gridbrain.cli import engine
        from gridbrain.events import outbox

        sent, failed = outbox.deliver_due(engine(), limit=limit)
        typer.echo(f"sent {sent}, failed {failed}")

    @events_app.command("visits")
    def visits() -> None:
        """Create return-visit (回访) tasks for closed events nobody rated."""
        from gridbrain.cli import engine
        from gridbrain.core.db import UnitOfWork
        from gridbrain.events import service

        with UnitOfWork(engine()) as uow:
            n = service.schedule_return_visits(uow, Actor.system("cli"))
            uow.commit()
        typer.echo(f"{n} return visits scheduled")
