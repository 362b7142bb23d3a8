"""Time-sortable ids: an entry's id orders it by creation even before it has a sequence number."""


def new_id() -> str:
    # Imported on first use: only creates need it, and reads are most of a cold start's requests.
    from ulid import ULID

    return str(ULID())
