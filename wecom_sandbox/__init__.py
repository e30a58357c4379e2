"""wecom_sandbox: a local HTTP server that pretends to be WeCom (企业微信) for the SCRM.

It serves the WeCom server API under /cgi-bin/, sends encrypted callbacks to the app exactly as
WeCom does, and exposes a /control/ API to create corps and change their world.  It is both a
product component (try the SCRM without a real corp) and the test fixture of the project.
"""

from .app import Sandbox
from .server import SandboxServer, start_server

__all__ = ["Sandbox", "SandboxServer", "start_server"]
