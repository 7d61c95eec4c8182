"""What a field error says, per validation error type, in Chinese and English.

Every type the validation library can report is here (a test compares this table with the library's own list),
so no client ever reads the library's English under Chinese, or a raw type name. Placeholders are the error's
own context values. The library's trailing detail (`{error}` of a date that did not parse) is English prose
about the input, so only the English text carries it.
"""

from app.core.catalogue import read_catalogue

FIELD_MESSAGES, _ = read_catalogue(__file__, name="field_messages.yaml", english_only=frozenset({"error"}))
