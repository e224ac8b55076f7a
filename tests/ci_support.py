"""What a test does when something it needs (a Kafka broker, Java and Maven) is missing: under
``CI=true`` it fails, so CI can never go green by skipping; elsewhere it skips with the reason."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def under_ci() -> bool:
    """Whether ``CI`` is set to true (as ``.ci/run`` does)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(what: str, detail: str) -> NoReturn:
    """Fail under CI, skip elsewhere: ``what`` is missing, ``detail`` says why and the fix."""
    if under_ci():
        pytest.fail(f"CI=true and {what}: {detail}", pytrace=False)
    pytest.skip(f"{what}: {detail.splitlines()[0]}")
