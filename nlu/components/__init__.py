"""Custom Rasa components for Chinese. Rasa imports this package while it loads the model,
after it has set up logging, so personal data is masked in the Rasa server's logs from here on."""
try:
    from records.privacy import install_log_masking
except ImportError:  # the records package is not on the path (a bare component test)
    pass
else:
    install_log_masking()
