"""Key partitioning, exactly as the Kafka Java client's default partitioner does it.

A keyed record goes to ``toPositive(murmur2(key)) % num_partitions``. Using the
same hash as Java (and as librdkafka's ``murmur2`` partitioner) means a record
produced here lands on the same partition as one produced by a Java service,
so co-partitioned joins and repartition topics agree across languages.

>>> murmur2(b"21")
-973932308
>>> partition_for(b"21", 6)
0
"""

from __future__ import annotations

import struct
from functools import lru_cache

__all__ = ["cached_partition_for", "murmur2", "partition_for"]

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_SIGN = 0x80000000
_WORDS = {n: struct.Struct(f"<{n}I").unpack_from for n in range(64)}


def murmur2(data: bytes | bytearray | memoryview) -> int:
    """The 32-bit murmur2 hash of ``data``, as Kafka's ``Utils.murmur2``: a signed int.

    >>> murmur2(b"foobar")
    -790332482
    """
    length = len(data)
    count = length >> 2
    unpack = _WORDS.get(count) or struct.Struct(f"<{count}I").unpack_from
    m = _M
    mask = _MASK
    h = _SEED ^ length
    for k in unpack(data):
        k = (k * m) & mask
        k ^= k >> 24
        h = ((h * m) ^ (k * m)) & mask  # masking distributes over xor: one mask, not two
    tail = length & 3
    if tail:
        rest = count << 2
        if tail == 3:
            h ^= data[rest + 2] << 16
        if tail >= 2:
            h ^= data[rest + 1] << 8
        h = ((h ^ data[rest]) * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - 0x100000000 if h & _SIGN else h


def partition_for(key: bytes | bytearray | memoryview | None, num_partitions: int) -> int:
    """The partition the Java client's default partitioner picks for a serialized ``key``.

    Records with no key are spread by Kafka's sticky partitioner, which depends on
    batching, so that choice belongs to the engine and a ``None`` key is an error here.

    >>> [partition_for(k, 3) for k in (b"delta", b"united", b"virgin")]
    [2, 0, 2]
    """
    if key is None:
        raise ValueError(
            "partition_for(key=None): a record without a key has no key partition; "
            "the engine must choose one (Kafka uses its sticky partitioner for null keys)"
        )
    if num_partitions <= 0:
        raise ValueError(f"partition_for: num_partitions must be at least 1, got {num_partitions}")
    return (murmur2(key) & 0x7FFFFFFF) % num_partitions


@lru_cache(maxsize=65536)
def cached_partition_for(key: bytes, num_partitions: int) -> int:
    """:func:`partition_for` with a cache: keys repeat a lot in streams (airlines, user ids).

    ``key`` must be hashable (``bytes``, not ``bytearray``).

    >>> cached_partition_for(b"delta", 3) == partition_for(b"delta", 3)
    True
    """
    return partition_for(key, num_partitions)
