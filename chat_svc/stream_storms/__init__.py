"""Streams opening and closing by the thousand (a deploy makes every client of a replica
reconnect at once): what they ask of the database and Valkey is bounded and batched, so
posts never wait behind them (issue 28). ``read_position_writer.py`` stores the read
positions of ending streams in batches from one task; ``known_visitors.py`` spares a
returning person the writes of a first visit; ``coalesced_commands.py`` sends the Valkey
commands asked at the same moment in one pipeline."""
