//! Signing in with an email and password for an opaque API token or a web session, knowing who
//! a token or session belongs to, and signing out. Only hashes of the secrets are stored.

use dealflow_core::records::UserRecord;
use jiff::SignedDuration;

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::password;
use crate::secrets::{hash_token, random_secret};

/// Failed sign-ins for one account within this window...
const THROTTLE_WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// ...past this many answer 429 until the window passes.
const THROTTLE_LIMIT: i64 = 10;

/// A hash to verify against when the email is unknown, so that an unknown email takes as long
/// as a wrong password and answers the same.
static DECOY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| password::hash("no such user"));

impl Services {
    /// Answers a new API token (shown once; only its hash is stored) and the user.
    pub async fn sign_in(&self, email: &str, given_password: &str) -> Result<(String, UserRecord)> {
        self.issue_token(email, given_password, crate::secrets::API_TOKEN_PREFIX).await
    }

    /// The web app's sign-in: a session secret for the cookie, revocable like a token. The
    /// browser's zone becomes the person's at their first sign-in.
    pub async fn sign_in_session(&self, email: &str, given_password: &str, browser_zone: Option<&str>) -> Result<String> {
        let (secret, user) = self.issue_token(email, given_password, crate::secrets::SESSION_PREFIX).await?;
        if let Some(zone) = browser_zone
            && user.time_zone.is_none()
        {
            self.adopt_browser_time_zone(&user.id, zone).await?;
        }
        Ok(secret)
    }

    async fn issue_token(&self, email: &str, given_password: &str, prefix: &str) -> Result<(String, UserRecord)> {
        let now = self.clock.now();
        self.claim_password_attempt(email).await?;
        let user = self.store.read().await?.users().find_by_email(email).await?;
        let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DECOY_HASH.clone());
        let given = given_password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&given, &stored)).await.unwrap_or(false);
        let user = match user {
            Some(user) if matches && user.active => user,
            _ => return Err(ServiceError::BadCredentials),
        };
        let token = format!("{prefix}{}", random_secret());
        let token_hash = hash_token(&token);
        in_write!(self, |tx| {
            tx.tokens().insert(&token_hash, &user.id, now).await?;
            tx.tokens().clear_failures(email).await?;
            Ok(())
        })?;
        Ok((token, user))
    }

    /// Counts a password check for the account `email` before it is made: sign-in's and a
    /// password change's share the count, so neither is a way round the other's limit. Refused
    /// (429) once the window holds `THROTTLE_LIMIT` failed or running checks. The count comes
    /// first, so parallel guesses queue on it instead of all reading it before any is recorded.
    pub(crate) async fn claim_password_attempt(&self, email: &str) -> Result<()> {
        let now = self.clock.now();
        let claimed = in_write!(self, |tx| { Ok(tx.tokens().claim_attempt(email, now, now - THROTTLE_WINDOW, THROTTLE_LIMIT).await?) })?;
        if claimed { Ok(()) } else { Err(ServiceError::RateLimited) }
    }

    /// The active user a token or session secret belongs to, as an actor; `None` when it is
    /// unknown, revoked, or its user deactivated.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Actor>> {
        let user = self.store.read().await?.tokens().user_of(&hash_token(secret)).await?;
        match user {
            Some(user) => Ok(Some(self.actor(user).await?)),
            None => Ok(None),
        }
    }

    /// Revokes the token or session `secret`.
    pub async fn sign_out(&self, secret: &str) -> Result<()> {
        let now = self.clock.now();
        let hash = hash_token(secret);
        in_write!(self, |tx| { Ok(tx.tokens().revoke(&hash, now).await?) })
    }
}
