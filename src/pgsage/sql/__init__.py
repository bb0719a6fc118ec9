"""SQL text: parsing with libpg_query (pglast) and what the checks and the advisor read from it."""
