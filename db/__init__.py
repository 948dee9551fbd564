"""Storage: peewee models on APSW, the connection, schema upgrades and queries.

Never imports Qt, and never imports ``core`` (arrows point down only).
"""
