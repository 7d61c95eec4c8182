"""Error codes this package answers with: messages.yaml beside this module, in Chinese and English."""

from app.core.catalogue import read_catalogue

MESSAGES, TITLES = read_catalogue(__file__)
