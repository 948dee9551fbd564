"""工单: registration, the ticket's reads and timeline, drafts, privacy, ledger import, renumbering."""
