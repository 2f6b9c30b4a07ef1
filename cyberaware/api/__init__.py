"""Read-only HTTP API for BI tools (``/api/v1``), authenticated by coordinators' API tokens."""
