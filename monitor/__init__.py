"""airmon: a terminal monitor for Kafka topics, consumer groups, lag and alerts."""
