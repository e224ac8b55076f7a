"""One line for the Kafka errors a user must act on: authentication, authorisation and fencing.

librdkafka reports these in words that point elsewhere: a wrong SASL password ends a metadata request
as ``Local: Broker transport failure``, a missing ACL as ``Broker: Topic authorization failed`` with no
topic, principal or operation. :func:`explain` turns such an error, with what the caller knows (the
topic it produced to, its group, its ``transactional.id``), into one line that says what is wrong and
what to do, naming the ACL to grant as the ``kafka-acls.sh`` command that grants it. It returns
``None`` for every other error, so callers keep their own wording for those.

Where the errors appear (librdkafka 2.x against a Kafka 4 broker with SASL_SSL and ACLs):

* a wrong password or unknown user: ``_AUTHENTICATION`` on ``error_cb``, every reconnect; requests
  fail only as ``_TRANSPORT`` / ``_MSG_TIMED_OUT``, so keep the ``error_cb`` error;
* a CA that did not sign the broker's certificate: ``_SSL`` on ``error_cb``;
* a producer without Write on a topic: ``TOPIC_AUTHORIZATION_FAILED`` in the delivery report;
* a consumer without Read on its group: ``GROUP_AUTHORIZATION_FAILED`` from ``poll``/``consume``,
  without Read on a topic: ``TOPIC_AUTHORIZATION_FAILED`` (``Fetch from broker ... failed``);
* a transactional producer without Write on its id: fatal ``TRANSACTIONAL_ID_AUTHORIZATION_FAILED``
  from ``init_transactions``;
* a producer whose ``transactional.id`` another instance took over: ``PRODUCER_FENCED`` / ``_FENCED``.

No message holds a password: :func:`principal_of` reads the user name only.

    >>> from confluent_kafka import KafkaError
    >>> line = explain(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED), principal="User:alice", topic="tweets",
    ...                operation="Write")
    >>> print(line.replace("; ", ";\\n").replace(" --a", "\\n  --a"))
    not authorized: User:alice may not Write topic 'tweets';
    grant it: kafka-acls.sh --bootstrap-server BOOTSTRAP --command-config admin.properties
      --add
      --allow-principal User:alice --operation Write --topic tweets
    >>> explain(KafkaError(KafkaError._MSG_TIMED_OUT)) is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError

__all__ = ["AccessErrorRecorder", "KafkaAccessError", "access_error", "explain", "kind_of", "principal_of"]

# What the broker refuses for who the client is (the login) ...
_AUTHENTICATION = frozenset({KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED,
                             KafkaError.UNSUPPORTED_SASL_MECHANISM, KafkaError.ILLEGAL_SASL_STATE, KafkaError._SSL})
# ... for what it may do (an ACL) ...
_AUTHORIZATION = frozenset({KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED,
                            KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED})
# ... and because another instance took its place.
_FENCED = frozenset({KafkaError.PRODUCER_FENCED, KafkaError._FENCED, KafkaError.INVALID_PRODUCER_EPOCH,
                     KafkaError.FENCED_INSTANCE_ID})

# The command line a user runs with the super user's properties; BOOTSTRAP and the file are theirs to fill.
_GRANT = "kafka-acls.sh --bootstrap-server BOOTSTRAP --command-config admin.properties --add --allow-principal"


class KafkaAccessError(RuntimeError):
    """Authentication, authorisation or fencing: the message is the one line to show."""

    kind: str
    """``"authentication"``, ``"authorization"`` or ``"fenced"``."""
    code: int | None
    """The ``KafkaError`` code it came from, when it came from one."""

    def __init__(self, message: str, kind: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code

    def __str__(self) -> str:
        return str(self.args[0])


def kind_of(err: KafkaError) -> str | None:
    """``"authentication"``, ``"authorization"``, ``"fenced"`` or ``None`` for any other error.

    >>> kind_of(KafkaError(KafkaError.PRODUCER_FENCED)), kind_of(KafkaError(KafkaError._TRANSPORT))
    ('fenced', None)
    """
    code = err.code()
    if code in _AUTHENTICATION:
        return "authentication"
    if code in _AUTHORIZATION:
        return "authorization"
    if code in _FENCED:
        return "fenced"
    return None


def principal_of(config: Mapping[str, Any]) -> str | None:
    """'User:<sasl.username>' when the config logs in with SASL, else None.

    Only PLAIN and SCRAM name the principal in the configuration; for GSSAPI (librdkafka's default
    mechanism) and OAUTHBEARER the broker derives it from the ticket or token.

    >>> principal_of({"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "svc"})
    'User:svc'
    >>> principal_of({"security.protocol": "SSL"}) is None
    True
    """
    protocol = str(config.get("security.protocol", "plaintext")).upper()
    mechanism = str(config.get("sasl.mechanism", config.get("sasl.mechanisms", "GSSAPI"))).upper()
    username = config.get("sasl.username")
    if not protocol.startswith("SASL") or not username:
        return None
    if mechanism != "PLAIN" and not mechanism.startswith("SCRAM-"):
        return None
    return f"User:{username}"


def _broker(text: str) -> str:
    """``127.0.0.1:9093`` from librdkafka's ``sasl_ssl://127.0.0.1:9093/bootstrap: ...`` prefix."""
    match = re.match(r"\s*\w+://([^/\s]+)/", text)
    return f" at {match[1]}" if match else ""


def _reason(text: str, after: str) -> str:
    """The broker's or TLS library's reason in ``text``, after ``after`` and without the
    ``(after 310ms in state AUTH_REQ)`` tail and OpenSSL's ``error:0A000086:SSL routines::`` code."""
    _, found, reason = text.partition(after)
    if not found:
        return ""
    reason = re.sub(r"\s*\(after \d+ms in state \w+\)\s*$", "", reason)
    reason = re.sub(r"error:[0-9A-Fa-f]+:[^:]*::", "", reason)
    return reason.split(", verify that", 1)[0].strip().rstrip(".")


def _authentication(err: KafkaError, principal: str | None) -> str:
    text = err.str()
    if err.code() == KafkaError._SSL:
        reason = _reason(text, "SSL handshake failed:") or text
        return (f"TLS handshake failed{_broker(text)}: {reason}: check ssl.ca.location (the CA that signed the "
                "broker's certificate) and security.protocol in --config or -X")
    mechanism = re.search(r"SASL mechanism ([\w-]+)", text)
    how = f" (SASL {mechanism[1]})" if mechanism else ""
    who = principal or "this client"
    reason = _reason(text, "SASL authentication error:") or text
    return (f"authentication failed for {who}{how}{_broker(text)}: {reason}: check sasl.username, sasl.password "
            "and sasl.mechanism in --config or -X")


def _authorization(err: KafkaError, principal: str | None, topic: str | None, group: str | None,
                   transactional_id: str | None, operation: str | None) -> str:
    code, text = err.code(), err.str()
    who = principal or "this client's principal"
    allow = principal or "User:NAME"
    if code == KafkaError.TOPIC_AUTHORIZATION_FAILED:
        # A fetch or a subscription names itself (Read implies the Describe a subscription also needs);
        # a delivery report does not, so a producer passes operation="Write".
        subscribed = re.search(r"Subscribed topic not available: (\S+):", text)
        topic = topic or (subscribed[1] if subscribed else None)
        op = operation or ("Read" if "Fetch" in text or subscribed else None)
        name = topic or "TOPIC"
        if op is None:
            return (f"not authorized: {who} may not use topic {_quoted(topic)} (it needs Write to produce, Read to "
                    f"consume, Describe for metadata); grant it: {_GRANT} {allow} --operation Write --topic {name}")
        return (f"not authorized: {who} may not {op} topic {_quoted(topic)}; grant it: {_GRANT} {allow} "
                f"--operation {op} --topic {name}")
    if code == KafkaError.GROUP_AUTHORIZATION_FAILED:
        op = operation or "Read"
        return (f"not authorized: {who} may not {op} consumer group {_quoted(group)} (Read is needed to join it and "
                f"commit offsets); grant it: {_GRANT} {allow} --operation {op} --group {group or 'GROUP'}")
    if code == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        op = operation or "Write"
        return (f"not authorized: {who} may not {op} transactional id {_quoted(transactional_id)} (a transactional "
                f"producer needs Write on it); grant it: {_GRANT} {allow} --operation {op} "
                f"--transactional-id {transactional_id or 'TRANSACTIONAL_ID'}")
    op = operation or "IdempotentWrite"
    why = (" (an idempotent or transactional producer needs it on brokers before 2.8; newer ones imply it from "
           "Write on a topic)") if op == "IdempotentWrite" else ""
    return (f"not authorized: {who} may not {op} on the cluster{why}; grant it: {_GRANT} {allow} --operation {op} "
            "--cluster")


def _quoted(name: str | None) -> str:
    return f"'{name}'" if name else "(name not reported)"


def _fenced(err: KafkaError, transactional_id: str | None, group: str | None) -> str:
    if err.code() == KafkaError.FENCED_INSTANCE_ID:
        return (f"fenced by another consumer with the same group.instance.id in group {_quoted(group)}: two "
                "instances share one static member id; give each instance its own, or stop the other")
    tid = f"transactional.id {_quoted(transactional_id)}" if transactional_id else "the same transactional.id"
    return (f"fenced by another instance with {tid}: two instances share the instance id (or this one was "
            "replaced after a pause); give each instance its own id, or stop the other, then restart this one")


def explain(err: KafkaError, *, principal: str | None = None, topic: str | None = None,
            group: str | None = None, transactional_id: str | None = None,
            operation: str | None = None) -> str | None:
    """One line for authentication / authorisation / fenced errors (what is wrong and what to do,
    e.g. the kafka-acls.sh command that grants the missing ACL); None for any other error.

    ``principal`` is who the client logs in as (:func:`principal_of`); ``topic``, ``group`` and
    ``transactional_id`` name the resource the failed call used, and ``operation`` the ACL operation
    it needed (``Write``, ``Read``, ``Describe``, ``IdempotentWrite`` ...), since librdkafka's error
    rarely says either.

    >>> line = explain(KafkaError(KafkaError._AUTHENTICATION, "sasl_ssl://k1:9093/bootstrap: SASL authentication "
    ...                "error: Authentication failed: Invalid username or password (after 301ms in state AUTH_REQ)"),
    ...                principal="User:alice")
    >>> print(line.replace(": ", ":\\n"))
    authentication failed for User:alice at k1:9093:
    Authentication failed:
    Invalid username or password:
    check sasl.username, sasl.password and sasl.mechanism in --config or -X
    """
    kind = kind_of(err)
    if kind == "authentication":
        return _authentication(err, principal)
    if kind == "authorization":
        return _authorization(err, principal, topic, group, transactional_id, operation)
    if kind == "fenced":
        return _fenced(err, transactional_id, group)
    return None


def access_error(err: KafkaError, **context: str | None) -> KafkaAccessError | None:
    """:func:`explain` as an exception to raise (``context`` as its keywords), or ``None``.

    >>> exc = access_error(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED), group="scorer")
    >>> exc.kind, "--group scorer" in str(exc)
    ('authorization', True)
    """
    line = explain(err, **context)
    kind = kind_of(err)
    if line is None or kind is None:
        return None
    return KafkaAccessError(line, kind, code=err.code())


class AccessErrorRecorder:
    """A client's ``error_cb`` that keeps the last refused login, TLS handshake or permission as
    :attr:`last` (a :class:`KafkaAccessError` naming the principal and the fix).

    A refused login reaches ``error_cb`` only: the client's requests just wait for their timeout. A
    caller that waits on a request polls the client and stops as soon as :attr:`last` is set. Calling
    it returns the error it recorded (``None`` for any other error), for callers that do more.

        >>> recorder = AccessErrorRecorder({"sasl.username": "alice"})
        >>> settings = {"bootstrap.servers": "broker:9093", "error_cb": recorder}
    """

    def __init__(self, config: Mapping[str, Any], **context: str | None) -> None:
        self.principal = principal_of(config)
        self.context = context
        self.last: KafkaAccessError | None = None

    def __call__(self, err: KafkaError) -> KafkaAccessError | None:
        access = access_error(err, principal=self.principal, **self.context)
        if access is not None:
            self.last = access
        return access
