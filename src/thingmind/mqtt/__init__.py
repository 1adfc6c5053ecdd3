"""The MQTT device interface (aiomqtt): discovery, state ingest, commands."""
