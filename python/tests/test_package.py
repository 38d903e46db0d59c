"""The installed package: the engine library bundled beside the Python files (or the development
override), py.typed, the public names, and the version."""
from __future__ import annotations

import os
from pathlib import Path

import masksearch
from masksearch import _native


def test_library_is_bundled_or_overridden() -> None:
    package = Path(masksearch.__file__).parent
    assert (package / "py.typed").exists()
    if not os.environ.get("MASKSEARCH_LIBRARY"):
        assert (package / _native.LIBRARY_NAME).exists()


def test_public_names() -> None:
    for name in ("connect", "Connection", "Result", "Error", "QueryError", "InputError", "InternalError"):
        assert hasattr(masksearch, name)
    assert issubclass(masksearch.QueryError, masksearch.Error)
    assert issubclass(masksearch.InputError, masksearch.Error)
    assert masksearch.__version__ and masksearch.__version__[0].isdigit()
