//! The read services answer only what their actor may see (SPEC §1): a manager their own
//! records, a supervisor also their team's, never another team's. Every list and page read the
//! web app and the API are built on is asked, page by page, by a manager, a supervisor and the
//! administrator, over data that everyone of the fixture's two teams owns some of.

use std::collections::BTreeSet;

use dealflow_core::Money;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::StartedVia;
use dealflow_core::records::UserRecord;
use dealflow_server::ServiceError;
use dealflow_server::access::Actor;
use dealflow_server::paging::{Page, PageRequest};
use dealflow_server::services::{ActivityFilter, AnalyticsQuery, NewActivity, NewLead, NewOpportunity, OpportunityFilter, ScheduleOf};
use jiff::SignedDuration;

use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends!(
    a_manager_reads_only_their_own_records,
    a_supervisor_reads_their_team_and_never_another_team,
    records_out_of_sight_are_answered_as_missing
);

/// What one person owns: an opportunity with a running process (started by the administrator,
/// so that its activities notify their owner), a lead and a manual task.
struct Owned {
    opportunity: String,
    lead: String,
    task: String,
}

async fn give_everyone_records(app: &TestApp) -> Vec<(UserRecord, Owned)> {
    let people = [app.manager.clone(), app.teammate.clone(), app.loner.clone(), app.supervisor.clone()];
    let mut owned = Vec::new();
    let administrator = app.services.actor(app.admin().await).await.unwrap();
    for person in people {
        let actor = app.actor_of(&person);
        let opportunity = app
            .services
            .create_opportunity(
                actor,
                NewOpportunity {
                    title: format!("Shared deal of {}", person.name),
                    amount: Some(Money::from_minor_units(1_000_000)),
                    ..NewOpportunity::default()
                },
            )
            .await
            .unwrap();
        app.services.start_process(&administrator, "enterprise-sale", Some(&opportunity.id), StartedVia::OpportunityPage).await.unwrap();
        let lead = app
            .services
            .create_lead(actor, NewLead { title: format!("Shared lead of {}", person.name), ..NewLead::default() })
            .await
            .unwrap();
        let task = app
            .services
            .create_activity(
                actor,
                NewActivity {
                    kind: ActivityType::Task,
                    title: format!("Shared task of {}", person.name),
                    owner_id: None,
                    opportunity_id: None,
                    account_id: None,
                    contact_id: None,
                    duration_minutes: None,
                    start_at: None,
                    due_at: Some(app.clock.now() + SignedDuration::from_hours(26)),
                },
            )
            .await
            .unwrap();
        owned.push((person, Owned { opportunity: opportunity.id, lead: lead.id, task: task.id }));
    }
    owned
}

/// Every item of a paged read, two at a time so that paging itself is tried.
async fn every_page<T>(read: impl AsyncFn(&PageRequest) -> Result<Page<T>, ServiceError>) -> Vec<T> {
    let mut items = Vec::new();
    let mut request = PageRequest::first(2);
    loop {
        let page = read(&request).await.unwrap();
        items.extend(page.items);
        match page.next {
            Some(cursor) => request = PageRequest::parse(Some(2), Some(&cursor)).unwrap(),
            None => return items,
        }
    }
}

/// Whose records each read answered, for `actor`, as sets of owner ids.
async fn owners_seen_by(app: &TestApp, actor: &Actor) -> Vec<(&'static str, BTreeSet<String>)> {
    let services = &app.services;
    let mut seen = Vec::new();
    let owners = |ids: Vec<String>| ids.into_iter().collect::<BTreeSet<_>>();

    let all = OpportunityFilter::default();
    let opportunities = every_page(async |page| services.opportunities(actor, &all, page).await).await;
    seen.push(("opportunities", owners(opportunities.iter().map(|o| o.owner_id.clone()).collect())));
    let search = OpportunityFilter { q: Some("shared deal".into()), ..OpportunityFilter::default() };
    let found = every_page(async |page| Ok(services.opportunity_list(actor, &search, None, page).await?.page)).await;
    seen.push(("search", owners(found.iter().map(|o| o.owner_id.clone()).collect())));
    let board = services.board(actor, &dealflow_server::services::BoardFilter::default()).await.unwrap();
    let on_board: Vec<String> = board.columns.iter().flat_map(|c| c.rows.iter().map(|o| o.owner_id.clone())).collect();
    let counted: i64 = board.columns.iter().map(|c| c.count).sum();
    assert_eq!(counted, on_board.len() as i64, "the board counts what it shows");
    seen.push(("board", owners(on_board)));

    let every_activity = ActivityFilter::default();
    let activities = every_page(async |page| services.activities(actor, &every_activity, page).await).await;
    seen.push(("activities", owners(activities.iter().map(|a| a.owner_id.clone()).collect())));
    let (from, to) = (app.clock.now() - SignedDuration::from_hours(24), app.clock.now() + SignedDuration::from_hours(24 * 40));
    let mut scheduled = BTreeSet::new();
    for person in [&app.manager, &app.teammate, &app.loner, &app.supervisor] {
        let theirs = every_page(async |page| services.schedule(actor, &person.id, from, to, page).await).await;
        scheduled.extend(theirs.into_iter().map(|a| a.owner_id));
    }
    seen.push(("schedule", scheduled));
    let schedule_of =
        async |whose: ScheduleOf| every_page(async |page| services.schedule_page(actor, &whose, (from, to), page).await).await;
    let own = schedule_of(ScheduleOf::Own).await;
    seen.push(("own schedule", owners(own.into_iter().map(|e| e.activity.owner_id).collect())));
    let team = schedule_of(ScheduleOf::Team).await;
    seen.push(("team schedule", owners(team.into_iter().map(|e| e.activity.owner_id).collect())));
    let mut picked = BTreeSet::new();
    for person in [&app.manager, &app.teammate, &app.loner, &app.supervisor] {
        let theirs = schedule_of(ScheduleOf::Person(person.id.clone())).await;
        picked.extend(theirs.into_iter().map(|e| e.activity.owner_id));
    }
    seen.push(("picked schedule", picked));

    let leads = every_page(async |page| services.leads(actor, None, page).await).await;
    seen.push(("leads", owners(leads.iter().map(|l| l.owner_id.clone()).collect())));

    let notifications = every_page(async |page| Ok(services.notifications(actor, false, None, page).await?.0)).await;
    seen.push(("notifications", owners(notifications.iter().map(|n| n.user_id.clone()).collect())));
    let header = services.header(actor).await.unwrap();
    seen.push(("header", owners(header.recent.iter().map(|n| n.user_id.clone()).collect())));

    let instances = services.instances(actor, None, 500).await.unwrap();
    let mut instance_owners = BTreeSet::new();
    for instance in instances {
        instance_owners.insert(app.opportunity(&instance.opportunity_id).await.owner_id);
    }
    seen.push(("process instances", instance_owners));
    let pickable = services.analytics_owners(actor, None).await.unwrap();
    seen.push(("analytics people", owners(pickable.into_iter().map(|u| u.id).collect())));
    let assignable = services.assignable_people(actor).await.unwrap();
    seen.push(("assignable people", owners(assignable.into_iter().map(|u| u.id).collect())));
    seen
}

/// Every read answered exactly `expected`'s records: nothing more, and (so that the test could
/// fail) nothing of theirs missing.
async fn assert_reads_see(app: &TestApp, actor: &Actor, expected: &[&UserRecord]) {
    let expected: BTreeSet<String> = expected.iter().map(|u| u.id.clone()).collect();
    let name = |id: &String| {
        [&app.manager, &app.teammate, &app.loner, &app.supervisor].iter().find(|u| &u.id == id).map_or(id.clone(), |u| u.name.clone())
    };
    // The administrator owns nothing and is notified of nothing here.
    let own: BTreeSet<String> = expected.iter().filter(|id| *id == actor.id()).cloned().collect();
    for (read, owners) in owners_seen_by(app, actor).await {
        let expected = if matches!(read, "notifications" | "header" | "own schedule") {
            own.clone()
        } else if matches!(read, "analytics people" | "assignable people") {
            expected.iter().cloned().chain([actor.id().to_owned()]).collect()
        } else {
            expected.clone()
        };
        assert_eq!(
            owners.iter().map(name).collect::<Vec<_>>(),
            expected.iter().map(name).collect::<Vec<_>>(),
            "{read} as {}",
            actor.user().name
        );
    }
    let open = |query: AnalyticsQuery| async move { app.services.analytics(actor, &query).await.unwrap().open };
    let everything = open(AnalyticsQuery::default()).await;
    assert_eq!(everything.count, expected.len() as u64, "analytics as {}", actor.user().name);
    assert_eq!(everything.amount, Money::from_minor_units(1_000_000 * expected.len() as i64));
    let loners = open(AnalyticsQuery { owner_id: Some(app.loner.id.clone()), ..AnalyticsQuery::default() }).await;
    let loner_in_sight = expected.contains(&app.loner.id);
    assert_eq!(loners.count, u64::from(loner_in_sight), "analytics of one person as {}", actor.user().name);
}

async fn a_manager_reads_only_their_own_records(app: TestApp) {
    give_everyone_records(&app).await;
    assert_reads_see(&app, app.actor_of(&app.manager), &[&app.manager]).await;
    assert_reads_see(&app, app.actor_of(&app.loner), &[&app.loner]).await;
}

async fn a_supervisor_reads_their_team_and_never_another_team(app: TestApp) {
    give_everyone_records(&app).await;
    assert_reads_see(&app, app.actor_of(&app.supervisor), &[&app.supervisor, &app.manager, &app.teammate]).await;
    let admin = app.admin().await;
    assert_reads_see(&app, app.actor_of(&admin), &[&app.supervisor, &app.manager, &app.teammate, &app.loner]).await;
}

/// Reads of one record, and lists narrowed to one, out of the reader's sight.
async fn records_out_of_sight_are_answered_as_missing(app: TestApp) {
    let records = give_everyone_records(&app).await;
    let services = &app.services;
    for reader in [&app.manager, &app.supervisor] {
        let actor = app.actor_of(reader);
        for (owner, owned) in &records {
            if actor.sees(&owner.id) {
                assert!(services.opportunity_page(actor, &owned.opportunity).await.is_ok());
                continue;
            }
            let who = format!("{} reading {}'s", reader.name, owner.name);
            let missing = |result: Result<(), ServiceError>, what: &str| {
                assert!(matches!(result, Err(ServiceError::NotFound)), "{who} {what}: {result:?}");
            };
            missing(services.opportunity(actor, &owned.opportunity).await.map(drop), "opportunity");
            missing(services.opportunity_with_process(actor, &owned.opportunity).await.map(drop), "opportunity and process");
            missing(services.opportunity_view(actor, &owned.opportunity).await.map(drop), "opportunity view");
            missing(services.opportunity_page(actor, &owned.opportunity).await.map(drop), "opportunity page");
            missing(services.history(actor, &owned.opportunity).await.map(drop), "history");
            missing(services.activity(actor, &owned.task).await.map(drop), "task");
            missing(services.activity_page(actor, &owned.task).await.map(drop), "task page");
            missing(services.lead(actor, &owned.lead).await.map(drop), "lead");
            missing(services.lead_page(actor, &owned.lead).await.map(drop), "lead page");

            let of_it = ActivityFilter { opportunity_id: Some(owned.opportunity.clone()), ..ActivityFilter::default() };
            let activities = every_page(async |page| services.activities(actor, &of_it, page).await).await;
            assert!(activities.is_empty(), "{who} activities by opportunity");
            let by_owner = OpportunityFilter { owner_id: Some(owner.id.clone()), ..OpportunityFilter::default() };
            let opportunities = every_page(async |page| services.opportunities(actor, &by_owner, page).await).await;
            assert!(opportunities.is_empty(), "{who} opportunities by owner");
            let instances = services.instances(actor, Some(&owned.opportunity), 500).await.unwrap();
            assert!(instances.is_empty(), "{who} process instances by opportunity");
            let notification = app.notifications(owner).await.remove(0);
            let marked = services.mark_notification_read(actor, &notification.id).await;
            assert!(matches!(marked, Err(ServiceError::NotFound)), "{who} notification: {marked:?}");
        }
    }
}
