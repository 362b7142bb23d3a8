"""A deleted blog's public documents come down, from the blog's REMOVE record in the stream.

Deleting a blog deletes its items; what readers see (latest.json, the pages and the entry
documents, all under v1/blogs/<slug>/) is the renderer's to remove, as only the renderer writes
the snapshot bucket. Until it has, the slug stays `releasing`, so no new blog can publish under
those URLs; the removal then releases it with the last version published, which a later blog with
the same slug continues from.

Each step may be repeated: a removal cut short at any AWS call is finished by the retried record,
and a replay once the slug is released (and perhaps claimed again) touches no document. The work
is one listing of the blog's prefix and a delete per thousand documents, whatever the blog's length.
"""

from liveblog.rendering.build import blog_prefix, latest_key
from liveblog.storage.content import ContentStore, RenderState, SlugState
from liveblog.storage.snapshots import SnapshotStore


def remove_deleted_blog(
    content: ContentStore, snapshots: SnapshotStore, blog_id: str, slug: str, state: RenderState
) -> list[str]:
    """Remove the documents of deleted blog `blog_id`, published under `slug` up to `state`, and
    release the slug. Returns the keys removed."""
    claim = content.slug_record(slug)
    removed: list[str] = []
    if claim.state == SlugState.RELEASING and claim.blog_id == blog_id:
        removed = _remove_documents(snapshots, slug, published=state.version > 0)
        content.release_slug(slug, blog_id, max(claim.last_version, state.version))
    # Last: until the slug is released, a retry needs the version reached.
    content.forget_render_state(blog_id)
    return removed


def _remove_documents(snapshots: SnapshotStore, slug: str, *, published: bool) -> list[str]:
    prefix = f"{blog_prefix(slug)}/"
    keys = snapshots.list_keys(prefix)
    latest = latest_key(slug)
    if latest in keys:
        # First, so that no reader is led from latest.json to a document already deleted.
        snapshots.delete(latest)
    snapshots.delete_many([key for key in keys if key != latest])
    # Also when nothing is left to list: a removal retried after its deletes still owes the purge.
    if keys or published:
        snapshots.invalidate([f"{prefix}*"])
    return keys
