"""The bots: four platform bots (BOSS直聘, 脉脉, 猎聘, LinkedIn) and a WeChat bot, driving the live API over
plain HTTP exactly as the real ones do, with scripted candidates on the other side.

Everything the run did is kept in a `Record` (JSON-serialisable), which `invariants.check` compares with
the database afterwards. No Django import here: the bots know only the wire contract."""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

import httpx

from devtools.simulator import cards, personas

TOUCH_MSG = "您好，我们在招客服专员，五险一金、双休，看您的经历挺合适，方便聊聊吗？"
HELLO_MSG = "您好，我是在招聘平台上和您聊过的招聘顾问"
INTERVIEW_SLOTS = ["周二 14:00", "周三 10:00"]
WECHAT_POLL_SECONDS = 0.2


def job_config() -> dict:
    """The simulated job: a rule-engine job whose criteria the templates pass unless a card names the
    excluded company; a silent candidate who read the greeting may be nudged at once."""
    return {
        "touch_msg": TOUCH_MSG,
        "criteria": {
            "age": [18, 45],
            "min_degree": "大专",
            "exclude_companies": [cards.EXCLUDED_COMPANY],
            "on_missing": "pass",
        },
        "faq": {
            "salary": "底薪 6000，加绩效，综合 7-9K。",
            "location": "北京市朝阳区望京，地铁 14 号线附近。",
            "hours": "早九晚六，双休。",
            "benefits": "五险一金、带薪年假、节日福利。",
        },
        "contact_ask": ["方便留个电话或微信吗？我把岗位详情发您。", "留个联系方式也可以，HR 会尽快联系您。"],
        "max_contact_asks": 2,
        "closing_msg": "好的，已收到，HR 会尽快联系您，感谢！",
        "recall_steps": [{"after_hours": 24, "msg": "{name}您好，{job_name}的岗位还在招，有兴趣可以回我一下～"}],
        "read_recall_after_hours": 0,
        "interview_slots": INTERVIEW_SLOTS,
        "wechat_nudge_after_hours": 0,
    }


class ApiError(Exception):
    """A call that did not answer `ret` 0 (or did not answer at all)."""


@dataclass
class Options:
    base_url: str = "http://127.0.0.1:8000"
    candidates: int = 20
    seed: int = 1
    concurrency: int = 4
    delay: float = 0.0  # seconds a bot waits before each call (its think time)
    speed: float = 0.0  # candidates started per second; 0: as fast as the bots go
    duration: float = 0.0  # seconds; > 0: soak until then, whatever `candidates` says
    tag: str = ""  # part of every platform id of the run, so runs on one database never meet
    quota: int | None = None  # helloSum of each account's task; None: enough for the run
    api_key: str = ""
    timeout: float = 60.0


@dataclass
class CandidateRun:
    index: int
    platform: str
    cid: str
    name: str
    persona: str
    fit: bool
    touched: bool = False
    reasons: list[str] = field(default_factory=list)
    accepted: int = 0  # what task/report counted for this candidate (its retry must count 0)
    reported: bool = False
    refilter_touch: bool | None = None  # a second filter after the greeting: must be false
    user_lines: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    contacts: dict[str, str] = field(default_factory=dict)  # sent with candidate/result
    recalls: int = 0
    wechat_alias: str = ""
    wechat_user: list[str] = field(default_factory=list)
    wechat_sent: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class Record:
    tag: str
    seed: int
    base_url: str
    started: str = ""
    finished: str = ""
    day_first: str = ""
    day_last: str = ""
    jobs: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    hello_sum: dict[str, int] = field(default_factory=dict)
    platform_id: str = ""  # of every job and account of the run
    wechat_account: str = ""
    filter_calls: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    duplicates: int = 0
    remaining: dict[str, int] = field(default_factory=dict)  # the last task/fetch of each account
    requests: int = 0
    api_errors: list[str] = field(default_factory=list)
    candidates: list[CandidateRun] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        known = {f.name for f in fields(cls)}
        record = cls(**{k: v for k, v in data.items() if k in known and k != "candidates"})
        names = {f.name for f in fields(CandidateRun)}
        record.candidates = [CandidateRun(**{k: v for k, v in c.items() if k in names}) for c in data["candidates"]]
        return record


def default_tag() -> str:
    """Base-36 tenths of a second: short, and new for every run on one database."""
    n, digits = int(time.time() * 10), ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return digits


class Simulation:
    """One run. `on_progress(snapshot)` is called from a ticker thread while it runs."""

    def __init__(self, options: Options, *, today: Callable[[], str], on_progress=None):
        self.o = options
        self.tag = options.tag or default_tag()
        self.today = today  # the server's local date (ISO): the command reads it from Django's clock
        self.on_progress = on_progress
        self.record = Record(tag=self.tag, seed=options.seed, base_url=options.base_url)
        headers = {"X-Api-Key": options.api_key} if options.api_key else {}
        pool = max(4, options.concurrency * 2 + 2)
        self.http = httpx.Client(
            base_url=options.base_url.rstrip("/"),
            timeout=options.timeout,
            headers=headers,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.by_wechat: dict[str, CandidateRun] = {}
        self.by_alias: dict[str, CandidateRun] = {}
        self.scripts: dict[int, personas.Script] = {}
        self.platform_done = threading.Event()
        self.stopped = threading.Event()
        self.started_at = 0.0

    # -- transport --------------------------------------------------------------------------------

    def post(self, path: str, body: dict | None = None, *, form: dict | None = None, files=None):
        if self.o.delay:
            time.sleep(self.o.delay)
        try:
            if form is not None:
                response = self.http.post(path, data=form, files=files)
            else:
                response = self.http.post(path, json=body)
            envelope = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._error(f"{path}: {type(exc).__name__}: {exc}")
        with self.lock:
            self.counts["requests"] += 1
        if not isinstance(envelope, dict) or envelope.get("ret") != 0:
            ret = envelope.get("ret") if isinstance(envelope, dict) else None
            msg = envelope.get("msg") if isinstance(envelope, dict) else envelope
            self._error(f"{path}: HTTP {response.status_code} ret {ret}: {msg}")
        return envelope["data"]

    def _error(self, text: str):
        with self.lock:
            self.counts["requests"] += 1
            self.counts["errors"] += 1
            if len(self.record.api_errors) < 50:
                self.record.api_errors.append(text)
        raise ApiError(text)

    # -- setup ------------------------------------------------------------------------------------

    def setup(self) -> None:
        r = self.record
        per_platform = math.ceil(self.o.candidates / len(cards.PLATFORMS)) if not self.o.duration else 10000
        quota = self.o.quota if self.o.quota is not None else max(1, per_platform)
        r.platform_id = platform_id = f"sim-{self.tag}"
        for platform in cards.PLATFORMS:
            job = self.post(
                "/recruit/job/register",
                {
                    "platformType": platform,
                    "platformID": platform_id,
                    "jobName": f"客服专员（模拟 {self.tag}）",
                    "jobJD": "负责在线及电话客户咨询，跟进工单，维护客户关系。",
                    "jobConfig": job_config(),
                },
            )["jobID"]
            slots = [{"time": "09:00", "mount": quota // 2}, {"time": "16:00", "mount": quota - quota // 2}]
            account = self.post(
                "/recruit/account/register",
                {
                    "platformType": platform,
                    "platformID": platform_id,
                    "jobs": [job],
                    "taskConfig": [{"jobID": job, "taskType": "batchTouch", "helloSum": quota, "timeMount": slots}],
                },
            )["accountID"]
            r.jobs[platform], r.accounts[platform], r.hello_sum[platform] = job, account, quota
            r.filter_calls[platform] = 0
            self.fetch(platform)
        r.wechat_account = self.post(
            "/wechat/account/register",
            {"account_id": f"wx-sim-{self.tag}", "recruitAccounts": list(r.accounts.values()), "helloMsg": HELLO_MSG},
        )["account_id"]

    def fetch(self, platform: str) -> None:
        tasks = self.post("/recruit/account/task/fetch", {"accountID": self.record.accounts[platform]})["task"]
        with self.lock:
            self.record.remaining[platform] = sum(task["helloSum"] for task in tasks)

    # -- candidates -------------------------------------------------------------------------------

    def candidate(self, index: int) -> CandidateRun:
        rng = random.Random(f"{self.o.seed}:{index}")
        platform = cards.PLATFORMS[index % len(cards.PLATFORMS)]
        serial = f"{index:05d}"
        if platform == "Linkedin":
            cid = f"linkedin.com/in/sim-{self.tag}-{serial}"
        elif platform in ("Boss", "maimai"):  # numeric ids on these platforms
            cid = str(int(self.tag, 36)) + serial
        else:
            cid = f"sim{self.tag}{serial}"
        persona = personas.persona_of(index, self.o.seed)
        script = personas.script_for(
            persona,
            rng,
            wechat_id=f"sim{self.tag}_{serial}",
            phone="139" + f"{int(self.tag, 36) % 10000:04d}" + f"{index % 10000:04d}",
            email=f"sim.{self.tag}.{serial}@example.com",
        )
        run = CandidateRun(
            index=index, platform=platform, cid=cid, name=script.name, persona=persona, fit=index % 7 != 6
        )
        with self.lock:
            self.scripts[index] = script
            self.record.candidates.append(run)
            if script.wechat:
                self.by_wechat[script.wechat] = run
        return run

    def journey(self, c: CandidateRun) -> None:
        """One candidate on one platform: screened, greeted, chatted with, nudged, results reported."""
        script = self.scripts[c.index]
        account = self.record.accounts[c.platform]
        info = cards.card(c.platform, cid=c.cid, name=c.name, fit=c.fit)
        try:
            if c.index % 10 == 0:
                self.fetch(c.platform)
            answer = self._filter(c, account, info)
            c.touched, c.reasons = answer["touch"], answer["reasons"]
            if not c.touched:
                return
            self._report(c, account)
            if c.index % 4 == 1:  # the bot meets the same card again: never a second true
                c.refilter_touch = self._filter(c, account, info)["touch"]
            if c.index % 3 == 2:  # a retried report: counted once
                self._report(c, account)
            history = [{"speaker": "robot", "msg": TOUCH_MSG}]
            lines = script.platform_lines
            if not lines:  # silent: the bot sees the greeting read and unanswered, and nudges
                lines = self._recall(c, account, history) and script.after_nudge
            for line in lines:
                history.append({"speaker": "user", "msg": line})
                c.user_lines.append(line)
                answer = self.post(
                    "/recruit/candidate/chat",
                    {"accountID": account, "candidateID": c.cid, "candidateName": c.name, "historyMsg": history},
                )
                c.steps.append(answer["nextStep"])
                history.extend(
                    {"speaker": "robot", "msg": part} for part in answer["nextStepContent"].split("\n") if part
                )
                if answer["nextStep"] == "finish":
                    break
            self._result(c, account, script)
        except ApiError as exc:
            c.error = str(exc)
        finally:
            with self.lock:
                self.counts["done"] += 1

    def _filter(self, c: CandidateRun, account: str, info: dict) -> dict:
        with self.lock:
            self.record.filter_calls[c.platform] += 1
        return self.post("/recruit/candidate/filter", {"accountID": account, "candidateInfo": info})

    def _report(self, c: CandidateRun, account: str) -> None:
        answer = self.post(
            "/recruit/account/task/report",
            {"accountID": account, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [c.cid]}}]},
        )
        c.reported = True
        c.accepted += answer["accepted"]
        with self.lock:
            self.record.accepted += answer["accepted"]
            self.record.duplicates += answer["duplicates"]

    def _recall(self, c: CandidateRun, account: str, history: list[dict]) -> bool:
        items = self.post(
            "/recruit/candidate/recallList",
            {"accountID": account, "candidateIDs": [c.cid], "candidateIDs_read": [c.cid]},
        )
        for item in items:
            if item["candidate_id"] == c.cid:
                self.post("/recruit/candidate/recallResult", {"accountID": account, "candidateID": c.cid})
                c.recalls += 1
                history.append({"speaker": "robot", "msg": item["recall_msg"]})
                return True
        return False

    def _result(self, c: CandidateRun, account: str, script: personas.Script) -> None:
        said = "\n".join(c.user_lines)
        given = {
            key: value for key in ("phone", "wechat", "email") if (value := getattr(script, key)) and value in said
        }
        if not given and not script.cv:
            return
        files = None
        if script.cv:
            files = {"cv": (f"{c.name}-简历.pdf", cards.pdf_cv(c.name), "application/pdf")}
        self.post(
            "/recruit/candidate/result",
            form={"accountID": account, "candidateID": c.cid, "candidateName": c.name, "jobID": "", **given},
            files=files,
        )
        c.contacts = {**given, **({"cv": files["cv"][0]} if files else {})}

    # -- WeChat -----------------------------------------------------------------------------------

    def wechat_bot(self, submit: Callable[[CandidateRun], object], busy: Callable[[], bool]) -> None:
        """Polls taskToDo like the WeChat bot until the platform bots are done and nothing is left."""
        idle = 0
        while not self.stopped.is_set():
            if self.wechat_round(submit) or busy() or not self.platform_done.is_set():
                idle = 0
            else:
                idle += 1
                if idle >= 2:
                    return
            time.sleep(WECHAT_POLL_SECONDS)

    def wechat_round(self, submit: Callable[[CandidateRun], object]) -> bool:
        """One taskToDo: adds the friends, sends what it is given, hands each new friend's conversation
        to `submit`. True when there was something to do."""
        try:
            groups = self.post("/wechat/candidate/taskToDo", {"account_id": self.record.wechat_account})["task_list"]
        except ApiError:
            return False
        for group in groups:
            for item in group["content"]:
                try:
                    self._wechat_task(group["task_type"], item, submit)
                except ApiError:
                    pass
        return bool(groups)

    def _wechat_task(self, kind: str, item: dict, submit: Callable[[CandidateRun], object]) -> None:
        wx = self.record.wechat_account
        if kind == "add_friend":
            self.post(
                "/wechat/candidate/addFriendReport",
                {"account_id": wx, "search_id": item["search_id"], "alias_id": item["alias_id"]},
            )
            c = self.by_wechat.get(item["search_id"])
            if c is not None and not c.wechat_alias:
                c.wechat_alias = item["alias_id"]
                with self.lock:
                    self.by_alias[c.wechat_alias] = c
                submit(c)
        elif kind == "send_msg":
            self.post(
                "/wechat/candidate/msgSendReport",
                {"account_id": wx, "alias_id": item["alias_id"], "msg_send": item["msg"]},
            )
            if (c := self.by_alias.get(item["alias_id"])) is not None:
                c.wechat_sent.append(item["msg"])

    def wechat_journey(self, c: CandidateRun) -> None:
        """The candidate accepts the friend request and talks until an interview time is agreed."""
        wx = self.record.wechat_account
        try:
            for line in self.scripts[c.index].wechat_lines:
                c.wechat_user.append(line)
                reply = self.post(
                    "/wechat/candidate/userMsguser", {"account_id": wx, "alias_id": c.wechat_alias, "msg_receive": line}
                )["msg"]
                if reply:
                    self.post(
                        "/wechat/candidate/msgSendReport",
                        {"account_id": wx, "alias_id": c.wechat_alias, "msg_send": reply},
                    )
                    c.wechat_sent.append(reply)
        except ApiError as exc:
            c.error = c.error or str(exc)
        with self.lock:
            self.counts["wechat_done"] += 1

    # -- the run ----------------------------------------------------------------------------------

    def snapshot(self) -> dict:
        with self.lock:
            runs = list(self.record.candidates)
            counts = dict(self.counts)
        return {
            "elapsed": time.monotonic() - self.started_at,
            "candidates": len(runs),
            "done": counts.get("done", 0),
            "greeted": sum(1 for c in runs if c.reported),
            "replied": sum(1 for c in runs if c.user_lines),
            "contact": sum(1 for c in runs if c.contacts or (c.persona == personas.GIVES_WECHAT and c.user_lines)),
            "wechat": sum(1 for c in runs if c.wechat_user),
            "requests": counts.get("requests", 0),
            "errors": counts.get("errors", 0),
        }

    def _ticker(self) -> None:
        while not self.stopped.wait(0.5):
            self.on_progress(self.snapshot())

    def run(self) -> Record:
        r = self.record
        self.started_at = time.monotonic()
        r.started = datetime.now().astimezone().isoformat(timespec="seconds")
        r.day_first = self.today()
        ticker = None
        if self.on_progress is not None:
            ticker = threading.Thread(target=self._ticker, daemon=True)
            ticker.start()
        try:
            self.setup()
            if self.o.concurrency <= 1:
                self._serial()
            else:
                self._concurrent()
            for platform in cards.PLATFORMS:
                self.fetch(platform)
        except ApiError:
            pass  # recorded in api_errors; the checks report it
        finally:
            self.stopped.set()
            self.platform_done.set()
            if ticker is not None:
                ticker.join()
                self.on_progress(self.snapshot())
            self.http.close()
            r.requests = self.counts["requests"]
            r.day_last = self.today()
            r.finished = datetime.now().astimezone().isoformat(timespec="seconds")
            r.candidates.sort(key=lambda c: c.index)
        return r

    def _serial(self) -> None:
        """One bot call at a time (the platform bots and the WeChat bot take turns): the order of every
        call is fixed by the seed."""
        for index in self._indexes():
            self.journey(self.candidate(index))
            self.wechat_round(self.wechat_journey)
        self.platform_done.set()
        while self.wechat_round(self.wechat_journey):
            pass

    def _concurrent(self) -> None:
        with ThreadPoolExecutor(max_workers=self.o.concurrency, thread_name_prefix="bot") as pool:
            journeys: list[Future] = []

            def submit(c: CandidateRun) -> None:
                journeys.append(pool.submit(self.wechat_journey, c))

            def busy() -> bool:
                return any(not future.done() for future in journeys)

            wechat = threading.Thread(target=self.wechat_bot, args=(submit, busy), daemon=True)
            wechat.start()
            self._drive(pool)
            self.platform_done.set()
            wechat.join()
            wait(journeys)

    def _indexes(self):
        """Candidate numbers, at the chosen speed, until `candidates` or `duration` is reached."""
        end = self.started_at + self.o.duration if self.o.duration else None
        for index in itertools.count():
            if end is None and index >= self.o.candidates:
                return
            if end is not None and time.monotonic() >= end:
                return
            if self.o.speed:
                pause = self.started_at + index / self.o.speed - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            yield index

    def _drive(self, pool: ThreadPoolExecutor) -> None:
        """Start candidates at the chosen speed, at most a few per bot thread in flight."""
        in_flight: set[Future] = set()
        for index in self._indexes():
            while len(in_flight) >= self.o.concurrency * 2:
                _done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            in_flight.add(pool.submit(self.journey, self.candidate(index)))
        wait(in_flight)
