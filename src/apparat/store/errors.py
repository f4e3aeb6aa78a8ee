"""The store's error class lives in ``apparat.errors``, with the others."""

from apparat.errors import StoreError

__all__ = ["StoreError"]


def match_id(ids: list[str], id_or_prefix: str, what: str, where: object) -> str:
    """The one stored id equal to, or else starting with, ``id_or_prefix``; a StoreError
    that lists the known ids (or says there are none) or the ambiguous matches."""
    prefix = id_or_prefix.strip().lower()
    match = [i for i in ids if i == prefix] or [i for i in ids if prefix and i.startswith(prefix)]
    if len(match) != 1:
        if not match:
            known = f"known ids: {', '.join(ids[:20])}" if ids else "the store holds none"
            raise StoreError(f"no {what} {id_or_prefix!r} in {where}; {known}")
        raise StoreError(f"{id_or_prefix!r} matches {', '.join(match)}; give more of the id")
    return match[0]
