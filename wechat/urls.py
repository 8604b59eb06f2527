from recruit.urls import post
from wechat import api

urlpatterns = [
    *post("account/register", api.AccountRegisterView),
    *post("candidate/taskToDo", api.TaskToDoView),
    *post("candidate/addFriendReport", api.AddFriendReportView),
    *post("candidate/msgSendReport", api.MsgSendReportView),
    *post("candidate/userMsguser", api.UserMsgView),
    *post("candidate/userMsg", api.UserMsgView),
]
