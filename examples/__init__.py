"""Example apps that use `embedder` the way a real app would."""
