"""An event-sourced registry of public-private partnerships against cybercrime."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ppp-registry")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"
