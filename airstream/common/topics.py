"""Create topics before a command uses them: ``airstream replay --partitions``, ``airstream run
--create-topics`` and the CloudAir demo.

A topic the broker creates on first use gets the broker's ``num.partitions`` (1 by default), so an
application reading it cannot run on more than one instance; creating it first gives it the
partitions it needs. A topic that exists already is left as it is.

Example::

    from airstream.common.topics import create_topics

    created = create_topics({"bootstrap.servers": "localhost:9092"}, {"tweets": 6, "scored": 6})
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import wait
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.kafka_errors import AccessErrorRecorder, KafkaAccessError, access_error, principal_of

__all__ = ["TopicCreationError", "create_topics"]


class TopicCreationError(RuntimeError):
    """A topic could not be created; the message says which, where and why in one line.
    ``access`` is set when the brokers refused the login or an ACL (see
    :class:`~airstream.common.kafka_errors.KafkaAccessError`)."""

    def __init__(self, message: str, access: KafkaAccessError | None = None) -> None:
        super().__init__(message)
        self.access = access


def create_topics(client: Mapping[str, Any], partitions: Mapping[str, int], replication: int = -1,
                  timeout: float = 30.0) -> list[str]:
    """Create the topics of ``partitions`` (name to partition count; ``-1``: the broker's
    ``num.partitions``) that do not exist, with ``replication`` replicas (``-1``: the broker's
    ``default.replication.factor``); returns the names created. ``client``: the connection settings
    (``bootstrap.servers``, a login, TLS).

    A refused login or TLS handshake reaches librdkafka's ``error_cb`` only, while the request just
    waits for its timeout: it ends the wait at once, named (who, and what to check). Raises
    :class:`TopicCreationError`.
    """
    if not partitions:
        return []
    refused = AccessErrorRecorder(client)
    where = client.get("bootstrap.servers")
    settings: dict[str, Any] = {**client, "error_cb": refused}
    admin = AdminClient(settings)  # kept: the requests die with their client
    futures = admin.create_topics([NewTopic(name, count, replication) for name, count in partitions.items()],
                                  request_timeout=timeout)
    deadline = time.monotonic() + timeout
    while refused.last is None and time.monotonic() < deadline:
        admin.poll(0.1)  # what calls error_cb
        if not wait(futures.values(), timeout=0.1).not_done:
            break
    if refused.last is not None:
        raise TopicCreationError(f"cannot create the topics on {where}: {refused.last}", refused.last)
    created = []
    for name, future in futures.items():
        try:
            future.result(0)
            created.append(name)
        except KafkaException as exc:
            err = exc.args[0]
            if err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                continue
            access = access_error(err, principal=principal_of(client), topic=name, operation="Create")
            raise TopicCreationError(f"cannot create topic {name!r} on {where}: {access or err.str()}",
                                     access) from None
        except TimeoutError:
            raise TopicCreationError(f"cannot create topic {name!r} on {where}: no answer within {timeout:g} s "
                                     "(check the bootstrap servers and the network)") from None
    return created
