"""Extract: land each source's records into staging, validate them, publish both atomically."""
