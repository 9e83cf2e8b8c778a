"""Developer tools: local stand-ins used by tests and the offline demo."""
