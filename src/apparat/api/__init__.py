"""API layer: the FastAPI application and the web page it serves (``apparat serve``).

``create_app`` loads FastAPI and the engine; the command line imports it only inside
``apparat serve``, so the other commands start without it. It is imported on first
use, not with the package: the what-if's worker processes import ``apparat.api.arms``
and need neither FastAPI nor the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apparat.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from apparat.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
