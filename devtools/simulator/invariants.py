"""What must hold in the database after a simulated run, checked against what the bots did (the run's
`Record`). Each check returns human-readable violations; an empty list means the run is sound.

A handful of statements whatever the run's size: rows are read per run (its accounts and jobs), then
compared in Python."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count

from devtools.simulator.runner import CandidateRun, Record
from recruit.models import (
    AccountJob,
    Candidate,
    Conversation,
    Greeting,
    Job,
    Message,
    Notification,
    RecruitAccount,
    Reservation,
    ScreeningDecision,
)
from recruit.services.conversations import contact_kinds
from wechat.models import WechatAccount, WechatFriend

SHOWN = 5  # violations listed per check; the rest are counted


def check(record: Record) -> list[str]:
    """Every violation found, as one line each."""
    accounts = {a.account_id: a for a in RecruitAccount.objects.filter(platform_id=record.platform_id)}
    jobs = {j.job_id: j for j in Job.objects.filter(platform_id=record.platform_id)}
    missing = [i for i in [*record.accounts.values(), *record.jobs.values()] if i not in accounts and i not in jobs]
    if not record.accounts or missing:
        return [f"setup: not registered: {', '.join(missing) or 'nothing was registered'}"]
    world = World(record, accounts, jobs)
    violations: list[str] = []
    for name, found in (
        ("api", [f"error answer: {line}" for line in record.api_errors]),
        ("greetings", world.greetings()),
        ("screening", world.screening()),
        ("conversations", world.conversations()),
        ("quota", world.quota()),
        ("contacts", world.contacts()),
        ("transcripts", world.transcripts()),
        ("wechat", world.wechat()),
    ):
        violations.extend(f"{name}: {line}" for line in found[:SHOWN])
        if len(found) > SHOWN:
            violations.append(f"{name}: … and {len(found) - SHOWN} more")
    return violations


class World:
    """The run's rows, read once."""

    def __init__(self, record: Record, accounts: dict, jobs: dict):
        self.record = record
        self.account_ids = [a.pk for a in accounts.values()]
        self.job_ids = [j.pk for j in jobs.values()]
        self.account_of = {p: accounts[a] for p, a in record.accounts.items()}
        self.job_of = {p: jobs[j] for p, j in record.jobs.items()}
        by_platform = defaultdict(list)
        for c in record.candidates:
            by_platform[c.platform].append(c.cid)
        self.candidate_pk: dict[tuple[str, str], int] = {}
        for platform, cids in by_platform.items():
            for pk, cid in Candidate.objects.filter(platform=platform, platform_cid__in=cids).values_list(
                "pk", "platform_cid"
            ):
                self.candidate_pk[(platform, cid)] = pk
        self.runs_by_pk = {self.candidate_pk.get((c.platform, c.cid)): c for c in record.candidates}
        self.runs_by_pk.pop(None, None)
        self.convs = list(
            Conversation.objects.filter(job_id__in=self.job_ids)
            .select_related("contact", "account", "job")
            .order_by("pk")
        )

    def key(self, c: CandidateRun) -> tuple[int | None, int]:
        return self.candidate_pk.get((c.platform, c.cid)), self.job_of[c.platform].pk

    def greetings(self) -> list[str]:
        """Greetings are exactly the reported, accepted ones: one per candidate and job, none extra."""
        rows = list(
            Greeting.objects.filter(job_id__in=self.job_ids).values_list("candidate_id", "job_id", "account_id")
        )
        found, out = Counter((cand, job) for cand, job, _account in rows), []
        run_rows = sum(1 for _c, _j, account in rows if account in self.account_ids)
        if run_rows != self.record.accepted:
            out.append(f"{run_rows} greeting rows, but task/report accepted {self.record.accepted}")
        for (cand, job), n in found.items():
            if n > 1:
                out.append(f"{n} greetings for candidate #{cand} on job #{job} (duplicate)")
        reported = {self.key(c) for c in self.record.candidates if c.reported}
        for c in self.record.candidates:
            if c.reported and found[self.key(c)] == 0:
                out.append(f"{c.platform} {c.cid}: reported but no greeting stored (lost)")
            if c.accepted > 1:
                out.append(f"{c.platform} {c.cid}: task/report accepted it {c.accepted} times")
        for pair in found:
            if pair not in reported:
                out.append(f"greeting for candidate #{pair[0]} on job #{pair[1]} that no bot reported")
        return out

    def screening(self) -> list[str]:
        """Every filter call left a decision; a candidate is never screened in twice for a job; only
        cards that pass the criteria are touched."""
        out = []
        decisions = ScreeningDecision.objects.filter(account_id__in=self.account_ids).count()
        calls = sum(self.record.filter_calls.values())
        if decisions != calls:
            out.append(f"{decisions} decisions stored for {calls} filter calls")
        for c in self.record.candidates:
            if c.refilter_touch:
                out.append(f"{c.platform} {c.cid}: touch true again after its greeting (dedupe)")
            if c.touched and not c.fit:
                out.append(f"{c.platform} {c.cid}: touched although its card fails the criteria")
            if c.touched and not c.reported and not c.error:
                out.append(f"{c.platform} {c.cid}: touched but never reported")
        return out

    def conversations(self) -> list[str]:
        """One conversation per candidate and job, and every greeting opened one."""
        out = []
        per = Counter((conv.candidate_id, conv.job_id) for conv in self.convs)
        for (cand, job), n in per.items():
            if n > 1:
                out.append(f"{n} conversations for candidate #{cand} on job #{job} (duplicate)")
        for c in self.record.candidates:
            if c.reported and per[self.key(c)] == 0:
                out.append(f"{c.platform} {c.cid}: greeted but has no conversation (lost)")
        return out

    def quota(self) -> list[str]:
        """No account greeted more than its helloSum on a day, no reservation outlived its report, and
        the last task/fetch agrees with the greetings counted."""
        out = []
        tasks = {
            (t.account_id, t.job_id): t.hello_sum
            for t in AccountJob.objects.filter(account_id__in=self.account_ids, job_id__in=self.job_ids)
        }
        per_day = (
            Greeting.objects.filter(account_id__in=self.account_ids)
            .values("account_id", "job_id", "day")
            .annotate(n=Count("pk"))
        )
        greeted_last_day = Counter()
        for row in per_day:
            limit = tasks.get((row["account_id"], row["job_id"]), 0)
            if row["n"] > limit:
                out.append(f"account #{row['account_id']} greeted {row['n']} on {row['day']}, helloSum {limit}")
            if str(row["day"]) == self.record.day_last:
                greeted_last_day[row["account_id"]] += row["n"]
        left = Reservation.objects.filter(account_id__in=self.account_ids).count()
        if left:
            out.append(f"{left} reservations left although every touch was reported")
        if self.record.day_first == self.record.day_last:
            for platform, remaining in self.record.remaining.items():
                account = self.account_of[platform]
                expected = max(0, self.record.hello_sum[platform] - greeted_last_day[account.pk])
                if remaining != expected:
                    out.append(f"{account.account_id}: task/fetch says {remaining} left, expected {expected}")
        return out

    def contacts(self) -> list[str]:
        """Every contact a candidate gave is on its contact record, and each kind notified exactly once."""
        out = []
        notified: dict[int, Counter] = defaultdict(Counter)
        for conv_id, detail in Notification.objects.filter(
            conversation_id__in=[conv.pk for conv in self.convs], kind=Notification.Kind.CONTACT
        ).values_list("conversation_id", "payload__detail"):
            for kind in filter(None, (detail or "").split(",")):
                notified[conv_id][kind] += 1
        by_key = {(conv.candidate_id, conv.job_id): conv for conv in self.convs}
        for c in self.record.candidates:
            conv = by_key.get(self.key(c))
            if conv is None:
                if c.contacts:
                    out.append(f"{c.platform} {c.cid}: contact given but no conversation")
                continue
            record = getattr(conv, "contact", None)
            for kind in ("phone", "wechat", "email"):
                if c.contacts.get(kind) and (record is None or getattr(record, kind) != c.contacts[kind]):
                    out.append(f"{c.platform} {c.cid}: {kind} given but not on the contact record")
            if c.contacts.get("cv") and (record is None or not record.cv_file):
                out.append(f"{c.platform} {c.cid}: CV uploaded but no file stored")
            held = set(contact_kinds(record)) if record is not None else set()
            counts = notified.get(conv.pk, Counter())
            for kind, n in counts.items():
                if n > 1:
                    out.append(f"{c.platform} {c.cid}: {n} notifications for {kind}")
            if held != set(counts):
                out.append(f"{c.platform} {c.cid}: contact kinds {sorted(held)} but notified {sorted(counts)}")
        return out

    def transcripts(self) -> list[str]:
        """Every line a candidate wrote and every nudge sent is in the transcript, once."""
        out = []
        stored = Counter()
        for row in (
            Message.objects.filter(conversation__in=[conv.pk for conv in self.convs])
            .values("conversation_id", "channel", "speaker")
            .annotate(n=Count("pk"))
        ):
            stored[(row["conversation_id"], row["channel"], row["speaker"])] = row["n"]
        by_key = {(conv.candidate_id, conv.job_id): conv for conv in self.convs}
        for c in self.record.candidates:
            conv = by_key.get(self.key(c))
            if conv is None:
                continue
            wrote = stored[(conv.pk, Message.Channel.PLATFORM, Message.Speaker.USER)]
            if wrote != len(c.user_lines):
                out.append(f"{c.platform} {c.cid}: wrote {len(c.user_lines)} platform lines, {wrote} stored")
            if conv.recall_count != c.recalls:
                out.append(f"{c.platform} {c.cid}: {c.recalls} nudges sent, recall_count {conv.recall_count}")
            wrote = stored[(conv.pk, Message.Channel.WECHAT, Message.Speaker.USER)]
            if wrote != len(c.wechat_user):
                out.append(f"{c.platform} {c.cid}: wrote {len(c.wechat_user)} WeChat lines, {wrote} stored")
            sent = stored[(conv.pk, Message.Channel.WECHAT, Message.Speaker.ROBOT)]
            if sent != len(c.wechat_sent):
                out.append(f"{c.platform} {c.cid}: {len(c.wechat_sent)} WeChat messages sent, {sent} stored")
        return out

    def wechat(self) -> list[str]:
        """One friend per WeChat id given; a friend who wrote is accepted."""
        out = []
        account = WechatAccount.objects.filter(account_id=self.record.wechat_account).first()
        if account is None:
            return [f"WeChat account {self.record.wechat_account} not registered"]
        friends = Counter()
        accepted = set()
        for search_id, accepted_at in WechatFriend.objects.filter(wechat_account=account).values_list(
            "search_id", "accepted_at"
        ):
            friends[search_id] += 1
            if accepted_at is not None:
                accepted.add(search_id)
        for c in self.record.candidates:
            wechat = c.contacts.get("wechat")
            if not wechat:
                continue
            if friends[wechat] != 1:
                out.append(f"{c.platform} {c.cid}: {friends[wechat]} WeChat friends for its WeChat id")
            if c.wechat_user and wechat not in accepted:
                out.append(f"{c.platform} {c.cid}: wrote on WeChat but the friend is not accepted")
        return out
