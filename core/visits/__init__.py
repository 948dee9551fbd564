"""回访: calling the caller back once a ticket is finished (12345 5.4, appendix B.4; GB/T 33358 10.4),
their satisfaction in five levels (12345 5.3.2), and re-handling when they are not satisfied (10.4.2)."""
