"""What every read model shares: settings, the app factory, envelopes, sinks, checkpoints, dead letters."""
