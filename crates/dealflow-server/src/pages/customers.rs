//! Accounts and contacts: lists with search and paging, a page each with its people, deals,
//! activities and notes, and the forms that create and change them. A new account or contact
//! can also be made in place from a picker: the dialog posts here and gets the record back.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dealflow_core::records::{AccountRecord, ActivityRecord, ContactRecord, NoteRecord, NoteTarget, OpportunityRecord};
use serde::{Deserialize, Serialize};

use super::customer_lists::ContactRow;
use super::opportunities::People;
use super::pickers::{Picked, PickerField};
use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, OrPage, PageError, PageResult, SavedQuery, format};
use crate::services::{AccountFields, ContactFields, CustomerPage};
use crate::{ServiceError, Services};

/// A field left empty is no value.
pub(super) fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The account form's fields as typed.
#[derive(Deserialize, Default, Clone)]
pub struct AccountInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    tax_number: String,
}

impl AccountInput {
    fn of(a: &AccountRecord) -> AccountInput {
        AccountInput {
            name: a.name.clone(),
            industry: a.industry.clone().unwrap_or_default(),
            website: a.website.clone().unwrap_or_default(),
            phone: a.phone.clone().unwrap_or_default(),
            tax_number: a.tax_number.clone().unwrap_or_default(),
        }
    }

    fn fields(&self) -> AccountFields {
        AccountFields {
            name: self.name.clone(),
            industry: optional(&self.industry),
            website: optional(&self.website),
            phone: optional(&self.phone),
            tax_number: optional(&self.tax_number),
        }
    }
}

/// The contact form's fields as typed; the account comes from its picker.
#[derive(Deserialize, Default, Clone)]
pub struct ContactInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    job_title: String,
    #[serde(flatten)]
    links: Picked,
}

impl ContactInput {
    fn of(c: &ContactRecord) -> ContactInput {
        ContactInput {
            name: c.name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            job_title: c.job_title.clone().unwrap_or_default(),
            links: Picked::of(None, c.account_id.clone(), None),
        }
    }
}

/// One line of a page's related lists.
pub struct Related {
    id: String,
    title: String,
    detail: String,
    when: String,
    muted: bool,
    overdue: bool,
}

pub struct NoteLine {
    author: String,
    when: String,
    body: String,
}

/// What the account and contact pages show below their details.
pub struct RelatedLists {
    opportunities: Vec<Related>,
    activities: Vec<Related>,
    notes: Vec<NoteLine>,
}

impl RelatedLists {
    async fn of(
        services: &Services,
        viewer: &Viewer,
        people: &People,
        opportunities: &[OpportunityRecord],
        activities: &[ActivityRecord],
        notes: &[NoteRecord],
    ) -> PageResult<RelatedLists> {
        let (locale, zone, t) = (viewer.locale, viewer.actor.zone(), viewer.t());
        let stages = services.stage_catalog().await.or_page(viewer)?;
        let currency = services.currency().await.or_page(viewer)?;
        let now = services.clock().now();
        Ok(RelatedLists {
            opportunities: opportunities
                .iter()
                .map(|o| {
                    let stage = stages.get(o.stage.as_str());
                    Related {
                        id: o.id.clone(),
                        title: o.title.clone(),
                        detail: stage.map(|s| s.name.get(locale).to_owned()).unwrap_or_default(),
                        when: format::opt_money(o.amount, &currency, locale),
                        muted: stage.is_some_and(|s| s.is_final),
                        overdue: false,
                    }
                })
                .collect(),
            activities: activities
                .iter()
                .map(|a| Related {
                    id: a.id.clone(),
                    title: a.title.get(locale).to_owned(),
                    detail: format!("{} · {}", t.activity_type(a.kind), t.activity_status(a.status)),
                    when: format::opt_instant(a.start_at.or(a.due_at), zone, locale),
                    muted: !a.status.is_open(),
                    overdue: a.status.is_open() && a.due_at.is_some_and(|d| d < now),
                })
                .collect(),
            notes: notes
                .iter()
                .map(|n| NoteLine {
                    author: people.name(&n.author_id),
                    when: format::instant(n.created_at, zone, locale),
                    body: n.body.clone(),
                })
                .collect(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    chrome: Chrome,
    id: String,
    /// This page's address, which the note form posts under.
    here: String,
    /// What new records made from here are linked to.
    link_query: String,
    name: String,
    industry: String,
    website: String,
    phone: String,
    tax_number: String,
    owner: String,
    created: String,
    contacts: Vec<ContactRow>,
    related: RelatedLists,
    can_edit: bool,
    input: AccountInput,
    errors: FormErrors,
    note: String,
    saved: bool,
}

async fn account_page(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    input: Option<AccountInput>,
    errors: FormErrors,
    note: String,
) -> PageResult<AccountPage> {
    let CustomerPage { record: a, contacts, opportunities, activities, notes, can_edit, .. } =
        services.account_page(&viewer.actor, id).await.or_page(viewer)?;
    let people = People::load(services, viewer).await?;
    Ok(AccountPage {
        chrome: Chrome::load(services, viewer, "accounts", &format!("/accounts/{id}")).await?,
        related: RelatedLists::of(services, viewer, &people, &opportunities, &activities, &notes).await?,
        contacts: contacts.iter().map(|c| ContactRow::of(c, None)).collect(),
        input: input.unwrap_or_else(|| AccountInput::of(&a)),
        here: format!("/accounts/{}", a.id),
        link_query: format!("account_id={}", a.id),
        id: a.id.clone(),
        name: a.name.clone(),
        industry: a.industry.clone().unwrap_or_default(),
        website: a.website.clone().unwrap_or_default(),
        phone: a.phone.clone().unwrap_or_default(),
        tax_number: a.tax_number.clone().unwrap_or_default(),
        owner: a.owner_id.as_deref().map(|o| people.name(o)).unwrap_or_default(),
        created: format::instant(a.created_at, viewer.actor.zone(), viewer.locale),
        can_edit,
        errors,
        note,
        saved: false,
    })
}

pub async fn account(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = account_page(&services, &viewer, &id, None, FormErrors::default(), String::new()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "customer_form.html")]
pub struct NewCustomerPage {
    chrome: Chrome,
    /// `account` or `contact`.
    kind: &'static str,
    account: AccountInput,
    contact: ContactInput,
    pickers: Vec<PickerField>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    account_id: String,
}

pub async fn new_account(State(services): State<Services>, viewer: Viewer, Query(query): Query<NewQuery>) -> PageResult {
    let account = AccountInput { name: query.name, ..AccountInput::default() };
    Ok(new_customer_page(&services, &viewer, "account", account, ContactInput::default(), FormErrors::default()).await?.into_response())
}

pub async fn new_contact(State(services): State<Services>, viewer: Viewer, Query(query): Query<NewQuery>) -> PageResult {
    let contact = ContactInput { name: query.name, links: Picked::of(None, Some(query.account_id), None), ..ContactInput::default() };
    Ok(new_customer_page(&services, &viewer, "contact", AccountInput::default(), contact, FormErrors::default()).await?.into_response())
}

async fn new_customer_page(
    services: &Services,
    viewer: &Viewer,
    kind: &'static str,
    account: AccountInput,
    contact: ContactInput,
    errors: FormErrors,
) -> PageResult<NewCustomerPage> {
    let section = if kind == "account" { "accounts" } else { "contacts" };
    Ok(NewCustomerPage {
        chrome: Chrome::load(services, viewer, section, &format!("/{section}/new")).await?,
        pickers: contact.links.fields(services, viewer, &errors, &["account"]).await?,
        kind,
        account,
        contact,
        errors,
    })
}

/// A record made from a picker's dialog, as the script takes it.
#[derive(Serialize)]
struct MadeInPlace {
    id: String,
    label: String,
}

/// Problems of a dialog's form, by field, for the script to show beside its fields.
#[derive(Serialize)]
struct DialogProblems {
    errors: Vec<(String, String)>,
}

fn from_picker(headers: &HeaderMap) -> bool {
    headers.get("x-fragment").is_some_and(|v| v == "picker")
}

/// A service's refusal of what was typed as the form's field errors; any other refusal (a record
/// out of reach, one the reader may not change) and failures that are ours become the error page.
fn refused(viewer: &Viewer, error: ServiceError) -> PageResult<FormErrors> {
    match &error {
        ServiceError::Invalid(_) | ServiceError::AlreadyExists(_) => {
            Ok(FormErrors::from_service(viewer.locale, &error).unwrap_or_default())
        }
        _ => Err(PageError::service(viewer.locale, error)),
    }
}

/// The answer to a picker's dialog: the record made, or what is wrong beside which field.
fn dialog_answer(made: Result<(String, String), FormErrors>) -> Response {
    match made {
        Ok((id, label)) => (StatusCode::CREATED, Json(MadeInPlace { id, label })).into_response(),
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, Json(DialogProblems { errors: errors.pairs() })).into_response(),
    }
}

pub async fn create_account(State(services): State<Services>, headers: HeaderMap, form: PageForm<AccountInput>) -> PageResult {
    let viewer = &form.viewer;
    let made = match services.create_account(&viewer.actor, form.input.fields()).await {
        Ok(account) => Ok(account),
        Err(error) => Err(refused(viewer, error)?),
    };
    if from_picker(&headers) {
        return Ok(dialog_answer(made.map(|a| (a.id, a.name))));
    }
    match made {
        Ok(account) => Ok(Redirect::to(&format!("/accounts/{}", account.id)).into_response()),
        Err(errors) => {
            let page = new_customer_page(&services, viewer, "account", form.input, ContactInput::default(), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn update_account(State(services): State<Services>, Path(id): Path<String>, form: PageForm<AccountInput>) -> PageResult {
    let viewer = &form.viewer;
    match services.update_account(&viewer.actor, &id, form.input.fields()).await {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}?saved=1")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::NotFound(viewer.locale)),
        Err(error) => {
            let errors = refused(viewer, error)?;
            let page = account_page(&services, viewer, &id, Some(form.input), errors, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The contact's fields once its account picker has been read.
async fn contact_fields(services: &Services, viewer: &Viewer, input: &ContactInput) -> PageResult<Result<ContactFields, FormErrors>> {
    let mut problems = dealflow_core::check::Problems::new();
    let links = input.links.resolve(services, viewer, &mut problems).await?;
    if let Err(found) = problems.finish() {
        return Ok(Err(FormErrors::of(&found, viewer.locale)));
    }
    Ok(Ok(ContactFields {
        name: input.name.clone(),
        email: optional(&input.email),
        phone: optional(&input.phone),
        job_title: optional(&input.job_title),
        account_id: links.account_id,
    }))
}

pub async fn create_contact(State(services): State<Services>, headers: HeaderMap, form: PageForm<ContactInput>) -> PageResult {
    let viewer = &form.viewer;
    let made = match contact_fields(&services, viewer, &form.input).await? {
        Ok(fields) => match services.create_contact(&viewer.actor, fields).await {
            Ok(contact) => Ok(contact),
            Err(error) => Err(refused(viewer, error)?),
        },
        Err(errors) => Err(errors),
    };
    if from_picker(&headers) {
        return Ok(dialog_answer(made.map(|c| (c.id, c.name))));
    }
    match made {
        Ok(contact) => Ok(Redirect::to(&format!("/contacts/{}", contact.id)).into_response()),
        Err(errors) => {
            let page = new_customer_page(&services, viewer, "contact", AccountInput::default(), form.input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contact.html")]
pub struct ContactPage {
    chrome: Chrome,
    id: String,
    here: String,
    link_query: String,
    name: String,
    job_title: String,
    email: String,
    phone: String,
    account: Option<(String, String)>,
    owner: String,
    related: RelatedLists,
    can_edit: bool,
    input: ContactInput,
    pickers: Vec<PickerField>,
    errors: FormErrors,
    note: String,
    saved: bool,
}

async fn contact_page(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    input: Option<ContactInput>,
    errors: FormErrors,
    note: String,
) -> PageResult<ContactPage> {
    let CustomerPage { record: c, account, opportunities, activities, notes, can_edit, .. } =
        services.contact_page(&viewer.actor, id).await.or_page(viewer)?;
    let people = People::load(services, viewer).await?;
    let input = input.unwrap_or_else(|| ContactInput::of(&c));
    Ok(ContactPage {
        chrome: Chrome::load(services, viewer, "contacts", &format!("/contacts/{id}")).await?,
        related: RelatedLists::of(services, viewer, &people, &opportunities, &activities, &notes).await?,
        pickers: input.links.fields(services, viewer, &errors, &["account"]).await?,
        input,
        here: format!("/contacts/{}", c.id),
        link_query: format!("contact_id={}&account_id={}", c.id, c.account_id.clone().unwrap_or_default()),
        id: c.id.clone(),
        name: c.name.clone(),
        job_title: c.job_title.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        account: account.map(|a| (a.id, a.name)),
        owner: c.owner_id.as_deref().map(|o| people.name(o)).unwrap_or_default(),
        can_edit,
        errors,
        note,
        saved: false,
    })
}

pub async fn contact(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> PageResult {
    let mut page = contact_page(&services, &viewer, &id, None, FormErrors::default(), String::new()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

pub async fn update_contact(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ContactInput>) -> PageResult {
    let viewer = &form.viewer;
    // Out of sight or missing: the page's own answer, before anything typed is read.
    services.contact(&viewer.actor, &id).await.or_page(viewer)?;
    let errors = match contact_fields(&services, viewer, &form.input).await? {
        Ok(fields) => match services.update_contact(&viewer.actor, &id, fields).await {
            Ok(_) => return Ok(Redirect::to(&format!("/contacts/{id}?saved=1")).into_response()),
            Err(error) => refused(viewer, error)?,
        },
        Err(errors) => errors,
    };
    let page = contact_page(&services, viewer, &id, Some(form.input), errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct NoteInput {
    #[serde(default)]
    body: String,
}

/// A note on an account or a contact; a refused one comes back beside its field, as typed.
pub async fn add_note(State(services): State<Services>, Path((kind, id)): Path<(String, String)>, form: PageForm<NoteInput>) -> PageResult {
    let viewer = &form.viewer;
    let target = match kind.as_str() {
        "accounts" => NoteTarget::Account(id.clone()),
        "contacts" => NoteTarget::Contact(id.clone()),
        _ => return Err(PageError::NotFound(viewer.locale)),
    };
    let errors = match services.add_note(&viewer.actor, target, &form.input.body).await {
        Ok(_) => return Ok(Redirect::to(&format!("/{kind}/{id}#notes")).into_response()),
        Err(ServiceError::NotFound) => return Err(PageError::NotFound(viewer.locale)),
        Err(error) => refused(viewer, error)?,
    };
    let note = form.input.body.clone();
    let page = if kind == "accounts" {
        account_page(&services, viewer, &id, None, errors, note).await?.into_response()
    } else {
        contact_page(&services, viewer, &id, None, errors, note).await?.into_response()
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
