"""The package itself: every module listed in dlbook.__all__ imports and documents its names."""

import importlib

import pytest

import dlbook


@pytest.mark.parametrize("name", dlbook.__all__)
def test_module_imports_and_documents_its_public_names(name):
    module = importlib.import_module(f"dlbook.{name}")
    assert module.__doc__ and module.__doc__.strip(), f"dlbook.{name} has no module docstring"
    for public in getattr(module, "__all__", []):
        obj = getattr(module, public)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"dlbook.{name}.{public} has no docstring"


def test_all_lists_every_public_module():
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(dlbook.__path__) if not m.name.startswith("_")}
    assert modules == set(dlbook.__all__)
