"""The simulated WeCom server API under /cgi-bin/."""

from .dispatch import RawAnswer, handle
from .registry import ROUTES

__all__ = ["ROUTES", "RawAnswer", "handle"]
