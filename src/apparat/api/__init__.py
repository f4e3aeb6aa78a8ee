"""API layer: the FastAPI application and the web page it serves (``apparat serve``).

Importing it loads FastAPI and the engine; the command line imports it only inside
``apparat serve``, so the other commands start without it.
"""

from apparat.api.app import create_app

__all__ = ["create_app"]
