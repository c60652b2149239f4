//! One secret value of the keystore: bytes that are wiped on drop and never printed.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// The raw bytes of a keystore entry. String settings are stored as UTF-8; file settings
/// hold the file's bytes unchanged.
#[derive(Clone, Default)]
pub struct SecureValue(Vec<u8>);

impl SecureValue {
    /// Wraps bytes (takes ownership, so no copy is left behind).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, or `None` when it is not valid UTF-8 (e.g. a binary file setting).
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for SecureValue {
    /// Constant-time comparison, so equality checks on secrets do not leak their prefix.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecureValue {}

impl fmt::Debug for SecureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecureValue([redacted])")
    }
}

impl Drop for SecureValue {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl From<Vec<u8>> for SecureValue {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let v = SecureValue::new(b"hunter2".to_vec());
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn text_and_binary_values() {
        assert_eq!(SecureValue::new(b"abc".to_vec()).as_str(), Some("abc"));
        assert_eq!(SecureValue::new(vec![0xff, 0xfe]).as_str(), None);
        assert_eq!(SecureValue::new(vec![0xff, 0xfe]).as_bytes(), &[0xff, 0xfe]);
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(
            SecureValue::new(b"a".to_vec()),
            SecureValue::new(b"a".to_vec())
        );
        assert_ne!(
            SecureValue::new(b"a".to_vec()),
            SecureValue::new(b"ab".to_vec())
        );
        assert_ne!(
            SecureValue::new(b"a".to_vec()),
            SecureValue::new(b"b".to_vec())
        );
    }
}
