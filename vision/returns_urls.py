"""The officers' annual return (年度報告) screens."""

app_name = "returns"

urlpatterns: list = []
