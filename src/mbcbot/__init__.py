"""mbcbot: answers about metastatic breast cancer, quoted from one medically reviewed slideshow."""

__version__ = "0.1.0"
