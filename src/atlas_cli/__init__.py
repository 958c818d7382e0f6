"""atlas: curate the evidence behind the ME/CFS research atlas."""

__version__ = "0.1.0"
