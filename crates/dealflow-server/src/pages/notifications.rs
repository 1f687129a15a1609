//! The notification centre: the full list, opening a notification (marks it read and goes to
//! its record), marking all read, and the live event stream the header listens to.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use dealflow_core::notification::NotificationKind;
use serde::{Deserialize, Serialize};

use super::session::{NoFields, PageForm, Viewer};
use super::{Chrome, NotificationItem, OrPage, PageResult};
use crate::Services;
use crate::paging::PageRequest;

const LIST_PAGE: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    chrome: Chrome,
    items: Vec<NotificationItem>,
    next: Option<String>,
    unread_only: bool,
    kinds: Vec<super::Choice>,
    filtered: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    cursor: Option<String>,
    #[serde(default)]
    show: String,
    #[serde(default)]
    kind: String,
}

fn kind_words(kind: NotificationKind, t: &super::i18n::Texts) -> &'static str {
    match kind {
        NotificationKind::ActivityAssigned => t.kind_assigned,
        NotificationKind::ActivityReminder => t.kind_reminder,
        NotificationKind::OpportunityStale => t.deal().kind_stale,
        NotificationKind::OpportunityWon => t.kind_won,
        NotificationKind::OpportunityLost => t.kind_lost,
        NotificationKind::WebhookFailing => t.connect().kind_webhook_failing,
    }
}

/// Every notification, newest first, a page at a time, optionally only unread ones or of one kind.
pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let locale = viewer.locale;
    let unread_only = query.show == "unread";
    let kind = NotificationKind::parse(&query.kind);
    let page = PageRequest::lenient(LIST_PAGE, query.cursor.as_deref());
    let (found, _) = services.notifications(&viewer.actor, unread_only, kind, &page).await.or_page(&viewer)?;
    let filters = {
        // The serializer is not Send: it lives only within this block.
        let mut filters = form_urlencoded::Serializer::new(String::new());
        if unread_only {
            filters.append_pair("show", "unread");
        }
        if let Some(kind) = kind {
            filters.append_pair("kind", kind.as_str());
        }
        filters.finish()
    };
    let here = if filters.is_empty() { "/notifications".to_owned() } else { format!("/notifications?{filters}") };
    let page = NotificationsPage {
        chrome: Chrome::load(&services, &viewer, "notifications", &here).await?,
        items: found.items.iter().map(|n| NotificationItem::new(n, viewer.actor.zone(), locale)).collect(),
        next: found.next.map(|cursor| format!("/notifications?{filters}{}cursor={cursor}", if filters.is_empty() { "" } else { "&" })),
        unread_only,
        kinds: NotificationKind::ALL
            .iter()
            .map(|k| super::Choice {
                value: k.as_str().to_owned(),
                label: kind_words(*k, viewer.t()).to_owned(),
                selected: Some(*k) == kind,
            })
            .collect(),
        filtered: unread_only || kind.is_some(),
    };
    Ok(page.into_response())
}

/// Marks the notification read and goes to what it is about.
pub async fn open(State(services): State<Services>, Path(id): Path<String>, form: PageForm<NoFields>) -> PageResult {
    let viewer = &form.viewer;
    let notification = services.mark_notification_read(&viewer.actor, &id).await.or_page(viewer)?;
    let target = match notification.entity_type.as_str() {
        "opportunity" => format!("/opportunities/{}", notification.entity_id),
        "activity" => format!("/activities/{}", notification.entity_id),
        "lead" => format!("/leads/{}", notification.entity_id),
        "stale_opportunities" => "/opportunities?status=stale".to_owned(),
        "webhook_endpoint" => format!("/admin/webhooks/{}", notification.entity_id),
        _ => "/notifications".to_owned(),
    };
    Ok(Redirect::to(&target).into_response())
}

pub async fn read_all(State(services): State<Services>, form: PageForm<NoFields>) -> PageResult {
    let viewer = &form.viewer;
    services.mark_all_notifications_read(&viewer.actor).await.or_page(viewer)?;
    Ok(Redirect::to("/notifications").into_response())
}

/// What the header's script receives for each new notification.
#[derive(Serialize)]
struct LiveNotification {
    id: String,
    title: String,
    body: String,
    when: String,
    /// The viewer's unread count as the stream sends this: the page shows it as it is, so a
    /// notice the page already counted when it was drawn is never counted twice.
    unread: i64,
}

/// New notifications of the viewer as Server-Sent Events (`event: notification`), in their language.
pub async fn events(State(services): State<Services>, viewer: Viewer) -> impl IntoResponse {
    let notifications = services.notifications_for(&viewer.actor).await;
    let locale = viewer.locale;
    let actor = viewer.actor;
    let events = async_stream::stream! {
        for await notification in notifications {
            let item = NotificationItem::new(&notification, actor.zone(), locale);
            let unread = services.unread_count(&actor).await.ok();
            // Without a count the event still brings the notice; the page adds one to what it shows.
            let data = LiveNotification { id: item.id, title: item.title, body: item.body, when: item.when, unread: unread.unwrap_or(-1) };
            let data = serde_json::to_string(&data).expect("notifications serialize");
            yield Ok::<_, Infallible>(Event::default().event("notification").data(data));
        }
    };
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
