"""Answering: question analysis, the offline reader, the LLM chain with citation checking, and the
answer service every front end calls. Imports `retrieval` and `prompts`, never a front end."""
