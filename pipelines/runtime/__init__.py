"""Every reach into faust's, mode's and aiokafka's private internals, in one package, each module naming the
upstream behaviour it works around (ARCHITECTURE.md, "Where Faust is worked around"): the app and its agents
(factory.py), the consumer (kafka.py, delivery.py), batching (batching.py), table stores and writes (stores.py,
tables.py), and stopping for good (failstop.py, watchdog.py). Read models, the declared engine and the core
use the functions here, never the internals behind them; a library upgrade touches this folder."""
