"""Small widgets and cell formatters shared by airmon's screens."""

from monitor.widgets.live_table import LiveTable
from monitor.widgets.status_bar import StatusBar

__all__ = ["LiveTable", "StatusBar"]
