"""The store's error class lives in ``apparat.errors``, with the others."""

from apparat.errors import StoreError

__all__ = ["StoreError"]
