"""The README's Python examples that need no broker run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_dsl_example_runs_and_its_assertions_hold(capsys) -> None:
    block = next(b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "TopologyTestDriver" in b)
    exec(compile(block, "README.md", "exec"), {})
    assert "Sub-topology: 0" in capsys.readouterr().out


def test_the_rules_example_parses(monkeypatch) -> None:
    import yaml

    from airstream.monitor.lag import LagSettings
    from airstream.monitor.rules import parse_rules

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    first, settings = re.findall(r"```yaml\n(.*?)```", README, re.S)[:2]
    rules = parse_rules(yaml.safe_load(first))
    assert [r.name for r in rules.rules] == ["scorer-behind", "consumer-stuck", "tweets-idle", "replicas-missing",
                                             "broker-gone"]
    assert [s.rule for s in rules.silences] == ["consumer-stuck"]
    # The settings shown as the defaults are the defaults.
    assert parse_rules(yaml.safe_load(settings)).lag == LagSettings()


def test_the_airmon_guide_example_prints_what_its_comments_say(capsys) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "airmon.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", guide, re.S) if "EmbeddedBrowser" in b)
    exec(compile(block, "docs/airmon.md", "exec"), {})
    promised = [line.split("# ", 1)[1].strip() for line in block.splitlines() if line.startswith("print(")]
    assert capsys.readouterr().out.splitlines() == promised
