"""The simulated WeCom server API under /cgi-bin/."""

from .dispatch import handle
from .registry import ROUTES

__all__ = ["ROUTES", "handle"]
