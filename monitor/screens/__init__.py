"""airmon's Textual screens, one small class per module.

Each screen draws from the app's latest :class:`~monitor.model.ClusterSnapshot` and never calls
Kafka itself; see :class:`~monitor.screens.base.AirmonScreen`.
"""

from monitor.screens.alerts import AlertsScreen
from monitor.screens.base import AirmonScreen
from monitor.screens.confirm import ConfirmScreen
from monitor.screens.group_detail import GroupDetailScreen
from monitor.screens.groups import GroupsScreen
from monitor.screens.help import HelpScreen
from monitor.screens.messages import MessagesScreen
from monitor.screens.overview import OverviewScreen
from monitor.screens.topic_detail import TopicDetailScreen
from monitor.screens.topics import TopicsScreen

__all__ = ["AirmonScreen", "AlertsScreen", "ConfirmScreen", "GroupDetailScreen", "GroupsScreen", "HelpScreen",
           "MessagesScreen", "OverviewScreen", "TopicDetailScreen", "TopicsScreen"]
