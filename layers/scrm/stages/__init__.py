"""Lifecycle stages and follow-up notes (issue 19 item 2)."""
