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
