"""Modules that the libraries newsqa loads import eagerly and newsqa never uses, kept out of a
command's start.

A cold `newsqa ask` is mostly imports. Of them, measured with `python -X importtime` on the
2-core AMD EPYC (AVX2): spaCy's command line (`spacy.cli`, 0.16 s, imported for `spacy.info`),
chromadb's embedding functions for other providers (0.17 s, imported to name the function a
collection was made with; newsqa embeds on its own) and its OTLP trace exporter with gRPC (0.08 s,
used only when tracing is configured), OpenVINO's model converter (0.13 s, newsqa reads an ONNX
graph) and httpx's command line (0.10 s). Each is left out only while its library is imported:
afterwards the module imports as usual, and a name the library took from it reaches the real
module on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """Inside the block `import name` raises ImportError, for imports a library guards with
    `try` (it then goes without). Modules already imported are left as they are."""
    newly = [name for name in names if name not in sys.modules]
    for name in newly:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in newly:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


@contextmanager
def stood_in(modules: dict[str, tuple[str, ...]]) -> Iterator[None]:
    """Inside the block each module of `modules` not yet imported is a stand-in whose listed
    names forward to the real module (`Forward`). For unguarded imports of a name
    (`from spacy.cli.info import info`)."""
    placed = {}
    for name, attributes in modules.items():
        if name in sys.modules:
            continue
        stand_in = StandIn(name, "A stand-in: the real module is imported at first use.")
        for attribute in attributes:
            setattr(stand_in, attribute, Forward(name, attribute))
        sys.modules[name] = placed[name] = stand_in
    try:
        yield
    finally:
        for name, stand_in in placed.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


class StandIn(types.ModuleType):
    """A module put in `sys.modules` in place of the real one."""


class Forward(Mapping):
    """A name of a module not imported yet. Calling it, or reading it as a mapping (chromadb's
    table of embedding functions), imports the module and uses the real name."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def target(self):
        if isinstance(sys.modules.get(self.module), StandIn):  # used while its library loads
            del sys.modules[self.module]
        return getattr(importlib.import_module(self.module), self.name)

    def __call__(self, *args, **kwargs):
        return self.target()(*args, **kwargs)

    def __getitem__(self, key):
        return self.target()[key]

    def __iter__(self):
        return iter(self.target())

    def __len__(self) -> int:
        return len(self.target())

    def __repr__(self) -> str:
        return f"<{self.module}.{self.name}, imported at first use>"
