"""Drives a running dealflow through the client openapi-python-client generated from its own
OpenAPI document (scripts/openapi-client). Every call is a generated function with generated
models: if the document misdescribes a route, a parameter or an answer, this fails."""

import sys
import uuid

from dealflow_client import AuthenticatedClient, Client
from dealflow_client.api.activities import complete_activity, list_activities
from dealflow_client.api.auth import sign_in
from dealflow_client.api.opportunities import create_opportunity, list_opportunities
from dealflow_client.api.processes import start_process
from dealflow_client.api.users import me
from dealflow_client.models import Complete, CreateOpportunity, Problem, SignIn, StartProcess
from dealflow_client.types import Unset


def check(condition, message):
    if not condition:
        sys.exit(f"openapi client check failed: {message}")


def main(base_url):
    guest = Client(base_url=base_url, raise_on_unexpected_status=True)
    signed = sign_in.sync(client=guest, body=SignIn(email="alexey.petrov@demo.local", password="demo-password"))
    check(not isinstance(signed, Problem) and signed.token, f"signing in: {signed}")
    client = AuthenticatedClient(base_url=base_url, token=signed.token, raise_on_unexpected_status=True)
    who = me.sync(client=client)
    check(who.email == "alexey.petrov@demo.local", f"/me answered {who}")

    # A bad request comes back as a problem document the client reads.
    refused = create_opportunity.sync(client=client, body=CreateOpportunity(title=" "))
    check(isinstance(refused, Problem) and refused.code == "validation_failed", f"an empty title: {refused}")
    check([(e.field, e.code) for e in refused.errors] == [("title", "required")], f"the problem's errors: {refused.errors}")

    word = f"client{uuid.uuid4().hex[:8]}"
    created = create_opportunity.sync(
        client=client,
        body=CreateOpportunity(title=f"Checked by the generated client {word}", amount="150000.5", probability=40, close_date="2027-01-15"),
    )
    check(not isinstance(created, Problem), f"creating: {created}")
    check((created.stage, created.amount, created.probability) == ("qualification", "150000.50", 40), f"created: {created}")

    found = list_opportunities.sync(client=client, q=word.upper(), open_=True, limit=1)
    check([o.id for o in found.items] == [created.id], f"the filter found {[o.title for o in found.items]}")
    first = list_opportunities.sync(client=client, limit=2)
    check(len(first.items) == 2 and isinstance(first.next_cursor, str), f"a page of two and a cursor: {first}")
    second = list_opportunities.sync(client=client, limit=2, cursor=first.next_cursor)
    check(not {o.id for o in second.items} & {o.id for o in first.items}, "the next page goes on where the first ended")

    started = start_process.sync(code="enterprise-sale", client=client, body=StartProcess(opportunity_id=created.id))
    check(not isinstance(started, Problem) and started.instance.status == "running", f"starting the process: {started}")
    open_tasks = list_activities.sync(client=client, opportunity_id=created.id, status="not_started")
    check(len(open_tasks.items) == 2, f"Qualification's two tasks: {[a.title for a in open_tasks.items]}")
    done = complete_activity.sync(id=open_tasks.items[0].id, client=client, body=Complete(result="done", note="Checked"))
    check(not isinstance(done, Problem), f"completing: {done}")
    check((done.activity.status, done.activity.result_note) == ("completed", "Checked"), f"completed: {done.activity}")
    check(not isinstance(done.opportunity, Unset) and done.opportunity.stage == "qualification", "one task left on the stage")
    print(f"openapi client: signed in, created {created.id}, found it by a filter with limit 1, paged, completed {done.activity.id}")


if __name__ == "__main__":
    main(sys.argv[1])
