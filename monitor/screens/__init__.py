"""airmon's Textual screens, one small class per module.

Each screen draws from the app's latest :class:`~airstream.monitor.model.ClusterSnapshot` and never calls
Kafka itself; see :class:`~airstream.monitor.screens.base.AirmonScreen`. The app, help and the snapshot tests
know them from :mod:`~airstream.monitor.screens.registry`.
"""

from airstream.monitor.screens.alerts import AlertsScreen
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.screens.confirm import ConfirmScreen
from airstream.monitor.screens.group_detail import GroupDetailScreen
from airstream.monitor.screens.groups import GroupsScreen
from airstream.monitor.screens.help import HelpScreen
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.screens.overview import OverviewScreen
from airstream.monitor.screens.topic_detail import TopicDetailScreen
from airstream.monitor.screens.topics import TopicsScreen
from airstream.monitor.screens.traces import TracesScreen

__all__ = ["AirmonScreen", "AlertsScreen", "ConfirmScreen", "GroupDetailScreen", "GroupsScreen", "HelpScreen",
           "MessagesScreen", "OverviewScreen", "TopicDetailScreen", "TopicsScreen", "TracesScreen"]
