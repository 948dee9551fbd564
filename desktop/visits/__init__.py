"""回访 area: the visit queue, one visit by keyboard, and the re-handling decisions."""
