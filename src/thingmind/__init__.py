"""thingmind: a local, private brain for connected devices."""

__version__ = "0.1.0"
