"""SnapshotStore.put_many: several documents are written at once, and a failure is not lost."""

import threading
from typing import Any

import pytest

from liveblog.storage.snapshots import PARALLEL_FROM, SnapshotStore


class FakeS3:
    def __init__(self, together: int = 1, failing: str = "") -> None:
        self.keys: list[str] = []
        self.threads: set[str] = set()
        self._together = threading.Barrier(together, timeout=5) if together > 1 else None
        self._failing = failing
        self._lock = threading.Lock()

    def put_object(self, **request: Any) -> None:
        if self._together is not None:
            self._together.wait()  # breaks (and fails the test) unless this many run at once
        with self._lock:
            self.keys.append(request["Key"])
            self.threads.add(threading.current_thread().name)
        if request["Key"] == self._failing:
            raise RuntimeError(f"S3 refused {request['Key']}")


def documents(count: int) -> list[tuple[str, bytes, bool]]:
    return [(f"v1/blogs/storm/entries/{n}.json", b"{}", False) for n in range(count)]


def test_several_documents_are_written_at_once() -> None:
    s3 = FakeS3(together=PARALLEL_FROM)
    store = SnapshotStore("snapshots", client=s3)

    store.put_many(documents(PARALLEL_FROM))

    assert sorted(s3.keys) == sorted(key for key, _, _ in documents(PARALLEL_FROM))
    assert store.puts == PARALLEL_FROM


def test_a_few_documents_are_written_in_order_on_the_callers_thread() -> None:
    s3 = FakeS3()
    store = SnapshotStore("snapshots", client=s3)

    store.put_many(documents(PARALLEL_FROM - 1))

    assert s3.keys == [key for key, _, _ in documents(PARALLEL_FROM - 1)]
    assert s3.threads == {threading.current_thread().name}


def test_one_failed_write_is_raised_after_every_other_write_was_made() -> None:
    failing = documents(6)[2][0]
    s3 = FakeS3(failing=failing)
    store = SnapshotStore("snapshots", client=s3)

    with pytest.raises(RuntimeError, match="S3 refused"):
        store.put_many(documents(6))

    assert sorted(s3.keys) == sorted(key for key, _, _ in documents(6))
    assert store.puts == 5
