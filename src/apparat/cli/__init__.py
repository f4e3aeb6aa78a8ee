"""The ``apparat`` command line (Typer + Rich)."""

from apparat.cli.app import app

__all__ = ["app"]
