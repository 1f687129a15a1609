//! Passwords are stored as argon2id hashes (19 MiB, 2 passes: the library's defaults, which
//! follow the OWASP recommendation). Hashing is slow on purpose: call it off the async runtime.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub fn hash(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).expect("argon2 hashes any password with its default parameters").to_string()
}

pub fn verify(password: &str, stored_hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), stored_hash).is_ok()
}

/// A password for the first admin when none was given: 20 random letters and digits.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

pub async fn hash_off_runtime(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password)).await.expect("password hashing does not panic")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hashed_password_verifies_and_another_does_not() {
        let stored = super::hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse", &stored));
        assert!(!super::verify("wrong horse", &stored));
    }

    /// OWASP's floor for argon2id: at least 19 MiB of memory and two passes.
    #[test]
    fn hashes_are_argon2id_with_at_least_19_mib_and_two_passes() {
        let stored = super::hash("correct horse");
        let parameters = stored.split('$').nth(3).unwrap();
        let value =
            |name: &str| -> u32 { parameters.split(',').find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap().parse().unwrap() };
        assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
        assert!(value("m") >= 19 * 1024, "memory {} KiB", value("m"));
        assert!(value("t") >= 2, "passes {}", value("t"));
    }
}
