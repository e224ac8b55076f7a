"""`airmon` without a broker: help, usage errors, client properties (file, -X, env) and secret masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from airstream.common.client_config import ConfigError, client_config, load_properties
from airstream.common.redact import redact, scrub
from airstream.monitor.cli import main


def test_help_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: airmon" in out and "snapshot" in out and "check" in out and "--allow-writes" in out
    assert main(["check", "--help"]) == 0
    assert "exit 1 if any fires" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv", [["check"], ["snapshot", "--samples", "many"], ["frobnicate"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: airmon" in capsys.readouterr().err


def test_missing_bootstrap_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AIRSTREAM_BOOTSTRAP", raising=False)
    assert main(["snapshot"]) == 2
    assert capsys.readouterr().err.strip() == (
        "airmon: no Kafka bootstrap servers: pass --bootstrap host:9092, set $AIRSTREAM_BOOTSTRAP, or put "
        "bootstrap.servers in the --config file")


def test_unreachable_cluster_exits_2_without_leaking_secrets(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=127.0.0.1:1\nsasl.password=hunter2-pass\n")
    assert main(["snapshot", "--config", str(props), "--timeout", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("airmon: cannot read the cluster at 127.0.0.1:1:")
    assert "hunter2" not in captured.err


def test_rules_file_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{name: lag, kind: group_lag}]")
    assert main(["check", "-b", "127.0.0.1:1", "--rules", str(rules)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"airmon: {rules}: rules[0] ('lag'): field 'above' is required for kind group_lag")


def test_properties_file_then_x_then_bootstrap(tmp_path: Path) -> None:
    props = tmp_path / "client.properties"
    props.write_text("""# SASL over TLS, as written for the Java tools
bootstrap.servers=from-file:9093
security.protocol=SASL_SSL
sasl.mechanism: PLAIN
sasl.username = svc
sasl.password=s3cr=t
ssl.ca.location=/etc/ca.pem
""")
    cfg = client_config(config_file=props, overrides=["sasl.mechanism=SCRAM-SHA-512", "client.id=airmon"], env={})
    assert cfg == {"bootstrap.servers": "from-file:9093", "security.protocol": "SASL_SSL",
                   "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "svc", "sasl.password": "s3cr=t",
                   "ssl.ca.location": "/etc/ca.pem", "client.id": "airmon"}
    assert client_config("cli:9092", props, env={})["bootstrap.servers"] == "cli:9092"
    assert client_config(env={"AIRSTREAM_BOOTSTRAP": "env:9092"}) == {"bootstrap.servers": "env:9092"}
    assert redact(cfg)["sasl.password"] == "***" and redact(cfg)["sasl.username"] == "svc"
    assert scrub("login with s3cr=t failed", cfg) == "login with *** failed"


def test_bad_properties_and_overrides(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist: check the --config path"):
        load_properties(tmp_path / "nope.properties")
    with pytest.raises(ConfigError, match=r"-X 'sasl.password' is not key=value"):
        client_config("b:1", overrides=["sasl.password"], env={})
    with pytest.raises(ConfigError, match=r"-X '=x' is not key=value"):
        client_config("b:1", overrides=["=x"], env={})

