"""话务记录: the phone system's call records, imported, linked to the tickets registered during them,
and the answering figures the standards set (12345 5.1.3.2; 12365 3.7, 3.8; GB/T 33358 10.1.2)."""
