//! Signing in with an email and password for an opaque API token or a web session, and signing out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dealflow_store::queries::{auth, users};
use dealflow_store::records::UserRecord;
use jiff::SignedDuration;

use super::Services;
use crate::error::{Result, ServiceError};
use crate::password;

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
        self.issue_token(email, given_password, "dft_").await
    }

    /// The web app's sign-in: a session secret for the cookie, revocable like a token.
    pub async fn sign_in_session(&self, email: &str, given_password: &str) -> Result<String> {
        self.issue_token(email, given_password, "dfs_").await.map(|(secret, _)| secret)
    }

    async fn issue_token(&self, email: &str, given_password: &str, prefix: &str) -> Result<(String, UserRecord)> {
        let now = self.clock.now();
        let mut conn = self.store.read().await?;
        if auth::failures_since(&mut conn, email, now - THROTTLE_WINDOW).await? >= THROTTLE_LIMIT {
            return Err(ServiceError::RateLimited);
        }
        let user = users::find_by_email(&mut conn, email).await?;
        drop(conn);
        let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DECOY_HASH.clone());
        let given = given_password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&given, &stored)).await.unwrap_or(false);
        let user = match user {
            Some(user) if matches && user.active => user,
            _ => {
                in_write!(self, |tx| { Ok(auth::record_failure(tx, email, now).await?) })?;
                return Err(ServiceError::BadCredentials);
            }
        };
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(secret));
        let token_hash = crate::api::hash_token(&token);
        in_write!(self, |tx| {
            auth::insert_token(tx, &token_hash, &user.id, now).await?;
            auth::clear_failures(tx, email).await?;
            Ok(())
        })?;
        Ok((token, user))
    }

    pub async fn sign_out(&self, token_hash: &str) -> Result<()> {
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(auth::revoke_token(tx, token_hash, now).await?) })
    }
}
