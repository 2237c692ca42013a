"""Adapters to outside systems; each imports its heavy library only when used."""
