"""State stores as a processor or a test sees them, and their changelog records."""

from airstream.topology import Serdes
from airstream.topology.state import KeyValueStore, SessionStore, WindowStore
from airstream.topology.windows import Window, Windowed


def test_key_value_store_operations_and_changelog():
    log = []
    store = KeyValueStore("s", Serdes.String(), Serdes.Long(), lambda k, v, ts: log.append((k, v, ts)))
    store.put("b", 2, 10)
    assert store.put_if_absent("b", 5) == 2 and store.put_if_absent("a", 1) is None
    store.put_all([("c", 3), ("d", 4)])
    assert store.range("b", "c") == [("b", 2), ("c", 3)]
    assert store.delete("d") == 4 and store.get("d") is None
    assert store.all() == [("a", 1), ("b", 2), ("c", 3)] and store.approximate_num_entries() == 3
    assert log[0] == (b"b", (2).to_bytes(8, "big"), 10) and log[-1] == (b"d", None, 0)
    replica = KeyValueStore("s", Serdes.String(), Serdes.Long())
    for key, value, ts in log:
        replica.restore(key, value, ts)
    assert replica.all() == store.all()


def test_window_store_retention_and_restore():
    log = []
    store = WindowStore("w", Serdes.String(), Serdes.Long(), window_size_ms=10, retention_ms=20,
                        log=lambda k, v, ts: log.append((k, v, ts)))
    store.put("k", 1, 0, 5)
    store.put("k", 2, 10, 15)
    store.put("j", 3, 10, 15)
    assert store.fetch_all(0, 10) == [(Windowed("k", Window(0, 10)), 1), (Windowed("j", Window(10, 20)), 3),
                                      (Windowed("k", Window(10, 20)), 2)]
    store.put("k", 4, 30, 35)  # stream time 30: windows starting before 11 are gone
    assert store.fetch("k", 0, 40) == [(30, 4)] and store.fetch("k", 10) is None
    replica = WindowStore("w", Serdes.String(), Serdes.Long(), 10, 20)
    for key, value, ts in log:
        replica.restore(key, value, ts)
    assert replica.fetch("k", 0, 40) == [(30, 4)]


def test_session_store_find_and_remove():
    store = SessionStore("s", Serdes.String(), Serdes.Long(), retention_ms=100)
    store.put(Windowed("a", Window(0, 5)), 2)
    store.put(Windowed("a", Window(20, 30)), 3)
    assert store.fetch_session("a", 20, 30) == 3
    assert [w.window for w, _ in store.find_sessions("a", 4, 10)] == [Window(0, 5)]
    store.remove(Windowed("a", Window(0, 5)))
    assert store.fetch("a") == [(Windowed("a", Window(20, 30)), 3)]
