"""Time-sortable ids: an entry's id orders it by creation even before it has a sequence number."""


def new_id() -> str:
    # Imported on first use: only creates need an id, and no other request pays for the import.
    from ulid import ULID

    return str(ULID())
