"""End-to-end tests: tenant files -> the program applied to the emulator -> the embedder."""
