"""The foreign-key table join, as Kafka Streams runs it (``foreignkeyjoin`` in its sources).

1. :class:`FkSubscriptionSend` -- on the left table's partitions: each change of a left row sends
   *instructions* to the partitions of the foreign keys it leaves and joins (keyed by foreign key):
   drop the subscription, drop it and emit a delete, subscribe and answer even with no match,
   subscribe and answer only on a match. Each carries a hash of the left row's new value.
2. :class:`FkSubscriptionReceive` -- on the right table's partitions: keeps the subscriptions keyed
   by ``(foreign key, left key)`` and answers each with the right row's current value.
3. :class:`FkRightUpdate` -- a change of a right row answers every subscriber of its key.
4. :class:`FkResolve` -- back on the left table's partitions: an answer whose hash no longer matches
   the left row's current value is stale and dropped; the others give the join result.

Timestamps follow Kafka Streams: a left change's result carries the larger of the two rows'
timestamps, a right change's result the right record's.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from airstream.topology.operators.base import OperatorTask, Runtime, Spec, ValueGetter
from airstream.topology.records import InputRecord
from airstream.topology.serde_defaults import AutoSerde, Change, CombinedKeySerde
from airstream.topology.state import KeyValueStore

__all__ = ["FK_RESPONSE_SERDE", "FK_SUBSCRIPTION_SERDE", "FkResolve", "FkRightUpdate", "FkSubscriptionReceive",
           "FkSubscriptionSend", "value_hash"]

# Internal FK-join topics carry small JSON documents: {"k": left key, "i": instruction, "h": hash}
# one way, {"h": hash, "v": right value} back.
FK_SUBSCRIPTION_SERDE = AutoSerde()
FK_RESPONSE_SERDE = AutoSerde()

# Kafka Streams' SubscriptionWrapper.Instruction.
DELETE_KEY_NO_PROPAGATE = "delete"
DELETE_KEY_AND_PROPAGATE = "delete-and-propagate"
PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE = "propagate-null-if-no-match"
PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE = "propagate-only-if-match"


def value_hash(value: Any) -> str | None:
    """A stable digest of a left row's value (``None`` for none), to tell stale answers apart.

    >>> value_hash({"b": 1, "a": 2}) == value_hash({"a": 2, "b": 1}), value_hash(None)
    (True, None)
    """
    if value is None:
        return None
    try:
        raw = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        raw = repr(value).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class FkSubscriptionSendRuntime(Runtime["FkSubscriptionSend"]):
    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        extract = self.spec.extractor
        old_fk = None if change.old is None else extract(change.old)
        new_fk = None if change.new is None else extract(change.new)
        digest = value_hash(change.new)

        def send(foreign_key: Any, instruction: str) -> None:
            self.forward(foreign_key, {"k": key, "i": instruction, "h": digest}, ts, headers, src)

        if self.spec.left:
            if change.old is not None:
                if old_fk is not None and old_fk != new_fk:
                    send(old_fk, DELETE_KEY_NO_PROPAGATE)
                send(new_fk, PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
            elif change.new is not None:
                send(new_fk, PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
            return
        if change.old is not None:
            if old_fk is None and new_fk is None:
                self.task.drop("null foreign key", self.name)
            elif old_fk is None:
                send(new_fk, PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
            elif new_fk is None:
                send(old_fk, DELETE_KEY_AND_PROPAGATE)
            elif old_fk != new_fk:
                # Leave the old key; with no match at the new one the earlier result must be deleted.
                send(old_fk, DELETE_KEY_NO_PROPAGATE)
                send(new_fk, PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
            else:
                send(new_fk, PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
        elif change.new is not None:
            if new_fk is None:
                self.task.drop("null foreign key", self.name)
            else:
                send(new_fk, PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)


class FkSubscriptionSend(Spec):
    """A left row's changes as subscription instructions to the foreign keys' partitions."""

    runtime = FkSubscriptionSendRuntime

    def __init__(self, extractor: Any, left: bool) -> None:
        self.extractor, self.left = extractor, left


class FkSubscriptionReceiveRuntime(Runtime["FkSubscriptionReceive"]):
    def __init__(self, spec: FkSubscriptionReceive, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.subs = task.store(spec.store, KeyValueStore)
        self.get = spec.getter.bind(task)

    def process(self, fk: Any, sub: dict[str, Any], ts: int, headers: Any, src: InputRecord | None) -> None:
        instruction, left_key, digest = sub["i"], sub["k"], sub["h"]
        if fk is None and instruction != PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
            self.task.drop("null foreign key", self.name)
            return
        if fk is not None:
            if instruction in (DELETE_KEY_NO_PROPAGATE, DELETE_KEY_AND_PROPAGATE):
                self.subs.delete((fk, left_key))
            else:
                self.subs.put((fk, left_key), digest, ts)
        found = None if fk is None else self.get(fk)
        out_ts = ts if found is None else max(ts, found[1])
        if instruction == DELETE_KEY_AND_PROPAGATE:
            self.forward(left_key, {"h": digest, "v": None}, out_ts, headers, src)
        elif instruction == PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
            self.forward(left_key, {"h": digest, "v": None if found is None else found[0]}, out_ts, headers, src)
        elif instruction == PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE and found is not None:
            self.forward(left_key, {"h": digest, "v": found[0]}, out_ts, headers, src)


class FkSubscriptionReceive(Spec):
    """Keeps subscriptions by ``(foreign key, left key)`` and answers them with the right row."""

    runtime = FkSubscriptionReceiveRuntime

    def __init__(self, store: str, getter: ValueGetter) -> None:
        self.store, self.getter = store, getter


class FkRightUpdateRuntime(Runtime["FkRightUpdate"]):
    def __init__(self, spec: FkRightUpdate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.subs = task.store(spec.store, KeyValueStore)
        assert isinstance(self.subs.key_serde, CombinedKeySerde)
        self.key_serde: CombinedKeySerde = self.subs.key_serde

    def process(self, fk: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        if fk is None:
            self.task.drop("null key in table update", self.name)
            return
        for (_, left_key), digest in self.subs.prefix_scan(self.key_serde.prefix(self.subs.name, fk)):
            self.forward(left_key, {"h": digest, "v": change.new}, ts, headers, src)


class FkRightUpdate(Spec):
    """A right row's change, answered to every subscriber of its key."""

    runtime = FkRightUpdateRuntime

    def __init__(self, store: str) -> None:
        self.store = store


class FkResolveRuntime(Runtime["FkResolve"]):
    def __init__(self, spec: FkResolve, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.get = spec.getter.bind(task)

    def process(self, key: Any, resp: dict[str, Any], ts: int, headers: Any, src: InputRecord | None) -> None:
        found = self.get(key)
        current = None if found is None else found[0]
        if resp["h"] != value_hash(current):
            self.task.drop("foreign-key join answer for a left row that has changed since", self.name)
            return
        right = resp["v"]
        # No right row: a delete, except that a left join keeps a left row that still exists.
        missing = right is None and (not self.spec.left or current is None)
        self.forward(key, Change(None if missing else self.spec.joiner(current, right), None), ts, headers, src)


class FkResolve(Spec):
    """Joins an answer with the left row it was sent for (stale answers are dropped)."""

    runtime = FkResolveRuntime

    def __init__(self, getter: ValueGetter, joiner: Any, left: bool) -> None:
        self.getter, self.joiner, self.left = getter, joiner, left
