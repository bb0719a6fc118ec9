"""pytest plugin (placeholder until the instrumentation lands): registers nothing yet."""
