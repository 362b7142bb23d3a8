"""Time-sortable ids: an entry's id orders it by creation even before it has a sequence number."""

from ulid import ULID


def new_id() -> str:
    return str(ULID())
