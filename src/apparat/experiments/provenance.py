"""What produced a result: the code of the model, not just its version number.

An interrupted experiment resumes from the batches already stored, which is only right
if the same model produced them. A version number is not enough while the engine is in
development (every commit is "0.1.0"), so the resume key also holds a hash of the source
of the layers that decide a run's course: the scenario models, the engine, the policies.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

MODEL_PACKAGES = ("apparat.scenario", "apparat.engine", "apparat.policies")


@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """A short hash of every Python file of the packages that decide a run's course."""
    digest = hashlib.sha256()
    for package in MODEL_PACKAGES:
        for path in sorted(_sources(resources.files(package)), key=str):
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _sources(folder: resources.abc.Traversable) -> list[resources.abc.Traversable]:
    found = []
    for item in folder.iterdir():
        if item.is_dir() and item.name != "__pycache__":
            found.extend(_sources(item))
        elif item.name.endswith(".py"):
            found.append(item)
    return found
