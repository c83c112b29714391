"""Read-your-writes: decoding consistency tokens and waiting for a projection to catch up."""
