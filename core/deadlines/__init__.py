"""时限: the working-day calendar, holiday notices, deadline rules, clocks and reminders."""
