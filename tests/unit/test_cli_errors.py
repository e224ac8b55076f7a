"""User errors end in one line and the documented exit code, from the real commands: airstream run with
a broken topology script, airmon with client properties librdkafka refuses or Java-only logins, and
`airstream kafka --help`. `--verbose` / `--log-level DEBUG` add the detail."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import NOWHERE, one_line, run_module

from airstream.common.client_config import ConfigError, client_config


@pytest.mark.parametrize(("script", "said"), [
    ("def broken(:\n", "has a syntax error at line 1: invalid syntax"),
    ("raise RuntimeError('no model server configured')\n",
     "failed: RuntimeError: no model server configured (--verbose or --log-level DEBUG shows the traceback)"),
    ("import no_such_dependency_here\n", "no module named 'no_such_dependency_here'"),
])
def test_a_broken_topology_script_is_one_line_and_exit_2(tmp_path: Path, script: str, said: str) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(script)
    result = run_module("airstream.cli", "run", f"{path}:topology", "--bootstrap", NOWHERE, "--application-id", "x")
    assert result.returncode == 2
    assert one_line(result).startswith("airstream run: ") and said in result.stderr


def test_an_unknown_topology_module_is_named() -> None:
    result = run_module("airstream.cli", "run", "cloudair_pipelines.missing:topology", "--bootstrap", NOWHERE,
                  "--application-id", "x")
    assert result.returncode == 2
    assert "cannot import cloudair_pipelines.missing: no module named 'cloudair_pipelines'" in one_line(result)


def test_per_request_http_lines_are_debug_only(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text("import logging\nlogging.getLogger('httpx').info('HTTP Request: POST http://model/score')\n")
    quiet = run_module("airstream.cli", "run", f"{path}:topology", "--bootstrap", NOWHERE, "--application-id", "x")
    assert "HTTP Request" not in quiet.stderr and quiet.returncode == 2
    loud = run_module("airstream.cli", "run", f"{path}:topology", "--bootstrap", NOWHERE, "--application-id", "x",
                "--log-level", "DEBUG")
    assert "HTTP Request: POST http://model/score" in loud.stderr


@pytest.mark.parametrize(("override", "said"), [
    ("no.such.key=1", 'client configuration refused: No such configuration property: "no.such.key" '
                      "(fix it in --config or -X)"),
    ("security.protocol=bogus", 'Invalid value "bogus" for configuration property "security.protocol"'),
])
def test_airmon_names_a_client_property_librdkafka_refuses(override: str, said: str) -> None:
    result = run_module("airstream.monitor.cli", "snapshot", "--bootstrap", NOWHERE, "-X", override)
    assert result.returncode == 2 and said in one_line(result)
    verbose = run_module("airstream.monitor.cli", "snapshot", "--bootstrap", NOWHERE, "-X", override, "--verbose")
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr


def test_airmon_refuses_a_java_only_login_in_one_line_without_the_password(tmp_path: Path) -> None:
    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config="
                     "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                     'clientId="svc" clientSecret="t0p-s3cret";\n')
    result = run_module("airstream.monitor.cli", "snapshot", "--bootstrap", NOWHERE, "--config", str(props))
    line = one_line(result)
    assert result.returncode == 2 and "t0p-s3cret" not in result.stderr
    assert "sasl.jaas.config with OAuthBearerLoginModule is Java-only" in line and "sasl.oauthbearer.*" in line


def test_java_plain_and_scram_logins_become_librdkafka_credentials(tmp_path: Path) -> None:
    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config="
                     "org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
                     '    username="cloudair" password="pa ss";\n')
    config = client_config(NOWHERE, props)
    assert (config["sasl.username"], config["sasl.password"], config["sasl.mechanism"]) == \
        ("cloudair", "pa ss", "SCRAM-SHA-512")
    assert "sasl.jaas.config" not in config
    assert client_config(NOWHERE, props, ["sasl.username=other"])["sasl.username"] == "other"  # -X wins
    plain = client_config(NOWHERE, overrides=[
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="a" '
        'password="b\\"c";'])
    assert (plain["sasl.mechanism"], plain["sasl.username"], plain["sasl.password"]) == ("PLAIN", "a", 'b"c')
    with pytest.raises(ConfigError, match=r"needs sasl\.mechanism=SCRAM-SHA-256 or SCRAM-SHA-512"):
        client_config(NOWHERE, overrides=['sasl.jaas.config=org.apache.kafka.common.security.scram.'
                                          'ScramLoginModule required username="a" password="b";'])


def test_airstream_kafka_help_shows_the_kafka_commands() -> None:
    result = run_module("airstream.cli", "kafka", "--help")
    assert result.returncode == 0 and "usage: airstream kafka" in result.stdout and "{up,down,status}" in result.stdout
