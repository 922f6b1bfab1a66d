"""glassnet (namespace assembled once all modules exist)."""
