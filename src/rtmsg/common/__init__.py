"""Wire models shared by several protocols: the service's ``error`` event and how it is built.

The conversation and translation protocols answer a bad client frame with the same ``error``
event; it lives here, above the engine and below the protocols, so that no protocol imports
another.
"""

from __future__ import annotations

from .errors import Error, RealtimeError, build_error, error_event

__all__ = ["Error", "RealtimeError", "build_error", "error_event"]
