"""The declared engine: streams what a read model's declaration says (models/), with no code of its own."""
