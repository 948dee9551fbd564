"""系统管理 area: accounts, topics, units, calendar, rules, templates, reminders, trial."""
