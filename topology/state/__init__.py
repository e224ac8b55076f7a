"""State: the stores operators keep (:mod:`~airstream.topology.state.stores`) and the buffers of
operators that hold records back (:mod:`~airstream.topology.state.buffers`).

>>> from airstream.topology.serdes import Serdes
>>> store = KeyValueStore("counts", Serdes.String(), Serdes.Long())
>>> store.put("a", 1)
>>> store.get_with_timestamp("a")
(1, 0)
"""

from airstream.topology.state.buffers import LeftOrRightSerde, OuterJoinBuffer, SuppressionBuffer
from airstream.topology.state.stores import ChangeLogger, KeyValueStore, SessionStore, StateStore, WindowStore

__all__ = ["ChangeLogger", "KeyValueStore", "LeftOrRightSerde", "OuterJoinBuffer", "SessionStore", "StateStore",
           "SuppressionBuffer", "WindowStore"]
