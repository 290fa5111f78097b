"""Platform adapters: thin shells that turn platform events into `Showbot.ask` calls and `Reply`s into
platform messages. Each imports its platform library; the core (everything outside this package) never
does, so `showbot ask` stays light.
"""
