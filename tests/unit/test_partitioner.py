"""Key partitioning must agree with the Java client and librdkafka, byte for byte."""

from __future__ import annotations

import pytest

from airstream.topology.partitioner import cached_partition_for, murmur2, partition_for

# Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2:
# the signed 32-bit ints that Java's Utils.murmur2 returns.
KAFKA_UTILS_TEST_VECTORS = [
    (b"21", -973932308),
    (b"foobar", -790332482),
    (b"a-little-bit-long-string", -985981536),
    (b"a-little-bit-longer-string", -1486304829),
    (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    (b"abc", 479470107),
]

# librdkafka, src/rdmurmur2.c, unittest_murmur2: the same hash as unsigned 32-bit patterns
# ("java_murmur2_results"), over keys that exercise every tail length and unaligned starts.
_UNALIGNED = b"PreAmbleWillBeRemoved,ThePrePartThatIs"
LIBRDKAFKA_VECTORS = [
    (b"kafka", 0xD067CF64),
    (b"giberish123456789", 0x8F552B0C),
    (b"1234", 0x9FC97B14),
    (b"1234"[1:], 0xE7C009CA),
    (b"1234"[2:], 0x873930DA),
    (b"1234"[3:], 0x5A4B5CA1),
    (_UNALIGNED, 0x78424F1C),
    (_UNALIGNED[1:], 0x4A62B377),
    (_UNALIGNED[2:], 0xE0E4E09E),
    (_UNALIGNED[3:], 0x62B8B43F),
    (b"", 0x106E08D9),
]


def _signed32(pattern: int) -> int:
    return pattern - (1 << 32) if pattern & 0x80000000 else pattern


@pytest.mark.parametrize(("key", "expected"), KAFKA_UTILS_TEST_VECTORS)
def test_murmur2_matches_the_java_client(key: bytes, expected: int) -> None:
    assert murmur2(key) == expected


@pytest.mark.parametrize(("key", "pattern"), LIBRDKAFKA_VECTORS)
def test_murmur2_matches_librdkafka(key: bytes, pattern: int) -> None:
    assert murmur2(key) == _signed32(pattern)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_murmur2_accepts_any_bytes_like_key(wrap: type) -> None:
    assert murmur2(wrap(b"foobar")) == -790332482


@pytest.mark.parametrize(
    ("key", "num_partitions"),
    [(key, n) for key, _ in KAFKA_UTILS_TEST_VECTORS for n in (1, 3, 6, 12, 100)],
)
def test_partition_is_the_positive_hash_modulo_partitions(key: bytes, num_partitions: int) -> None:
    expected_hash = dict(KAFKA_UTILS_TEST_VECTORS)[key]
    # Java's Utils.toPositive clears the sign bit; it is not abs().
    assert partition_for(key, num_partitions) == (expected_hash & 0x7FFFFFFF) % num_partitions


def test_negative_hashes_are_made_positive_by_masking_not_abs() -> None:
    # murmur2(b"21") is negative: abs() would give 973932308 % 6 == 2, masking gives 0.
    assert partition_for(b"21", 6) == 0


def test_every_partition_is_in_range_and_keys_spread_across_all_of_them() -> None:
    keys = [f"user-{i}".encode() for i in range(1000)]
    partitions = [partition_for(key, 12) for key in keys]
    assert set(partitions) == set(range(12))


def test_a_null_key_is_left_to_the_engine() -> None:
    with pytest.raises(ValueError, match="sticky partitioner"):
        partition_for(None, 3)


@pytest.mark.parametrize("num_partitions", [0, -1])
def test_partition_count_must_be_positive(num_partitions: int) -> None:
    with pytest.raises(ValueError, match="num_partitions must be at least 1"):
        partition_for(b"k", num_partitions)


def test_cached_partition_for_gives_the_same_answers() -> None:
    keys = [f"airline-{i % 7}".encode() for i in range(200)]
    assert [cached_partition_for(k, 5) for k in keys] == [partition_for(k, 5) for k in keys]
    # The same key under a different partition count must not hit the other count's entry.
    assert cached_partition_for(b"21", 6) == 0
    assert cached_partition_for(b"21", 7) == (-973932308 & 0x7FFFFFFF) % 7
