"""Hotline Desk rules and use cases. Never imports Qt."""

__version__ = "0.1.0"
APP_NAME = "热线工作台"
