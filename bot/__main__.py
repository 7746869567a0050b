"""`python -m bot` runs the newsqa command line."""

from bot.frontends.cli import run

run()
