from django.urls import re_path

from recruit import api


def post(route: str, view, *, v2: bool = False) -> list:
    """Bots call with or without a trailing slash, and some endpoints also under `/v2`."""
    routes = [re_path(rf"^{route}/?$", view.as_view())]
    if v2:
        routes.append(re_path(rf"^{route}/v2/?$", view.as_view()))
    return routes


urlpatterns = [
    *post("job/register", api.JobRegisterView),
    *post("job/query", api.JobQueryView),
    *post("account/register", api.AccountRegisterView),
    *post("account/query", api.AccountQueryView),
    *post("account/risk/report", api.AccountRiskReportView),
    *post("account/task/fetch", api.TaskFetchView, v2=True),
    *post("account/task/report", api.TaskReportView, v2=True),
    *post("candidate/filter", api.CandidateFilterView, v2=True),
    *post("candidate/preFilter/v2", api.PreFilterView),
    *post("candidate/chat", api.ChatView, v2=True),
    *post("candidate/result", api.ResultView, v2=True),
    *post("candidate/recallList", api.RecallListView),
    *post("candidate/recallResult", api.RecallResultView),
]
