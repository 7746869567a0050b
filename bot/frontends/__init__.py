"""Front ends: the CLI, the terminal REPL and the Discord bot. They call the answer service and
render its `Answer`; no answering logic lives here."""
