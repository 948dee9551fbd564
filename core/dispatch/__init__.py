"""派单督办: dispatch, handling by the units, supervision, and the area's reads."""
