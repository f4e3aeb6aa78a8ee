"""``apparat serve``: the web page with what-if toggles and the run explorer.

FastAPI, uvicorn and Plotly load only inside the command, so ``apparat run`` and the
other commands start without them. The server listens on localhost unless ``--public``
says otherwise: the page runs simulations for whoever can reach it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    public: Annotated[
        bool,
        typer.Option("--public", help="Allow an address other than localhost."),
    ] = False,
) -> None:
    """Serve the web page: toggle what-ifs, compare ensembles, explore one run month by month."""
    if host not in LOCAL_HOSTS and not public:
        Console(stderr=True, soft_wrap=True).print(
            Text(
                f"Error: refusing to listen on {host!r}, which other machines can reach; "
                "use --host 127.0.0.1, or add --public if you mean it.",
                style="red",
            )
        )
        raise typer.Exit(2)
    import uvicorn

    from apparat.api import create_app

    shown = f"[{host}]" if ":" in host else host
    Console().print(Text(f"apparat: open http://{shown}:{port}/ (Ctrl+C to stop)", style="bold"))
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
