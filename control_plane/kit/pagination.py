from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

MAX_LIMIT = 1000


class Page(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")] = 100,
    offset: Annotated[int, Query(ge=0, description="Skip this many items")] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)
