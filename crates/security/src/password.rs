//! Random passwords as Elasticsearch's auto-configuration and reset tools generate them.

use crate::{Error, Result, SecureString};

/// Characters of generated passwords: Elasticsearch's set without those a shell or a URL
/// treats specially, so the printed password can be pasted into `curl -u` as is.
const PASSWORD_CHARS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-_+=";

/// Length of the `elastic` password printed on first start (Elasticsearch's length).
pub const GENERATED_PASSWORD_LENGTH: usize = 20;

/// Fills `buf` with random bytes from the operating system.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Random(e.to_string()))
}

/// A random password of `length` characters drawn uniformly from the password alphabet.
pub fn generate_password(length: usize) -> Result<SecureString> {
    let mut out = String::with_capacity(length);
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - (256 % PASSWORD_CHARS.len());
    let mut buf = [0u8; 64];
    while out.len() < length {
        random_bytes(&mut buf)?;
        for &b in &buf {
            if usize::from(b) < limit && out.len() < length {
                out.push(char::from(
                    PASSWORD_CHARS[usize::from(b) % PASSWORD_CHARS.len()],
                ));
            }
        }
    }
    Ok(SecureString::new(out))
}

/// Elasticsearch's minimum password length for native users.
pub const MIN_PASSWORD_LENGTH: usize = 6;

/// Checks a new password against Elasticsearch's rules.
pub fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(Error::InvalidPassword(format!(
            "passwords must be at least [{MIN_PASSWORD_LENGTH}] characters long"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_have_the_length_and_alphabet() {
        let a = generate_password(GENERATED_PASSWORD_LENGTH).unwrap();
        let b = generate_password(GENERATED_PASSWORD_LENGTH).unwrap();
        assert_eq!(a.expose().len(), 20);
        assert!(a.expose().bytes().all(|c| PASSWORD_CHARS.contains(&c)));
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(validate_password("12345").is_err());
        assert!(validate_password("123456").is_ok());
    }
}
