"""Asking: a question read once, its turn in the chat, intents, search, refusal and the reply."""
