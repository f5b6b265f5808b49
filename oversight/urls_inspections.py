"""Pages for reports and what hangs off them (namespace "oversight")."""

urlpatterns: list = []
