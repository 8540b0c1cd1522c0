"""rasa_sdk actions: thin adapters from a conversation to knowledge/ and records/.

Importing the package (the action server does it after setting up logging)
masks personal data in every log line the server writes.
"""
from records.privacy import install_log_masking

install_log_masking()
