"""What every service shares: settings base, event contracts, NATS/JetStream, store, web."""
