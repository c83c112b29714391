"""`readside demo`: seed a shop, drive a live workload, show searches and read-your-writes, verify."""
