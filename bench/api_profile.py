"""Where a task endpoint's time goes: cProfile over N in-process requests (Django's test client, the
whole middleware stack) and the SQL of one request. Uses api_bench's data set and endpoints.

    .venv/bin/python bench/api_profile.py --database-url postgres://postgres@127.0.0.1:5432/hunter_bench \\
        --cache-url redis://127.0.0.1:6379/14 fetch -n 2000

The test client skips gunicorn's HTTP parsing and socket work, so the total here is below the server
CPU per request that api_bench measures; the split between the layers is what this is for.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

from api_bench import ENDPOINTS, HOST, RATE_LIMIT, account_ids, seed, setup_django


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=list(ENDPOINTS))
    parser.add_argument("-n", type=int, default=2000, help="requests to profile")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", ""))
    parser.add_argument("--rate-limit", default=RATE_LIMIT)
    parser.add_argument("--top", type=int, default=40, help="rows of the profile to print")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, …)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or $DATABASE_URL) is required")
    setup_django(
        {
            "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
            "DATABASE_URL": args.database_url,
            "CACHE_URL": args.cache_url,
            "API_RATE_LIMIT": args.rate_limit,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    print(seed(accounts=20, candidates=5000))
    accounts = account_ids(20)
    path, template = ENDPOINTS[args.endpoint]
    client = Client(REMOTE_ADDR=HOST)
    base = f"p{int(time.time())}"
    counter = 0

    def call() -> None:
        nonlocal counter
        counter += 1
        body = template.replace("@A@", accounts[counter % len(accounts)]).replace("@N@", f"{base}-{counter}")
        response = client.generic("POST", path, body.encode(), content_type="application/json")
        assert response.status_code == 200, response.content

    for _ in range(len(accounts) + 5):
        call()  # every account stamped, caches warm
    with CaptureQueriesContext(connection) as ctx:
        call()
    print(f"SQL of one {args.endpoint} request ({len(ctx.captured_queries)} statements):")
    for query in ctx.captured_queries:
        print(f"  [{query['time']}s] {query['sql'][:600]}")
    profiler = cProfile.Profile(time.process_time)  # CPU only: waits on PostgreSQL and Redis are not in it
    started = time.process_time()
    profiler.enable()
    for _ in range(args.n):
        call()
    profiler.disable()
    cpu = time.process_time() - started
    print(f"\n{args.n} requests, {cpu / args.n * 1000:.3f} ms CPU each under the profiler")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(args.top)
    started = time.process_time()
    for _ in range(args.n):
        call()
    cpu = time.process_time() - started
    print(f"{args.n} requests without the profiler: {cpu / args.n * 1000:.3f} ms CPU each (this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
