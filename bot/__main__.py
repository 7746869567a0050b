"""`python -m bot` runs the newsqa command line."""

from bot.cli import app

app()
