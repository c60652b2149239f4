//! Key derivation and AES-128-GCM exactly as Elasticsearch's `KeyStoreWrapper` does them:
//! PBKDF2WithHmacSHA512 over the UTF-8 password to a 128-bit key, then AES/GCM/NoPadding with
//! a 128-bit tag appended to the ciphertext and the salt as additional authenticated data.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of the IV Elasticsearch writes; the only one this crate accepts.
pub(crate) const IV_LEN: usize = 12;
/// Length of the GCM tag appended to the ciphertext.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the salt Elasticsearch writes.
pub(crate) const SALT_LEN: usize = 64;

/// Derives the AES-128 key from the password.
pub(crate) fn derive_key(password: &str, salt: &[u8], iterations: u32) -> Zeroizing<[u8; 16]> {
    let mut key = Zeroizing::new([0u8; 16]);
    let sha512 = pbkdf2::Algorithm::Pbkdf2Sha512;
    let recommended = pbkdf2::Params::recommended_for(sha512);
    if iterations == recommended.rounds() {
        // The same PBKDF2-HMAC-SHA512, through pbkdf2's non-generic entry point: it is
        // compiled inside the pbkdf2 crate, which is optimised even in debug builds, so the
        // 210,000 rounds take ~0.2 s instead of ~0.7 s in `cargo test` and dev binaries.
        pbkdf2::pbkdf2_hmac_with_params(
            password.as_bytes(),
            salt,
            sha512,
            recommended,
            key.as_mut(),
        );
    } else {
        pbkdf2::pbkdf2_hmac::<Sha512>(password.as_bytes(), salt, iterations, key.as_mut());
    }
    key
}

/// Encrypts `plaintext`; the result is ciphertext followed by the 16-byte tag.
pub(crate) fn seal(
    key: &[u8; 16],
    iv: &[u8; IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let cipher = Aes128Gcm::new(key.into());
    cipher
        .encrypt(
            &Nonce::from(*iv),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::TooLarge("the keystore contents".into()))
}

/// Decrypts and authenticates; a failed tag check means a wrong password.
pub(crate) fn open(
    key: &[u8; 16],
    iv: &[u8; IV_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let cipher = Aes128Gcm::new(key.into());
    cipher
        .decrypt(
            &Nonce::from(*iv),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| Error::WrongPassword)
}

/// Fills `buf` from the operating system's random number generator.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Random(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published PBKDF2-HMAC-SHA512 test vector (password "password", salt "salt",
    /// 1 iteration), truncated to the 128 bits the keystore uses.
    #[test]
    fn pbkdf2_sha512_matches_known_answer() {
        let key = derive_key("password", b"salt", 1);
        assert_eq!(
            key.as_slice(),
            [
                0x86, 0x7f, 0x70, 0xcf, 0x1a, 0xde, 0x02, 0xcf, 0xf3, 0x75, 0x25, 0x99, 0xa3, 0xa5,
                0x3d, 0xc4
            ]
        );
    }

    #[test]
    fn fast_path_equals_generic_pbkdf2() {
        let mut generic = [0u8; 16];
        pbkdf2::pbkdf2_hmac::<Sha512>(b"pw", b"0123456789", 210_000, &mut generic);
        assert_eq!(derive_key("pw", b"0123456789", 210_000).as_slice(), generic);
    }

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let key = [7u8; 16];
        let iv = [9u8; IV_LEN];
        let sealed = seal(&key, &iv, b"salt", b"secret").unwrap();
        assert_eq!(sealed.len(), 6 + TAG_LEN);
        assert_eq!(
            open(&key, &iv, b"salt", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert!(matches!(
            open(&key, &iv, b"other", &sealed),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            open(&[8u8; 16], &iv, b"salt", &sealed),
            Err(Error::WrongPassword)
        ));
    }
}
