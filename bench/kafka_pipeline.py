"""The one pipeline every Kafka contender runs: keep influencers' tweets, project four fields.

Standard library only, because the Quix Streams app imports it from its own virtual environment,
where airstream is not installed. Defining the filter and the projection once is what makes the
contenders comparable: they differ in how records move, not in what is done to each.

>>> tweet = {"id_str": "1", "text": "hi @united", "created_at": "Tue Feb 24 19:15:48 +0000 2015",
...          "user": {"screen_name": "ann", "friends_count": 150}}
>>> keep(tweet), project(tweet)["user"]
(True, 'ann')
"""

from __future__ import annotations

from typing import Any

__all__ = ["INFLUENCER_FRIENDS", "keep", "project"]

#: The CloudAir "influencer" rule: users who follow more than this many accounts.
INFLUENCER_FRIENDS = 100


def keep(tweet: dict[str, Any]) -> bool:
    """True for tweets by influencers (``user.friends_count > 100``), about 63% of the sample."""
    return tweet["user"]["friends_count"] > INFLUENCER_FRIENDS


def project(tweet: dict[str, Any]) -> dict[str, Any]:
    """The four fields downstream steps need."""
    return {
        "id": tweet["id_str"],
        "user": tweet["user"]["screen_name"],
        "text": tweet["text"],
        "created_at": tweet["created_at"],
    }
