"""Control API: JSON endpoints under /control/ that create corps and change their world."""

from .router import endpoints, handle

__all__ = ["endpoints", "handle"]
