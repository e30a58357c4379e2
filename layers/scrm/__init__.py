"""Shared code of the WeCom SCRM: domain, services and adapters (deployed as one Lambda layer)."""
