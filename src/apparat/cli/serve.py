"""``apparat serve``: the web page with what-if toggles and the run explorer.

FastAPI, uvicorn and Plotly load only inside the command, so ``apparat run`` and the
other commands start without them. The server listens on localhost unless ``--public``
says otherwise: the page runs simulations for whoever can reach it. It answers only to
requests that name it in their Host header (a loopback name, the address it listens on,
or one given with ``--allow-host``), so that a page on another site cannot drive it
through DNS rebinding.

SIGTERM and Ctrl+C stop it the same way: requests in flight get a few seconds, then the
worker processes are ended and the command exits (143 or 130) without a traceback.
"""

from __future__ import annotations

import signal
import socket
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
GRACE = 2  # seconds for requests in flight when the server is told to stop


class _Terminated(Exception):
    """SIGTERM, handed back by uvicorn once it has shut down."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    public: Annotated[
        bool,
        typer.Option("--public", help="Allow an address other than localhost."),
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="Another name clients may use for this server in the Host header "
            "(repeatable), e.g. the machine's name with --public.",
        ),
    ] = None,
) -> None:
    """Serve the web page: toggle what-ifs, compare ensembles, explore one run month by month."""
    err = Console(stderr=True, soft_wrap=True)
    if host not in LOCAL_HOSTS and not public:
        err.print(
            Text(
                f"Error: refusing to listen on {host!r}, which other machines can reach; "
                "use --host 127.0.0.1, or add --public if you mean it.",
                style="red",
            )
        )
        raise typer.Exit(2)
    hosts = {*LOCAL_HOSTS, host, *(allow_host or [])}
    if host in ANY_ADDRESS and not allow_host:
        # Listening on every address, the server cannot know the names it is reached by.
        hosts = {"*"}
        err.print(
            Text(
                "Note: any Host header is accepted; name this machine with --allow-host "
                "to refuse the others.",
                style="yellow",
            )
        )
    import uvicorn

    from apparat.api import create_app
    from apparat.api.app import stop_simulations

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            stop_simulations(application)  # requests waiting on a simulation end now
            await super().shutdown(sockets)

    application = create_app(hosts=hosts, port=port)
    config = uvicorn.Config(
        application, host=host, port=port, log_level="warning", timeout_graceful_shutdown=GRACE
    )
    shown = f"[{host}]" if ":" in host else host
    Console().print(Text(f"apparat: open http://{shown}:{port}/ (Ctrl+C to stop)", style="bold"))
    # uvicorn handles SIGINT and SIGTERM itself, shuts down (the application's lifespan
    # ends the worker processes), then hands the signal back to the handler it found:
    # Python's raises KeyboardInterrupt, this one _Terminated; both end in a quiet exit.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        Server(config).run()
    except KeyboardInterrupt:
        raise typer.Exit(128 + signal.SIGINT) from None
    except _Terminated:
        raise typer.Exit(128 + signal.SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
