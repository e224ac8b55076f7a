"""The examples in the topology modules' docstrings run as written."""

import doctest
import importlib

import pytest

MODULES = ["airstream.topology", "airstream.topology.builder", "airstream.topology.graph", "airstream.topology.compile",
           "airstream.topology.state", "airstream.topology.processor", "airstream.topology.errors",
           "airstream.topology.serde_defaults", "airstream.topology.testing", "airstream.topology.engine.cluster",
           "airstream.topology.engine.embedded", "airstream.topology.engine.task"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
