"""The base class of every bot endpoint."""

from __future__ import annotations

from rest_framework.views import APIView

from hunter_robot.api.auth import authenticate
from hunter_robot.api.throttle import BotRateThrottle


class BotView(APIView):
    """POST-only, envelope-wrapped, authenticated by API key or trusted network.

    `failure_data(msg)`, a staticmethod, gives the `data` a failure carries, for clients that read it
    without checking `ret` (CONTRACT §1); the middleware calls it on the class. `Input` is the DRF
    serializer validating the body. `scraped_text` lists the body paths holding scraped page text
    ("[]" = every item): the JSON parser removes NUL characters and lone surrogates there instead of
    refusing the body (CONTRACT §1).
    """

    http_method_names = ["post"]
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [BotRateThrottle]
    failure_data = None
    Input = None
    scraped_text: tuple[str, ...] = ("candidateInfo", "historyMsg[].msg")

    def perform_authentication(self, request) -> None:
        request.caller = authenticate(request)

    def validated(self, request) -> dict:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
