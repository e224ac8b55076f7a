"""The examples in the topology modules' docstrings run as written."""

import doctest
import importlib

import pytest

MODULES = ["topology", "topology.builder", "topology.graph", "topology.compile", "topology.state",
           "topology.processor", "topology.errors", "topology.serde_defaults", "topology.testing",
           "topology.engine.cluster", "topology.engine.embedded", "topology.engine.task"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
