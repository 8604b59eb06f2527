"""Development tools shared by the test suite and `bench/`: real local peers (an OpenAI-protocol server,
an external algorithm server, a webhook receiver). Not imported by the application."""
