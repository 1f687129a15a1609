//! Administration (SPEC §6): the opportunity stages lookup, the lead stages and lost reasons,
//! system settings, users and webhooks. Every page here is for administrators only (the services refuse
//! anyone else; the pages do not even draw their forms for them); a form refused by a check
//! comes back with what was typed and the message beside the field.

mod lookups;
mod settings;
mod stages;
mod users;
mod webhooks;

pub use lookups::{create_lead_stage, create_reason, delete_lead_stage, lookups, save_lead_stage, save_reason};
pub use settings::{save_setting, settings};
pub use stages::{create_stage, delete_stage, edit_stage, move_stage, new_stage, stages, update_stage};
pub use users::{create_user, update_user, user, users};
pub use webhooks::{create_webhook, delete_webhook, resend_delivery, update_webhook, webhook, webhooks};

use axum::response::{IntoResponse, Redirect, Response};

use super::session::Viewer;
use super::{FormErrors, PageError, PageResult};
use crate::error::ServiceError;

fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v == "on" || v == "true")
}

/// A service's refusal beside the fields (`rename`: the services' field names as the form
/// calls them), or the error page when it is not about the form.
fn form_errors(viewer: &Viewer, error: ServiceError, rename: &[(&str, &str)]) -> PageResult<FormErrors> {
    match &error {
        ServiceError::AlreadyExists(_) | ServiceError::Invalid(_) => {
            Ok(FormErrors::from_service_as(viewer.locale, &error, rename).unwrap_or_default())
        }
        _ => Err(PageError::service(viewer.locale, error)),
    }
}

fn saved(to: &str) -> Response {
    Redirect::to(&format!("{to}?saved=1")).into_response()
}
