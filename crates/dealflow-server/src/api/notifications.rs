//! `/notifications`: the caller's notification centre, and its live stream (Server-Sent Events).

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use dealflow_core::Locale;
use dealflow_core::records::NotificationRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Caller, Params, flag, page};
use super::problem::{ApiResult, Problem};
use crate::Services;

#[derive(Debug, Serialize, ToSchema)]
pub struct EntityRef {
    /// `opportunity`, `activity`, `lead`, `webhook_endpoint`, or `stale_opportunities`: the list
    /// of the recipient's (a supervisor's: the team's) deals without a next step, `id` being the
    /// recipient's.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub user_id: String,
    /// `activity_assigned`, `activity_reminder`, `opportunity_won`, `opportunity_lost`,
    /// `opportunity_stale` (the next-step watchdog's) or `webhook_failing` (to administrators).
    pub kind: String,
    /// In the reader's language.
    pub title: String,
    pub body: String,
    pub entity: EntityRef,
    pub created_at: String,
    pub read_at: Option<String>,
}

impl NotificationView {
    pub fn new(n: &NotificationRecord, locale: Locale) -> NotificationView {
        NotificationView {
            id: n.id.clone(),
            user_id: n.user_id.clone(),
            kind: n.kind.clone(),
            title: n.title.get(locale).to_owned(),
            body: n.body.get(locale).to_owned(),
            entity: EntityRef { kind: n.entity_type.clone(), id: n.entity_id.clone() },
            created_at: n.created_at.to_string(),
            read_at: n.read_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread_count: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `true`: only unread ones.
    #[param(value_type = Option<bool>)]
    pub unread: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The caller's notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/notifications", operation_id = "list_notifications", tag = "notifications", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = NotificationPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<NotificationPage>> {
    let page = page(params.limit.as_deref(), params.cursor.as_deref())?;
    let unread_only = flag("unread", params.unread.as_deref())?.unwrap_or(false);
    let (found, unread_count) = services.notifications(&caller.actor, unread_only, None, &page).await?;
    let items = found.items.iter().map(|n| NotificationView::new(n, caller.locale)).collect();
    Ok(Json(NotificationPage { items, next_cursor: found.next, unread_count }))
}

/// Mark one notification read.
#[utoipa::path(post, path = "/notifications/{id}/read", operation_id = "read_notification", params(("id" = String, Path, description = "the record's id")), tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<NotificationView>> {
    let notification = services.mark_notification_read(&caller.actor, &id).await?;
    Ok(Json(NotificationView::new(&notification, caller.locale)))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(post, path = "/notifications/read-all", operation_id = "read_all_notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem)))]
pub async fn read_all(State(services): State<Services>, caller: Caller) -> ApiResult<Json<UnreadCount>> {
    services.mark_all_notifications_read(&caller.actor).await?;
    Ok(Json(UnreadCount { unread_count: 0 }))
}

/// Each new notification of the caller as a Server-Sent Event (`event: notification`, JSON data).
#[utoipa::path(get, path = "/notifications/stream", operation_id = "notification_stream", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", description = "one event per new notification"), (status = 401, body = Problem)))]
pub async fn stream(State(services): State<Services>, caller: Caller) -> Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>> {
    let notifications = services.notifications_for(&caller.actor).await;
    let locale = caller.locale;
    let events = async_stream::stream! {
        for await notification in notifications {
            let view = NotificationView::new(&notification, locale);
            let data = serde_json::to_string(&view).expect("notifications serialize");
            yield Ok(Event::default().event("notification").id(view.id.clone()).data(data));
        }
    };
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
