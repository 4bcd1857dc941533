"""Review: decisions on proposals, hand-made mappings, handles, and the service search."""
