"""showbot: answers fans' questions about TV shows from a curated, sourced fact base.

The core (this package minus `bot.adapters`) never imports a chat platform's library.
"""

__version__ = "0.1.0"
