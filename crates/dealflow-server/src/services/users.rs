//! Users: the directory everyone reads; administrators create and change users; a person changes
//! their own name, language, time zone and password (with their current password).

use dealflow_core::Locale;
use dealflow_core::check::{self, Invalid, Problems};
use dealflow_core::records::{Role, UserRecord};

use super::Services;
use crate::access::Actor;
use crate::error::{Forbidden, Result, ServiceError};
use crate::{new_id, password};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub supervisor_id: Option<String>,
    /// The `default_locale` setting when not given.
    pub locale: Option<Locale>,
    /// An IANA name; none leaves the setting `default_time_zone` in force for them.
    pub time_zone: Option<String>,
    pub password: String,
}

/// What a user change sets; `None` leaves a field as it is. Role and language come as they
/// were sent, and are checked once the actor may change them at all.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    /// `manager`, `supervisor` or `admin`.
    pub role: Option<String>,
    /// `Some(None)` clears the supervisor.
    pub supervisor_id: Option<Option<String>>,
    /// `ru` or `en`.
    pub locale: Option<String>,
    /// An IANA name such as `Europe/Moscow`.
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    /// Needed when a person changes their own password.
    pub current_password: Option<String>,
}

/// A role as named in a request.
pub fn role(text: &str) -> Result<Role, Invalid> {
    Role::parse(text).ok_or_else(|| Invalid::NotOneOf { allowed: ["manager", "supervisor", "admin"].map(String::from).to_vec() })
}

/// A language as named in a request: `ru` or `en`.
pub fn locale(text: &str) -> Result<Locale, Invalid> {
    Locale::parse(text).filter(|_| text.len() == 2).ok_or_else(|| Invalid::NotOneOf { allowed: vec!["ru".into(), "en".into()] })
}

/// Where a sales team is when nobody said otherwise.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Moscow";

impl Services {
    /// The directory: everyone, by name.
    pub async fn users(&self, _actor: &Actor) -> Result<Vec<UserRecord>> {
        Ok(self.store.read().await?.users().list().await?)
    }

    pub async fn user(&self, _actor: &Actor, id: &str) -> Result<UserRecord> {
        Ok(self.store.read().await?.users().get(id).await?)
    }

    /// The language new users get unless another is chosen (setting `default_locale`).
    pub async fn default_locale(&self) -> Result<Locale> {
        let setting = self.store.read().await?.settings().get("default_locale").await?;
        Ok(setting.and_then(|v| v.as_str().and_then(Locale::parse)).unwrap_or_default())
    }

    /// The zone of people who have not named their own (setting `default_time_zone`, Moscow
    /// when unset or unknown): its name and the zone.
    pub async fn default_time_zone(&self) -> Result<(String, jiff::tz::TimeZone)> {
        if let Some((read_at, name, zone)) = &*self.default_zone.lock().expect("zone cache lock")
            && read_at.elapsed() < super::ZONE_FRESHNESS
        {
            return Ok((name.clone(), zone.clone()));
        }
        let setting = self.store.read().await?.settings().get("default_time_zone").await?;
        let named = setting.as_ref().and_then(|v| v.as_str()).and_then(|name| check::time_zone(name).ok());
        let (name, zone) = named.unwrap_or_else(|| check::time_zone(DEFAULT_TIME_ZONE).expect("the bundled database knows Moscow"));
        *self.default_zone.lock().expect("zone cache lock") = Some((std::time::Instant::now(), name.clone(), zone.clone()));
        Ok((name, zone))
    }

    /// Forgets the default zone read last, after a change of the setting.
    pub(super) fn forget_default_time_zone(&self) {
        *self.default_zone.lock().expect("zone cache lock") = None;
    }

    /// A person's browser names their zone at their first sign-in; later ones leave their
    /// choice alone. A name the database does not know is ignored.
    pub async fn adopt_browser_time_zone(&self, user_id: &str, name: &str) -> Result<()> {
        let Ok((name, _)) = check::time_zone(name) else { return Ok(()) };
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut user = tx.users().get(user_id).await?;
            if user.time_zone.is_none() {
                user.time_zone = Some(name.clone());
                tx.users().update(&user, now).await?;
            }
            Ok(())
        })
    }

    /// A new user, by an administrator.
    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<UserRecord> {
        actor.require_admin()?;
        self.add_user(input).await
    }

    /// A new user with the installation's own authority: the first administrator, the command
    /// line's `user add`, the demo team.
    pub async fn add_user(&self, input: NewUser) -> Result<UserRecord> {
        let mut problems = Problems::new();
        let name = problems.check("name", check::title(&input.name));
        let email = problems.check("email", check::email(&input.email));
        problems.check("password", check::password(&input.password));
        problems.finish().map_err(ServiceError::Invalid)?;
        let locale = match input.locale {
            Some(locale) => locale,
            None => self.default_locale().await?,
        };
        let time_zone = match input.time_zone.as_deref() {
            Some(name) => Some(check::time_zone(name).map_err(|invalid| ServiceError::invalid("time_zone", invalid))?.0),
            None => None,
        };
        let password_hash = password::hash_off_runtime(input.password).await;
        let record = UserRecord {
            id: new_id(),
            email: email.unwrap_or_default(),
            name: name.unwrap_or_default(),
            role: input.role,
            supervisor_id: input.supervisor_id,
            locale,
            time_zone,
            active: true,
            password_hash,
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| {
            {
                if let Some(supervisor) = &record.supervisor_id
                    && !tx.users().exists(supervisor).await?
                {
                    return Err(ServiceError::invalid("supervisor_id", Invalid::UnknownReference));
                }
                match tx.users().insert(&record).await {
                    Err(dealflow_store::StoreError::Conflict { .. }) => Err(ServiceError::AlreadyExists("email".into())),
                    other => Ok(other?),
                }
            }
        })?;
        Ok(record)
    }

    /// Applies `changes`: an administrator may change anyone (but not lock themselves out); a
    /// person their own name, language and password. Deactivating a user or changing their
    /// password ends their sessions and tokens at once.
    pub async fn update_user(&self, actor: &Actor, id: &str, changes: UserChanges) -> Result<UserRecord> {
        // The directory is open to everyone, so a missing user is a 404 for everyone.
        let stored = self.store.read().await?.users().get(id).await?;
        let is_self = actor.id() == stored.id;
        if !actor.is_admin() {
            if !is_self {
                return Err(ServiceError::Forbidden(Forbidden::OtherUsers));
            }
            if changes.role.is_some() || changes.supervisor_id.is_some() || changes.active.is_some() {
                return Err(ServiceError::Forbidden(Forbidden::OwnProfileOnly));
            }
        }
        let mut problems = Problems::new();
        let name = changes.name.as_deref().and_then(|n| problems.check("name", check::title(n)));
        let role = changes.role.as_deref().and_then(|r| problems.check("role", role(r)));
        let locale = changes.locale.as_deref().and_then(|l| problems.check("locale", locale(l)));
        let time_zone = changes.time_zone.as_deref().and_then(|z| problems.check("time_zone", check::time_zone(z))).map(|(name, _)| name);
        if let Some(password) = &changes.password {
            problems.check("password", check::password(password));
        }
        if is_self && changes.active == Some(false) {
            problems.add("active", Invalid::SelfDemotion);
        }
        if is_self && actor.is_admin() && role.as_ref().is_some_and(|r| *r != Role::Admin) {
            problems.add("role", Invalid::SelfDemotion);
        }
        if let Some(Some(supervisor)) = &changes.supervisor_id
            && supervisor == id
        {
            problems.add("supervisor_id", Invalid::SelfSupervision);
        }
        problems.finish().map_err(ServiceError::Invalid)?;
        // Passwords are checked and hashed before the transaction: both are slow on purpose.
        let verified = match (&changes.password, is_self) {
            (Some(_), true) => {
                self.claim_password_attempt(&stored.email).await?;
                Some(verify_password(stored.password_hash, changes.current_password.as_deref()).await?)
            }
            _ => None,
        };
        let password_hash = match changes.password.clone() {
            Some(p) => Some(password::hash_off_runtime(p).await),
            None => None,
        };
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut user = tx.users().get(id).await?;
            if verified.as_ref().is_some_and(|hash| *hash != user.password_hash) {
                // The password changed since it was checked: the one given is no longer current.
                return Err(ServiceError::invalid("current_password", Invalid::WrongPassword));
            }
            if let Some(Some(supervisor)) = &changes.supervisor_id
                && !tx.users().exists(supervisor).await?
            {
                return Err(ServiceError::invalid("supervisor_id", Invalid::UnknownReference));
            }
            let end_sessions = changes.active == Some(false) || password_hash.is_some();
            user.name = name.clone().unwrap_or(user.name);
            user.role = role.clone().unwrap_or(user.role);
            user.supervisor_id = changes.supervisor_id.clone().unwrap_or(user.supervisor_id);
            user.locale = locale.unwrap_or(user.locale);
            user.time_zone = time_zone.clone().or(user.time_zone);
            user.active = changes.active.unwrap_or(user.active);
            user.password_hash = password_hash.clone().unwrap_or(user.password_hash);
            tx.users().update(&user, now).await?;
            if end_sessions {
                tx.users().revoke_tokens(id, now).await?;
            }
            if verified.is_some() {
                tx.tokens().clear_failures(&user.email).await?;
            }
            Ok(user)
        })
    }
}

/// Checks a person's current password against `stored`; answers the hash it matched.
async fn verify_password(stored: String, given: Option<&str>) -> Result<String> {
    let Some(given) = given.map(str::to_owned) else {
        return Err(ServiceError::invalid("current_password", Invalid::Required));
    };
    let hash = stored.clone();
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &hash)).await.unwrap_or(false);
    if matches { Ok(stored) } else { Err(ServiceError::invalid("current_password", Invalid::WrongPassword)) }
}
