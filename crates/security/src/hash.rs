//! Password hashes in Elasticsearch's formats. New hashes use the configured [`Hasher`]
//! (bcrypt cost 10, `$2a$`, by default); verification picks the algorithm from the stored
//! hash's prefix, as Elasticsearch does, so hashes made by Elasticsearch verify here and the
//! other way round.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use crate::password::random_bytes;
use crate::{Error, Result};

const PBKDF2_PREFIX: &str = "{PBKDF2}";
const PBKDF2_STRETCH_PREFIX: &str = "{PBKDF2_STRETCH}";
const PBKDF2_KEY_BYTES: usize = 32;
const PBKDF2_SALT_BYTES: usize = 32;

/// A password hashing algorithm (`xpack.security.authc.password_hashing.algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hasher {
    /// bcrypt with the given cost (4..=31); `bcrypt` is cost 10.
    Bcrypt {
        /// log2 of the number of rounds.
        cost: u32,
    },
    /// PBKDF2-HMAC-SHA512, 256-bit key, 32-byte salt.
    Pbkdf2 {
        /// Iterations.
        iterations: u32,
    },
    /// PBKDF2 over the hex SHA-512 of the password.
    Pbkdf2Stretch {
        /// Iterations.
        iterations: u32,
    },
}

impl Default for Hasher {
    fn default() -> Self {
        Self::Bcrypt { cost: 10 }
    }
}

impl FromStr for Hasher {
    type Err = Error;
    /// Elasticsearch's names: `bcrypt`, `bcrypt4`..`bcrypt14`, `pbkdf2`, `pbkdf2_<iters>`,
    /// `pbkdf2_stretch`, `pbkdf2_stretch_<iters>`.
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let unknown = || Error::UnknownHasher(s.to_string());
        let iterations = |rest: &str| -> Result<u32> {
            if rest.is_empty() {
                return Ok(10_000);
            }
            let n: u32 = rest
                .strip_prefix('_')
                .and_then(|r| r.parse().ok())
                .ok_or_else(unknown)?;
            if [1000, 10_000, 50_000, 100_000, 500_000, 1_000_000].contains(&n) {
                Ok(n)
            } else {
                Err(unknown())
            }
        };
        if let Some(rest) = lower.strip_prefix("pbkdf2_stretch") {
            return Ok(Self::Pbkdf2Stretch {
                iterations: iterations(rest)?,
            });
        }
        if let Some(rest) = lower.strip_prefix("pbkdf2") {
            return Ok(Self::Pbkdf2 {
                iterations: iterations(rest)?,
            });
        }
        if let Some(rest) = lower.strip_prefix("bcrypt") {
            if rest.is_empty() {
                return Ok(Self::Bcrypt { cost: 10 });
            }
            let cost: u32 = rest.parse().map_err(|_| unknown())?;
            if (4..=14).contains(&cost) {
                return Ok(Self::Bcrypt { cost });
            }
        }
        Err(unknown())
    }
}

impl fmt::Display for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bcrypt { cost: 10 } => f.write_str("bcrypt"),
            Self::Bcrypt { cost } => write!(f, "bcrypt{cost}"),
            Self::Pbkdf2 { iterations: 10_000 } => f.write_str("pbkdf2"),
            Self::Pbkdf2 { iterations } => write!(f, "pbkdf2_{iterations}"),
            Self::Pbkdf2Stretch { iterations: 10_000 } => f.write_str("pbkdf2_stretch"),
            Self::Pbkdf2Stretch { iterations } => write!(f, "pbkdf2_stretch_{iterations}"),
        }
    }
}

fn sha512_hex(password: &str) -> String {
    hex::encode(Sha512::digest(password.as_bytes()))
}

fn pbkdf2_hash(prefix: &str, input: &str, iterations: u32) -> Result<String> {
    let mut salt = [0u8; PBKDF2_SALT_BYTES];
    random_bytes(&mut salt)?;
    let mut key = [0u8; PBKDF2_KEY_BYTES];
    pbkdf2::pbkdf2_hmac::<Sha512>(input.as_bytes(), &salt, iterations, &mut key);
    Ok(format!(
        "{prefix}{iterations}${}${}",
        BASE64.encode(salt),
        BASE64.encode(key)
    ))
}

fn pbkdf2_verify(input: &str, rest: &str) -> bool {
    let mut parts = rest.split('$');
    let (Some(iterations), Some(salt), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(iterations), Ok(salt), Ok(expected)) = (
        iterations.parse::<u32>(),
        BASE64.decode(salt),
        BASE64.decode(key),
    ) else {
        return false;
    };
    if iterations == 0 || expected.is_empty() || expected.len() > 64 {
        return false;
    }
    let mut actual = vec![0u8; expected.len()];
    pbkdf2::pbkdf2_hmac::<Sha512>(input.as_bytes(), &salt, iterations, &mut actual);
    actual.ct_eq(&expected).into()
}

impl Hasher {
    /// Hashes `password` with a fresh random salt.
    pub fn hash(self, password: &str) -> Result<String> {
        match self {
            Self::Bcrypt { cost } => bcrypt::hash_with_result(password, cost)
                .map(|parts| parts.format_for_version(bcrypt::Version::TwoA))
                .map_err(|e| Error::Hashing(e.to_string())),
            Self::Pbkdf2 { iterations } => pbkdf2_hash(PBKDF2_PREFIX, password, iterations),
            Self::Pbkdf2Stretch { iterations } => {
                pbkdf2_hash(PBKDF2_STRETCH_PREFIX, &sha512_hex(password), iterations)
            }
        }
    }

    /// The algorithm a stored hash was made with, if it is one Elasticsearch recognises.
    pub fn of_hash(hash: &str) -> Option<Self> {
        if let Some(rest) = hash.strip_prefix(PBKDF2_STRETCH_PREFIX) {
            let iterations = rest.split('$').next()?.parse().ok()?;
            return Some(Self::Pbkdf2Stretch { iterations });
        }
        if let Some(rest) = hash.strip_prefix(PBKDF2_PREFIX) {
            let iterations = rest.split('$').next()?.parse().ok()?;
            return Some(Self::Pbkdf2 { iterations });
        }
        let rest = ["$2a$", "$2b$", "$2y$", "$2x$"]
            .iter()
            .find_map(|p| hash.strip_prefix(p))?;
        let cost = rest.get(..2)?.parse().ok()?;
        (hash.len() == 60).then_some(Self::Bcrypt { cost })
    }
}

/// Whether `password` matches `stored`, choosing the algorithm from the hash's prefix.
/// Unrecognised or malformed hashes never match.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if let Some(rest) = stored.strip_prefix(PBKDF2_STRETCH_PREFIX) {
        return pbkdf2_verify(&sha512_hex(password), rest);
    }
    if let Some(rest) = stored.strip_prefix(PBKDF2_PREFIX) {
        return pbkdf2_verify(password, rest);
    }
    if matches!(Hasher::of_hash(stored), Some(Hasher::Bcrypt { .. })) {
        // Java's BCrypt (which ES uses) treats $2y$/$2b$ like $2a$; the crate does too.
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_es_bcrypt_2a_cost_10() {
        let h = Hasher::default().hash("changeme").unwrap();
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert_eq!(h.len(), 60);
        assert!(verify_password("changeme", &h));
        assert!(!verify_password("changemf", &h));
        assert_eq!(Hasher::of_hash(&h), Some(Hasher::Bcrypt { cost: 10 }));
    }

    #[test]
    fn verifies_a_hash_made_by_elasticsearch_style_bcrypt() {
        // htpasswd -bnBC 4 "" x-pack-test-password, rewritten to $2a$ like ES stores it.
        let h = bcrypt::hash_with_result("x-pack-test-password", 4)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY)
            .replacen("$2y$", "$2a$", 1);
        assert!(verify_password("x-pack-test-password", &h));
    }

    #[test]
    fn pbkdf2_and_stretch_round_trip_in_es_format() {
        for hasher in [
            Hasher::Pbkdf2 { iterations: 1000 },
            Hasher::Pbkdf2Stretch { iterations: 1000 },
        ] {
            let h = hasher.hash("s3cret-pw").unwrap();
            let parts: Vec<&str> = h.split('$').collect();
            assert_eq!(parts.len(), 3);
            assert_eq!(BASE64.decode(parts[1]).unwrap().len(), 32);
            assert_eq!(BASE64.decode(parts[2]).unwrap().len(), 32);
            assert!(verify_password("s3cret-pw", &h), "{h}");
            assert!(!verify_password("s3cret-px", &h));
            assert_eq!(Hasher::of_hash(&h), Some(hasher));
        }
    }

    #[test]
    fn pbkdf2_known_vector() {
        // PBKDF2-HMAC-SHA512("password", "salt", 1) first 32 bytes (RFC test vector family).
        let salt = BASE64.encode(b"salt");
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha512>(b"password", b"salt", 1, &mut key);
        assert_eq!(
            hex::encode(key),
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
        );
        let stored = format!("{{PBKDF2}}1${salt}${}", BASE64.encode(key));
        assert!(verify_password("password", &stored));
    }

    #[test]
    fn names_parse_like_elasticsearch() {
        assert_eq!(
            "bcrypt".parse::<Hasher>().unwrap(),
            Hasher::Bcrypt { cost: 10 }
        );
        assert_eq!(
            "BCRYPT12".parse::<Hasher>().unwrap(),
            Hasher::Bcrypt { cost: 12 }
        );
        assert_eq!(
            "pbkdf2_50000".parse::<Hasher>().unwrap(),
            Hasher::Pbkdf2 { iterations: 50_000 }
        );
        assert_eq!(
            "pbkdf2_stretch".parse::<Hasher>().unwrap(),
            Hasher::Pbkdf2Stretch { iterations: 10_000 }
        );
        assert!("md5".parse::<Hasher>().is_err());
        assert!("bcrypt3".parse::<Hasher>().is_err());
        assert!("pbkdf2_7".parse::<Hasher>().is_err());
        assert_eq!(Hasher::Bcrypt { cost: 12 }.to_string(), "bcrypt12");
    }

    #[test]
    fn garbage_hashes_never_match() {
        assert!(!verify_password("x", "x"));
        assert!(!verify_password("x", "{PBKDF2}abc"));
        assert!(!verify_password("x", "$2a$10$short"));
    }
}
