"""Answers and query parameters more than one route module shares: the error bodies, paging, untyped
objects."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from admin.schemas.base import Model


class Error(Model):
    """Every refusal: one line, the field it is about, and for some refusals the details (each blocked id)."""

    error: str
    field: str | None = None
    details: Any | None = None


class RetryLater(Model):
    """A refusal to retry after ``retry_after_s`` (also the Retry-After header)."""

    error: str
    retry_after_s: int


class Limit(Model):
    limit: int | None = Field(None, description="rows, 1..200 (default 50)")


class Limit20(Model):
    limit: int | None = Field(None, description="1..200 (default 20)")


class Items(Model):
    """With ``items=1``, a page of the job's items (admin/paging.py), as the API's other lists page."""

    items: str | None = Field(None, description="1 (or true): also a page of the items with their state")
    limit: int | None = Field(
        None, ge=1, le=1000, description="with items=1: items per page, 1..1000 (default 500)"
    )
    cursor: str | None = Field(None, description="with items=1: next_cursor of the page before")
