"""Vision analysers behind one interface: `offline`, `openai` and `openai-compatible`."""
