"""The documents panel, preview and archive batches that several areas share."""
