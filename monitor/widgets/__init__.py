"""Small widgets and cell formatters shared by airmon's screens."""

from airstream.monitor.widgets.live_table import LiveTable
from airstream.monitor.widgets.status_bar import StatusBar

__all__ = ["LiveTable", "StatusBar"]
