"""The foreign-key table join, as Kafka Streams runs it: the left table subscribes each row to its
foreign key on the right table's partitions; right-side updates answer every subscriber; the
answers come back to the left row's partition, which joins them if the row still points there."""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec, ValueGetter
from airstream.topology.records import InputRecord
from airstream.topology.serde_defaults import AutoSerde, Change
from airstream.topology.state import KeyValueStore

__all__ = ["FK_RESPONSE_SERDE", "FK_SUBSCRIPTION_SERDE", "FkResolve", "FkRightUpdate", "FkSubscriptionReceive",
           "FkSubscriptionSend"]

# Internal FK-join topics carry small JSON documents (left key, foreign key, right value).
FK_SUBSCRIPTION_SERDE = AutoSerde()
FK_RESPONSE_SERDE = AutoSerde()


class FkSubscriptionSendRuntime(Runtime["FkSubscriptionSend"]):
    def __init__(self, spec: FkSubscriptionSend, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.extract = spec.extractor

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        new_fk = None if change.new is None else self.extract(change.new)
        old_fk = None if change.old is None else self.extract(change.old)
        if old_fk is not None and old_fk != new_fk:
            # Leaving the old foreign key; with no new one the join result must be deleted.
            self.forward(old_fk, {"k": key, "op": "del", "propagate": new_fk is None}, ts, headers, src)
        if change.new is not None and new_fk is None:
            self.task.drop("foreign key extractor returned None", self.name)
        if new_fk is not None:
            self.forward(new_fk, {"k": key, "op": "add"}, ts, headers, src)


class FkSubscriptionSend(Spec):
    runtime = FkSubscriptionSendRuntime

    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor


class FkSubscriptionReceiveRuntime(Runtime["FkSubscriptionReceive"]):
    def __init__(self, spec: FkSubscriptionReceive, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.subs = task.store(spec.store, KeyValueStore)
        self.get = spec.getter.bind(task)

    def process(self, fk: Any, sub: dict[str, Any], ts: int, headers: Any, src: InputRecord | None) -> None:
        subscribers = list(self.subs.get(fk) or [])
        left_key = sub["k"]
        if sub["op"] == "del":
            if left_key in subscribers:
                subscribers.remove(left_key)
            self.subs.put(fk, subscribers or None, ts)
            if sub.get("propagate"):
                self.forward(left_key, {"fk": fk, "v": None, "del": True}, ts, headers, src)
            return
        if left_key not in subscribers:
            subscribers.append(left_key)
            self.subs.put(fk, subscribers, ts)
        found = self.get(fk)
        self.forward(left_key, {"fk": fk, "v": found and found[0]},
                     max(ts, found[1]) if found else ts, headers, src)


class FkSubscriptionReceive(Spec):
    runtime = FkSubscriptionReceiveRuntime

    def __init__(self, store: str, getter: ValueGetter) -> None:
        self.store, self.getter = store, getter


class FkRightUpdateRuntime(Runtime["FkRightUpdate"]):
    def __init__(self, spec: FkRightUpdate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.subs = task.store(spec.store, KeyValueStore)

    def process(self, fk: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        if fk is None:
            return
        for left_key in self.subs.get(fk) or []:
            self.forward(left_key, {"fk": fk, "v": change.new}, ts, headers, src)


class FkRightUpdate(Spec):
    runtime = FkRightUpdateRuntime

    def __init__(self, store: str) -> None:
        self.store = store


class FkResolveRuntime(Runtime["FkResolve"]):
    def __init__(self, spec: FkResolve, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.get = spec.getter.bind(task)

    def process(self, key: Any, resp: dict[str, Any], ts: int, headers: Any, src: InputRecord | None) -> None:
        spec = self.spec
        found = self.get(key)
        if found is None:
            if resp.get("del"):
                self.forward(key, Change(None, None), ts, headers, src)
            return
        left_value = found[0]
        if spec.extractor(left_value) != resp["fk"]:
            return  # a response to a subscription the left row has since moved away from
        right = resp["v"]
        if right is None and not spec.left:
            self.forward(key, Change(None, None), max(ts, found[1]), headers, src)
            return
        self.forward(key, Change(spec.joiner(left_value, right), None), max(ts, found[1]), headers, src)


class FkResolve(Spec):
    runtime = FkResolveRuntime

    def __init__(self, getter: ValueGetter, extractor: Any, joiner: Any, left: bool) -> None:
        self.getter, self.extractor, self.joiner, self.left = getter, extractor, joiner, left
