"""How long a deleted entry's text is kept: its tombstone carries a DynamoDB TTL, which removes it."""

from datetime import datetime, timedelta

from liveblog.settings import content_settings

# The content table's TimeToLiveSpecification names this attribute in template.yaml; a test holds
# the two equal.
EXPIRES_AT = "expires_at"


def tombstone_expires_at(deleted_at: datetime) -> int:
    """Epoch seconds after which DynamoDB may delete the tombstone (it does, typically within two days)."""
    days = content_settings().deleted_entry_retention_days
    return int((deleted_at + timedelta(days=days)).timestamp())
