"""The one-line explanations of authentication, authorisation and fencing errors.

The error texts are librdkafka's own, copied from a run against the secured local broker
(tests/integration/test_secure_kafka.py checks them live); what matters is what a user reads.
"""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from airstream.common.kafka_errors import KafkaAccessError, access_error, explain, kind_of, principal_of

SCRAM_REFUSED = ("sasl_ssl://127.0.0.1:59375/bootstrap: SASL authentication error: Authentication failed during "
                 "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 310ms in state "
                 "AUTH_REQ)")
PLAIN_REFUSED = ("sasl_ssl://127.0.0.1:59375/bootstrap: SASL authentication error: Authentication failed: Invalid "
                 "username or password (after 301ms in state AUTH_REQ)")
UNTRUSTED = ("sasl_ssl://127.0.0.1:59375/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate "
             "verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly "
             "configured or root CA certificates are installed (install ca-certificates package) (after 13ms in "
             "state SSL_HANDSHAKE)")


def test_a_refused_scram_login_says_authentication_who_how_and_where() -> None:
    line = explain(KafkaError(KafkaError._AUTHENTICATION, SCRAM_REFUSED), principal="User:alice")
    assert line is not None and "\n" not in line
    assert line.startswith("authentication failed for User:alice (SASL SCRAM-SHA-512) at 127.0.0.1:59375: ")
    assert "invalid credentials" in line and "sasl.password" in line
    assert "after 310ms" not in line


def test_a_refused_plain_login_keeps_the_brokers_reason() -> None:
    line = explain(KafkaError(KafkaError._AUTHENTICATION, PLAIN_REFUSED), principal="User:bob")
    assert line == ("authentication failed for User:bob at 127.0.0.1:59375: Authentication failed: Invalid username "
                    "or password: check sasl.username, sasl.password and sasl.mechanism in --config or -X")


@pytest.mark.parametrize("code", [KafkaError.SASL_AUTHENTICATION_FAILED, KafkaError.UNSUPPORTED_SASL_MECHANISM])
def test_broker_side_authentication_codes_say_authentication(code: int) -> None:
    line = explain(KafkaError(code))
    assert line is not None and line.startswith("authentication failed for this client")


def test_an_untrusted_broker_certificate_names_ssl_ca_location() -> None:
    line = explain(KafkaError(KafkaError._SSL, UNTRUSTED))
    assert line == ("TLS handshake failed at 127.0.0.1:59375: certificate verify failed: broker certificate could "
                    "not be verified: check ssl.ca.location (the CA that signed the broker's certificate) and "
                    "security.protocol in --config or -X")
    assert kind_of(KafkaError(KafkaError._SSL)) == "authentication"


def test_a_missing_topic_write_acl_names_topic_operation_principal_and_the_grant() -> None:
    line = explain(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED), principal="User:carol", topic="tweets",
                   operation="Write")
    assert line == ("not authorized: User:carol may not Write topic 'tweets'; grant it: kafka-acls.sh "
                    "--bootstrap-server BOOTSTRAP --command-config admin.properties --add --allow-principal "
                    "User:carol --operation Write --topic tweets")


def test_a_failed_fetch_is_a_missing_read() -> None:
    err = KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, "Fetch from broker 1 failed: Broker: Topic authorization "
                     "failed")
    line = explain(err, principal="User:carol", topic="tweets")
    assert line is not None and "may not Read topic 'tweets'" in line and "--operation Read --topic tweets" in line


def test_a_refused_subscription_names_its_topic_and_read() -> None:
    err = KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, "Subscribed topic not available: tweets: Broker: Topic "
                     "authorization failed")
    line = explain(err, principal="User:carol")
    assert line is not None and "User:carol may not Read topic 'tweets'" in line
    assert line.endswith("--operation Read --topic tweets")


def test_an_unknown_topic_operation_lists_what_each_use_needs() -> None:
    line = explain(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    assert line is not None
    assert "this client's principal may not use topic (name not reported)" in line
    assert "Write to produce, Read to consume" in line and "--allow-principal User:NAME" in line


def test_group_transactional_id_and_cluster_acls() -> None:
    group = explain(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED, "FindCoordinator response error: Group "
                               "authorization failed."), principal="User:d", group="scorer")
    assert group is not None and "User:d may not Read consumer group 'scorer'" in group
    assert group.endswith("--operation Read --group scorer")
    txn = explain(KafkaError(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED), principal="User:d",
                  transactional_id="app-0_1")
    assert txn is not None and "may not Write transactional id 'app-0_1'" in txn
    assert txn.endswith("--operation Write --transactional-id app-0_1")
    cluster = explain(KafkaError(KafkaError.CLUSTER_AUTHORIZATION_FAILED), principal="User:d")
    assert cluster is not None and "may not IdempotentWrite on the cluster" in cluster
    assert cluster.endswith("--operation IdempotentWrite --cluster")
    alter = explain(KafkaError(KafkaError.CLUSTER_AUTHORIZATION_FAILED), operation="Alter")
    assert alter is not None and "may not Alter on the cluster;" in alter


@pytest.mark.parametrize("code", [KafkaError.PRODUCER_FENCED, KafkaError._FENCED, KafkaError.INVALID_PRODUCER_EPOCH])
def test_a_fenced_producer_names_the_transactional_id(code: int) -> None:
    line = explain(KafkaError(code), transactional_id="cloudair-scorer-0_0")
    assert line is not None
    assert line.startswith("fenced by another instance with transactional.id 'cloudair-scorer-0_0': two instances "
                           "share the instance id")


def test_a_fenced_static_member_names_the_group() -> None:
    line = explain(KafkaError(KafkaError.FENCED_INSTANCE_ID), group="scorer")
    assert line is not None and "group.instance.id" in line and "'scorer'" in line


@pytest.mark.parametrize("code", [KafkaError._TRANSPORT, KafkaError._MSG_TIMED_OUT, KafkaError._ALL_BROKERS_DOWN,
                                  KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.MSG_SIZE_TOO_LARGE])
def test_other_errors_are_left_to_the_caller(code: int) -> None:
    assert explain(KafkaError(code), principal="User:x", topic="t") is None
    assert kind_of(KafkaError(code)) is None
    assert access_error(KafkaError(code)) is None


def test_access_error_carries_kind_and_code() -> None:
    exc = access_error(KafkaError(KafkaError._AUTHENTICATION, PLAIN_REFUSED), principal="User:bob")
    assert isinstance(exc, KafkaAccessError) and isinstance(exc, RuntimeError)
    assert exc.kind == "authentication" and exc.code == KafkaError._AUTHENTICATION
    assert str(exc).startswith("authentication failed for User:bob")
    assert KafkaAccessError("x", "fenced").kind == "fenced"


@pytest.mark.parametrize(("config", "expected"), [
    ({"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.username": "u", "sasl.password": "p"},
     "User:u"),
    ({"security.protocol": "sasl_plaintext", "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "u"}, "User:u"),
    ({"security.protocol": "SASL_SSL", "sasl.username": "u"}, None),  # librdkafka's default mechanism is GSSAPI
    ({"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER", "sasl.username": "u"}, None),
    ({"security.protocol": "SSL", "sasl.mechanism": "PLAIN", "sasl.username": "u"}, None),
    ({"bootstrap.servers": "k:9092"}, None),
])
def test_principal_of(config: dict[str, str], expected: str | None) -> None:
    assert principal_of(config) == expected


def test_no_line_holds_the_password() -> None:
    config = {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "alice",
              "sasl.password": "s3cr3t-pw"}
    principal = principal_of(config)
    for code in (KafkaError._AUTHENTICATION, KafkaError.TOPIC_AUTHORIZATION_FAILED,
                 KafkaError.GROUP_AUTHORIZATION_FAILED):
        line = explain(KafkaError(code, SCRAM_REFUSED), principal=principal, topic="t", group="g")
        assert line is not None and "User:alice" in line and "s3cr3t-pw" not in line
