"""The /recruit bot endpoints. Thin: validate, resolve the named entities, call one service."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response

from chatbot.types import Contacts
from hunter_robot.api.views import BotView, LeanBotView
from hunter_robot.errors import InvalidInput, NotFound
from recruit import lookups, selectors, serializers
from recruit.activity import call_stamp
from recruit.models import Job, RecruitAccount
from recruit.platforms.ids import candidate_id_from_info, normalise_candidate_id
from recruit.services.callers import unknown_caller_record
from recruit.services.chat import IncomingLine, candidate_chat
from recruit.services.greetings import greetings_report
from recruit.services.recall import recall_list, recall_result
from recruit.services.registration import account_register, job_register
from recruit.services.results import candidate_result
from recruit.services.risk import account_risk_report
from recruit.services.screening import candidate_filter, candidate_prefilter


def account_for(request, ref) -> RecruitAccount:
    """The account a bot names, its call recorded (`call_stamp`); an unregistered one is counted for
    operators before the NotFound."""
    try:
        account = lookups.account_for(request.caller, ref)
    except lookups.UnregisteredAccount as exc:
        unknown_caller_record(account_id=exc.account_id, path=request.path)
        raise
    call_stamp(account, request.path)
    return account


class JobRegisterView(BotView):
    Input = serializers.JobRegisterInput

    def post(self, request):
        data = self.validated(request)
        caller = request.caller
        caller.require_manage()
        with transaction.atomic():
            lookups.check_registration(caller, Job, data["platformType"], data["platformID"])
            job = job_register(
                team=caller.team(),
                platform=data["platformType"],
                platform_id=data["platformID"],
                name=data["jobName"],
                jd=data.get("jobJD"),
                robot_api=data.get("robotApi"),
                config=data.get("jobConfig"),
            )
            # Created meanwhile by another team's call: refused, and this transaction undoes the edit.
            caller.check_team(job.team_id, "platformID")
        return Response({"jobID": job.job_id})


class JobQueryView(BotView):
    Input = serializers.PlatformRefInput

    def post(self, request):
        data = self.validated(request)
        job = Job.objects.filter(platform=data["platformType"], platform_id=data["platformID"]).first()
        request.caller.check_team(job.team_id if job else None, "platformID")
        if job is None:
            raise NotFound(f"platformID: no {data['platformType']} job {data['platformID']}")
        return Response({"jobID": job.job_id})


class AccountRegisterView(BotView):
    Input = serializers.AccountRegisterInput

    def post(self, request):
        data = self.validated(request)
        caller = request.caller
        caller.require_manage()
        jobs = list({job.pk: job for job in (lookups.job_for(caller, ref) for ref in data["jobs"])}.values())
        task_config = [
            {**entry, "job": lookups.job_for(caller, entry["jobID"])} for entry in data.get("taskConfig", [])
        ]
        with transaction.atomic():
            lookups.check_registration(caller, RecruitAccount, data["platformType"], data["platformID"])
            account = account_register(
                team=caller.team(),
                api_key=caller.key,
                platform=data["platformType"],
                platform_id=data["platformID"],
                jobs=jobs,
                task_config=task_config,
                desc=data.get("desc"),
            )
            # Created meanwhile by another team's call: refused, and this transaction undoes the edit.
            caller.check_team(account.team_id, "platformID")
        call_stamp(account, request.path)  # after the commit: the stamp never waits on the registration
        return Response({"accountID": account.account_id})


class AccountQueryView(BotView):
    Input = serializers.PlatformRefInput

    def post(self, request):
        data = self.validated(request)
        account = RecruitAccount.objects.filter(platform=data["platformType"], platform_id=data["platformID"]).first()
        request.caller.check_account(account, "platformID")
        if account is None:
            raise NotFound(f"platformID: no {data['platformType']} account {data['platformID']}")
        call_stamp(account, request.path)
        return Response({"accountID": account.account_id})


class AccountRiskReportView(BotView):
    """CONTRACT §9: the bot met a platform risk page; the account is paused at once."""

    Input = serializers.RiskReportInput

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        account_risk_report(account=account, kind=data["kind"], detail=data.get("detail", ""))
        return Response({"accountID": account.account_id, "paused": True})


class TaskFetchView(LeanBotView):
    Input = serializers.AccountInput

    @staticmethod
    def failure_data(msg):
        return {"task": []}

    def handle(self, request, data):
        account = account_for(request, data["accountID"])
        job = lookups.explicit_job(request.caller, data.get("jobID"))
        if job is not None:
            job = selectors.resolve_job(account, job)  # Conflict when the account no longer has it
        return {"task": selectors.account_tasks(account, now=timezone.now(), job=job)}


class TaskReportView(LeanBotView):
    Input = serializers.TaskReportInput

    def handle(self, request, data):
        account = account_for(request, data["accountID"])
        explicit = lookups.explicit_job(request.caller, data.get("jobID"))
        job = explicit or selectors.resolve_job(account, None)
        cids = [candidate_ref(account, raw) for raw in data["taskStatus"]]
        # An explicit job is checked against the account's list by the service, under its lock.
        result = greetings_report(account=account, job=job, cids=cids, verify_job=explicit is not None)
        return {
            "status": "ok",
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "remaining": result.remaining,
        }


class CandidateFilterView(BotView):
    Input = serializers.CandidateFilterInput

    @staticmethod
    def failure_data(msg):
        return {"touch": False, "reasons": [msg]}

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        info = data["candidateInfo"]
        cid = data.get("candidateID") or candidate_id_from_info(account.platform, info)
        if cid is None:
            raise InvalidInput("candidateID: this field is required (not found in candidateInfo)")
        decision = candidate_filter(
            account=account,
            job=lookups.explicit_job(request.caller, data.get("jobID")),
            info=info,
            cid=candidate_ref(account, cid),
        )
        return Response({"touch": decision.touch, "reasons": decision.reasons})


class PreFilterView(BotView):
    Input = serializers.PreFilterInput

    @staticmethod
    def failure_data(msg):
        return {"candidate_in_db": False}

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        decision = candidate_prefilter(
            account=account,
            job=lookups.explicit_job(request.caller, data.get("jobID")),
            cid=candidate_ref(account, data["candidate_id"]),
        )
        if decision is None:
            return Response({"candidate_in_db": False})
        return Response({"candidate_in_db": True, "touch": decision.touch, "reasons": decision.reasons})


def candidate_ref(account, raw) -> str:
    try:
        return normalise_candidate_id(account.platform, raw)
    except ValueError:
        raise InvalidInput("candidateID: not a usable candidate id") from None


class ChatView(BotView):
    Input = serializers.ChatInput

    @staticmethod
    def failure_data(msg):
        return {"nextStep": "", "nextStepContent": ""}

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        cid = candidate_ref(account, data["candidateID"])
        answer = candidate_chat(
            account=account,
            job=lookups.explicit_job(request.caller, data.get("jobID")),
            cid=cid,
            name=data["candidateName"].strip(),
            incoming=[IncomingLine(line["speaker"], line["msg"], line.get("time")) for line in data["historyMsg"]],
        )
        return Response({"nextStep": answer.next_step, "nextStepContent": answer.content})


class ResultView(BotView):
    Input = serializers.ResultInput

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        cid = candidate_ref(account, data["candidateID"])
        candidate_result(
            account=account,
            job=lookups.explicit_job(request.caller, data.get("jobID")),
            cid=cid,
            name=data["candidateName"].strip(),
            contacts=Contacts(phone=data.get("phone", ""), wechat=data.get("wechat", ""), email=data.get("email", "")),
            cv=request.FILES.get("cv"),
            filename=data.get("filename", ""),
        )
        return Response({"status": "ok"})


class RecallListView(BotView):
    Input = serializers.RecallListInput

    @staticmethod
    def failure_data(msg):
        return []

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        cids = [candidate_ref(account, raw) for raw in data["candidateIDs"]]
        read = {candidate_ref(account, raw) for raw in data["candidateIDs_read"]}
        return Response(recall_list(account=account, cids=cids, read_cids=read))


class RecallResultView(BotView):
    Input = serializers.RecallResultInput

    def post(self, request):
        data = self.validated(request)
        account = account_for(request, data["accountID"])
        count = recall_result(account=account, cid=candidate_ref(account, data["candidateID"]))
        return Response({"status": "ok", "recall_count": count})
