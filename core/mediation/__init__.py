"""投诉调解: mediation cases, their reads, and the numbers a mediation letter carries."""
