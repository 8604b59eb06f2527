"""A bot simulator: drives the live HTTP API as the platform bots and the WeChat bot would, with
simulated candidates following scripted personas, then checks the database's invariants.

`manage.py simulate` (and `make demo`) run it. `cards` builds synthetic candidate cards from the
templates shipped beside it (`cards.json`), `personas` scripts what each candidate says, `runner` is
the bots, `invariants` the checks over what the run recorded. Nothing here imports `tests/`."""
