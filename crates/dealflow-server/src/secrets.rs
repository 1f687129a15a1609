//! Secrets: random ones for tokens and sessions, and how they are kept (hashed, never as given).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe.
pub fn random_secret() -> String {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(secret)
}

/// What is stored of a token or session secret: its SHA-256, in hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// How a web session's secret begins. A session is the browser's and an API token a program's:
/// neither is taken in the other's place (a cookie read off a browser is no API key, and a token
/// pasted into a cookie opens no page).
pub const SESSION_PREFIX: &str = "dfs_";
/// How an API token begins.
pub const API_TOKEN_PREFIX: &str = "dft_";

/// Whether `secret` is a web session's.
pub fn is_session(secret: &str) -> bool {
    secret.starts_with(SESSION_PREFIX)
}
